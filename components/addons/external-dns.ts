import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { DnsZoneInfo } from "../cluster/contract";
import { CHARTS } from "./charts";
import { Values } from "./deep-merge";
import { AddonArgs, createPlatformNamespace, installChart, resources } from "./helm-addon";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "./well-known";

export interface ExternalDnsArgs extends AddonArgs {
    /** `upsert-only` never deletes records; `sync` also removes records whose Ingress/Service is gone. */
    policy: "upsert-only" | "sync";
    /**
     * TXT owner id, unique per cluster (e.g. the cluster name). Two clusters with the
     * same id would delete or overwrite each other's records in a shared zone.
     */
    ownerId: string;
    /** Only names under these domains are managed (normally the cluster's own zone). */
    domainFilters: string[];
    /** Create a ServiceMonitor (needs the prometheus-operator CRDs in `dependsOn`). */
    serviceMonitor: boolean;
    /**
     * Also publish HTTPRoute hostnames (source `gateway-httproute`), pointing them at the
     * addresses of the Gateways in this namespace only. The chart then grants read access
     * to gateways, httproutes and namespaces (its ClusterRole follows `sources`). The
     * Gateway API CRDs must exist before ExternalDNS starts: pass them in `dependsOn`.
     */
    gatewayNamespace?: string;
}

const RELEASE_NAME = "external-dns";
/** Set explicitly so the cloud identity is bound to exactly the ServiceAccount the chart creates. */
export const EXTERNAL_DNS_SERVICE_ACCOUNT = "external-dns";
/** Prefix for ownership TXT records, so they never collide with a CNAME of the same name. Never change it once records exist. */
export const EXTERNAL_DNS_TXT_PREFIX = "extdns-";
/** Where the binary reads its Azure configuration (`--azure-config-file` default `/etc/kubernetes/azure.json`). */
const AZURE_CONFIG_DIR = "/etc/kubernetes";

/** What the chart needs for one DNS provider, plus resources that must exist before the pods start. */
interface ProviderSetup {
    values: Values;
    prerequisites: pulumi.Resource[];
}

/**
 * Per-cloud provider settings. Credentials come from the workload identity in
 * both cases; nothing here is a secret.
 */
function providerSetup(owner: pulumi.Resource, name: string, dns: DnsZoneInfo, namespace: pulumi.Input<string>, provider: k8s.Provider): ProviderSetup {
    switch (dns.provider) {
        case "route53":
            return {
                values: {
                    provider: { name: "aws" },
                    env: [{ name: "AWS_DEFAULT_REGION", value: dns.region }],
                    // Only this cluster's public zone, even if the account holds others with the same suffix.
                    extraArgs: { "aws-zone-type": "public", "zone-id-filter": dns.zoneId },
                },
                prerequisites: [],
            };
        case "azure-dns": {
            // The Azure provider reads only a config file; it is IDs, not credentials.
            const config = new k8s.core.v1.Secret(`${name}-azure-config`, {
                metadata: { name: "external-dns-azure-config", namespace },
                stringData: {
                    "azure.json": pulumi.jsonStringify({
                        tenantId: dns.tenantId,
                        subscriptionId: dns.subscriptionId,
                        resourceGroup: dns.resourceGroupName,
                        useWorkloadIdentityExtension: true,
                    }),
                },
            }, { parent: owner, provider });
            return {
                values: {
                    provider: { name: "azure" },
                    extraVolumes: [{ name: "azure-config", secret: { secretName: config.metadata.name } }],
                    extraVolumeMounts: [{ name: "azure-config", mountPath: AZURE_CONFIG_DIR, readOnly: true }],
                },
                prerequisites: [config],
            };
        }
        default: {
            const unhandled: never = dns;
            throw new Error(`unsupported DNS provider: ${JSON.stringify(unhandled)}`);
        }
    }
}

/**
 * ExternalDNS: publishes DNS records for this cluster's Ingresses, LoadBalancer
 * Services and (with `gatewayNamespace`) HTTPRoutes into the cluster's own zone, with a cloud identity
 * that may change records in that zone and nothing else.
 */
export class ExternalDns extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ExternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:ExternalDns", name, {}, opts);
        if (!args.ownerId.trim()) throw new Error(`ExternalDns ${name}: ownerId must be a non-empty, per-cluster id`);
        if (args.domainFilters.length === 0) throw new Error(`ExternalDns ${name}: domainFilters must name at least one domain`);
        const { cluster } = args;
        const provider = cluster.provider;
        const { placement } = cluster;

        // The namespace is created here, not by installChart, because the Azure config
        // Secret must exist in it before the release starts the pod.
        const namespace = createPlatformNamespace(this, name, cluster, NAMESPACES.externalDns);

        const identity = cluster.grantWorkloadIdentity(name, {
            namespace: NAMESPACES.externalDns,
            serviceAccount: EXTERNAL_DNS_SERVICE_ACCOUNT,
            permissions: [{ kind: "dns-zone-records" }],
            parent: this,
        });
        const setup = providerSetup(this, name, cluster.dns, namespace.metadata.name, provider);

        const values: Values = {
            ...setup.values,
            serviceAccount: { create: true, name: EXTERNAL_DNS_SERVICE_ACCOUNT, annotations: identity.serviceAccountAnnotations },
            podLabels: identity.podLabels,
            sources: ["ingress", "service", ...(args.gatewayNamespace ? ["gateway-httproute"] : [])],
            ...(args.gatewayNamespace ? { gatewayNamespace: args.gatewayNamespace } : {}),
            domainFilters: args.domainFilters,
            policy: args.policy,
            registry: "txt",
            txtOwnerId: args.ownerId,
            txtPrefix: EXTERNAL_DNS_TXT_PREFIX,
            // A critical platform service: the system pool.
            tolerations: placement.systemTolerations,
            nodeSelector: placement.systemNodeSelector,
            resources: resources("10m", "64Mi", undefined, "128Mi"),
            // The chart's defaults, stated so a chart bump cannot silently weaken them.
            podSecurityContext: { runAsNonRoot: true, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
            securityContext: {
                privileged: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                capabilities: { drop: ["ALL"] },
            },
            serviceMonitor: { enabled: args.serviceMonitor, additionalLabels: MONITORING_SELECTOR_LABELS },
        };

        const chart = installChart(this, name, {
            cluster,
            chart: CHARTS.externalDns,
            namespace: NAMESPACES.externalDns,
            releaseName: RELEASE_NAME,
            values,
            overrides: args.values,
            existingNamespace: true,
            dependsOn: [namespace, ...setup.prerequisites, ...(args.dependsOn ?? [])],
        });
        this.namespace = namespace.metadata.name;
        this.release = chart.release;

        this.registerOutputs({ namespace: this.namespace, release: this.release });
    }
}
