import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { UnsealKeyInfo } from "../cluster/contract";
import { CHARTS } from "./charts";
import { AddonArgs, createPlatformNamespace, installChart, resources } from "./helm-addon";
import { MONITORING_SELECTOR_LABELS, NAMESPACES, VAULT } from "./well-known";

/** ServiceAccount of the Vault server pods; the unseal identity is bound to exactly this name. */
export const VAULT_SERVER_SERVICE_ACCOUNT = "vault";
/** Secret cert-manager writes the server certificate to (tls.crt, tls.key, ca.crt). */
export const VAULT_TLS_SECRET = "vault-server-tls";
/** Where the audit PVC is mounted in the server pods; VaultConfiguration writes the file audit log here. */
export const VAULT_AUDIT_DIR = "/vault/audit";

const TLS_DIR = `/vault/userconfig/${VAULT_TLS_SECRET}`;
const DATA_DIR = "/vault/data";
/** Headless service of the StatefulSet (`<fullname>-internal`); raft peers find each other through it. */
const INTERNAL_SERVICE = `${VAULT.releaseName}-internal`;
/** The chart's server pod labels (name = chart name, instance = release, component = server). */
const SERVER_POD_LABELS = { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": VAULT.releaseName, component: "server" };

export interface VaultArgs extends AddonArgs {
    /** Raft voters (StatefulSet replicas). 1 is a valid single-node raft cluster; production runs 3 or 5 (odd, one per zone). */
    replicas: number;
    /**
     * Keep the raft and audit volumes when the StatefulSet is deleted (`helm uninstall`, a Pulumi
     * delete). Pulumi cannot protect the PVCs a chart's StatefulSet creates, so this sets the
     * StatefulSet's persistentVolumeClaimRetentionPolicy: Retain when true, Delete (clean dev teardown) when false.
     */
    protect: boolean;
    /** Render the chart's ServiceMonitor (needs the prometheus-operator CRDs: pass the monitoring release in dependsOn). */
    serviceMonitor: boolean;
    /** cert-manager ClusterIssuer that signs the server certificate (CLUSTER_ISSUERS.internalCa); pass the issuer in dependsOn. */
    tlsIssuer: string;
}

/** The `seal` stanza for this cluster's unseal key. Credentials come from the pod's workload identity, never from the HCL. */
function sealStanza(key: UnsealKeyInfo): pulumi.Output<string> {
    switch (key.provider) {
        case "awskms":
            // IRSA: the EKS webhook injects AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE from the SA annotation.
            return pulumi.interpolate`seal "awskms" {
  region     = "${key.region}"
  kms_key_id = "${key.keyId}"
}`;
        case "azurekeyvault":
            // No client_secret: the AKS webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE
            // (pod label azure.workload.identity/use), and the wrapper's DefaultAzureCredential picks workload identity.
            // Needs Vault >= 1.18.6 (1.18.5 broke this, hashicorp/vault#29717); the pinned chart ships 2.0.4.
            return pulumi.interpolate`seal "azurekeyvault" {
  tenant_id  = "${key.tenantId}"
  vault_name = "${key.vaultName}"
  key_name   = "${key.keyName}"
}`;
    }
}

/** Every replica joins through every other one, so any pod can (re)start first. */
function retryJoinStanzas(replicas: number): string {
    return Array.from({ length: replicas }, (_, i) => `  retry_join {
    leader_api_addr     = "https://${VAULT.releaseName}-${i}.${INTERNAL_SERVICE}:8200"
    leader_ca_cert_file = "${TLS_DIR}/ca.crt"
  }`).join("\n");
}

/** The server configuration (HCL), TLS everywhere. */
export function vaultServerConfig(replicas: number, unsealKey: UnsealKeyInfo): pulumi.Output<string> {
    return pulumi.interpolate`ui = true

listener "tcp" {
  address            = "[::]:8200"
  cluster_address    = "[::]:8201"
  tls_cert_file      = "${TLS_DIR}/tls.crt"
  tls_key_file       = "${TLS_DIR}/tls.key"
  tls_client_ca_file = "${TLS_DIR}/ca.crt"
  telemetry {
    # Prometheus scrapes /v1/sys/metrics without a Vault token.
    unauthenticated_metrics_access = true
  }
}

storage "raft" {
  path = "${DATA_DIR}"
${retryJoinStanzas(replicas)}
}

${sealStanza(unsealKey)}

service_registration "kubernetes" {}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
}
`;
}

/**
 * HashiCorp Vault in HA mode on integrated Raft storage, TLS from cert-manager,
 * auto-unsealed by this cluster's cloud key through workload identity.
 *
 * After the first install Vault is uninitialized: an operator runs
 * `vault operator init` once (auto-unseal yields recovery keys, not unseal keys).
 * The StatefulSet keeps the chart's OnDelete update strategy, so Helm's --wait does
 * not block on sealed pods, and config changes apply when a pod is deleted.
 * Vault reads its certificate at start and on SIGHUP only: after cert-manager renews
 * it (30 days before expiry), restart the pods one by one or send SIGHUP.
 */
export class Vault extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** In-cluster API address (https; clients trust the internal CA). */
    public readonly address: string;
    /** The cert-manager Certificate for the server (secret VAULT_TLS_SECRET). */
    public readonly certificate: k8s.apiextensions.CustomResource;

    constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:Vault", name, {}, opts);
        if (!Number.isInteger(args.replicas) || args.replicas < 1) {
            throw new Error(`Vault replicas must be a positive integer, got ${args.replicas}`);
        }
        const { cluster } = args;
        const provider = cluster.provider;
        const placement = cluster.placement;

        const identity = cluster.grantWorkloadIdentity(`${name}-unseal`, {
            namespace: NAMESPACES.vault,
            serviceAccount: VAULT_SERVER_SERVICE_ACCOUNT,
            permissions: [{ kind: "vault-unseal" }],
            parent: this,
        });

        // The namespace is created here, not by installChart, because the Certificate must exist before the release.
        // Raft data lives in this namespace's PVCs: deleting it would lose every secret.
        const namespace = createPlatformNamespace(this, name, cluster, NAMESPACES.vault, {}, args.protect);

        const internalDns = `${INTERNAL_SERVICE}.${NAMESPACES.vault}.svc`;
        this.certificate = new k8s.apiextensions.CustomResource(`${name}-server-tls`, {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: VAULT_TLS_SECRET, namespace: namespace.metadata.name },
            spec: {
                secretName: VAULT_TLS_SECRET,
                issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: args.tlsIssuer },
                dnsNames: [
                    VAULT.releaseName,
                    `${VAULT.releaseName}.${NAMESPACES.vault}`,
                    `${VAULT.releaseName}.${NAMESPACES.vault}.svc`,
                    `${VAULT.releaseName}.${NAMESPACES.vault}.svc.cluster.local`,
                    `*.${INTERNAL_SERVICE}`,
                    `*.${internalDns}`,
                    `*.${internalDns}.cluster.local`,
                ],
                // The in-pod CLI talks to https://127.0.0.1:8200 (the chart's VAULT_ADDR).
                ipAddresses: ["127.0.0.1"],
                duration: "8760h",
                renewBefore: "720h",
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            },
        }, { parent: this, provider, dependsOn: [namespace, ...(args.dependsOn ?? [])] });

        const systemPool = { tolerations: placement.systemTolerations, nodeSelector: placement.systemNodeSelector };
        const values = {
            global: { tlsDisable: false },
            injector: {
                enabled: true,
                replicas: placement.zones.length >= 3 ? 2 : 1,
                resources: resources("50m", "64Mi", undefined, "256Mi"),
                ...systemPool,
            },
            server: {
                resources: resources("250m", "512Mi", undefined, "1Gi"),
                ...systemPool,
                // The chart's default affinity (one server per node) stays; spread across zones on top so a zone loss keeps quorum.
                topologySpreadConstraints: [{
                    maxSkew: 1,
                    topologyKey: placement.zoneTopologyKey,
                    whenUnsatisfiable: "DoNotSchedule",
                    labelSelector: { matchLabels: SERVER_POD_LABELS },
                }],
                serviceAccount: { create: true, name: VAULT_SERVER_SERVICE_ACCOUNT, annotations: identity.serviceAccountAnnotations },
                extraLabels: identity.podLabels,
                volumes: [{ name: "tls", secret: { secretName: VAULT_TLS_SECRET } }],
                volumeMounts: [{ name: "tls", mountPath: TLS_DIR, readOnly: true }],
                // The in-pod `vault` CLI (and the readiness probe) trust the internal CA.
                extraEnvironmentVars: { VAULT_CACERT: `${TLS_DIR}/ca.crt` },
                dataStorage: { enabled: true, size: "10Gi", mountPath: DATA_DIR },
                auditStorage: { enabled: true, size: "10Gi", mountPath: VAULT_AUDIT_DIR },
                persistentVolumeClaimRetentionPolicy: {
                    whenDeleted: args.protect ? "Retain" : "Delete",
                    whenScaled: "Retain",
                },
                ha: {
                    enabled: true,
                    replicas: args.replicas,
                    // maxUnavailable defaults to (n-1)/2, which is 0 below 3 replicas and would block every node drain.
                    disruptionBudget: { enabled: args.replicas >= 3 },
                    raft: { enabled: true, setNodeId: true, config: vaultServerConfig(args.replicas, cluster.unsealKey) },
                },
            },
            ui: { enabled: true, serviceType: "ClusterIP" },
            serverTelemetry: {
                serviceMonitor: {
                    enabled: args.serviceMonitor,
                    selectors: MONITORING_SELECTOR_LABELS,
                    // Verify the server certificate instead of the chart's insecureSkipVerify default.
                    tlsConfig: {
                        ca: { secret: { name: VAULT_TLS_SECRET, key: "ca.crt" } },
                        serverName: `${VAULT.releaseName}.${NAMESPACES.vault}.svc`,
                    },
                },
            },
        };

        const chart = installChart(this, name, {
            cluster,
            chart: CHARTS.vault,
            namespace: NAMESPACES.vault,
            existingNamespace: true,
            releaseName: VAULT.releaseName,
            values,
            overrides: args.values,
            dependsOn: [namespace, this.certificate, ...(args.dependsOn ?? [])],
        });

        this.namespace = namespace.metadata.name;
        this.release = chart.release;
        this.address = VAULT.address;
        this.registerOutputs({
            namespace: this.namespace,
            release: this.release,
            address: this.address,
            certificate: this.certificate,
        });
    }
}
