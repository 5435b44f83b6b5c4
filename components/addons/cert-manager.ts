import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "./charts";
import { ClusterIssuers, GlobalNameChallengeSolver } from "./cluster-issuers";
import { Values } from "./deep-merge";
import { AddonArgs, installChart, resources, zoneSpread } from "./helm-addon";
import { CLUSTER_ISSUERS, MONITORING_SELECTOR_LABELS, NAMESPACES } from "./well-known";

export interface CertManagerArgs extends AddonArgs {
    /** Contact address for the Let's Encrypt ACME accounts (expiry and policy mail). */
    acmeEmail: string;
    /** Create a ServiceMonitor for the controller (needs the prometheus-operator CRDs in `dependsOn`). */
    serviceMonitor: boolean;
    /**
     * Also issue certificates for the pair's global name (in the Route53 root zone): the Let's
     * Encrypt ClusterIssuers get a second DNS-01 solver that assumes `roleArn` with a token
     * cert-manager requests for its own ServiceAccount (GlobalNameChallengeAccess creates the role).
     */
    globalName?: GlobalNameArgs;
    /**
     * Issue certificates for Gateways too (cert-manager's gateway-shim reads the
     * `cert-manager.io/cluster-issuer` annotation on a Gateway and its HTTPS listeners).
     * The Gateway API CRDs must exist before the controller starts: pass them in `dependsOn`.
     */
    gatewayApi?: boolean;
}

/** Where the global name's challenge is written, and the role that may write it. */
export type GlobalNameArgs = Omit<GlobalNameChallengeSolver, "serviceAccount">;

const RELEASE_NAME = "cert-manager";
/** Set explicitly so the cloud identity is bound to exactly the controller's ServiceAccount. */
export const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";
/**
 * Public resolvers for the DNS-01 self-check. Asking the cluster's resolver could
 * see a split-horizon or stale answer and pass (or fail) a check the ACME server would not.
 */
export const DNS01_RECURSIVE_NAMESERVERS = "8.8.8.8:53,1.1.1.1:53";

/**
 * The controller's configuration file (values key `config`, a ControllerConfiguration),
 * when it differs from the defaults: Gateway API support (`gatewayAPI.enabled`, v1.21's
 * replacement for the deprecated `enableGatewayAPI`; the ExperimentalGatewayAPISupport
 * feature gate it needs is on by default since v1.15).
 */
function controllerConfiguration(gatewayApi: boolean): Values | undefined {
    return gatewayApi
        ? { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", gatewayAPI: { enabled: true } }
        : undefined;
}

/**
 * The chart mounts `config` from a ConfigMap read only at start, and its Deployment carries
 * no checksum of it: this pod annotation rolls the controller when the configuration changes.
 */
function configChecksum(config: Values): Record<string, string> {
    return { "checksum/config": createHash("sha256").update(JSON.stringify(config)).digest("hex") };
}

/** The labels the chart gives a component's pods. */
function podLabels(podName: string, component: string): Record<string, string> {
    return { "app.kubernetes.io/name": podName, "app.kubernetes.io/instance": RELEASE_NAME, "app.kubernetes.io/component": component };
}

/**
 * cert-manager with its CRDs, and the cluster's ClusterIssuers (Let's Encrypt
 * staging/production over DNS-01, and the internal CA) as a child component.
 *
 * Pass `release` in `dependsOn` of anything that creates cert-manager custom
 * resources; pass this component itself to wait for the issuers too.
 */
export class CertManager extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** Installs the CRDs and the webhook: the dependency for cert-manager custom resources. */
    public readonly release: k8s.helm.v3.Release;
    /** ClusterIssuer names, for `cert-manager.io/cluster-issuer` annotations and issuerRefs. */
    public readonly issuers: typeof CLUSTER_ISSUERS;
    /** The ClusterIssuer resources; put this in `dependsOn` of anything that requests certificates. */
    public readonly clusterIssuers: ClusterIssuers;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:CertManager", name, {}, opts);
        if (!/^[^@\s]+@[^@\s]+$/.test(args.acmeEmail)) {
            throw new Error(`CertManager ${name}: acmeEmail must be an email address, got "${args.acmeEmail}"`);
        }
        const { cluster } = args;
        const { placement } = cluster;
        // Two controllers/webhooks only pay off when a zone can fail without taking both.
        const replicas = placement.zones.length >= 3 ? 2 : 1;
        // A PDB with minAvailable 1 over a single replica would block every node drain.
        const pdb = replicas >= 2 ? { enabled: true, minAvailable: 1 } : { enabled: false };
        const systemPool = { tolerations: placement.systemTolerations, nodeSelector: placement.systemNodeSelector };

        const identity = cluster.grantWorkloadIdentity(name, {
            namespace: NAMESPACES.certManager,
            serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT,
            permissions: [{ kind: "dns-challenge-records" }],
            parent: this,
        });

        const config = controllerConfiguration(args.gatewayApi ?? false);
        const values: Values = {
            crds: { enabled: true, keep: true },
            // Absent unless needed, so stacks without Gateways keep the chart's defaults untouched.
            ...(config ? { config, podAnnotations: configChecksum(config) } : {}),
            // Keep the leader-election Leases (and their RBAC) in cert-manager's own namespace, not kube-system.
            global: { leaderElection: { namespace: NAMESPACES.certManager } },

            replicaCount: replicas,
            podDisruptionBudget: pdb,
            topologySpreadConstraints: zoneSpread(placement.zoneTopologyKey, podLabels("cert-manager", "controller")),
            serviceAccount: { create: true, name: CERT_MANAGER_SERVICE_ACCOUNT, annotations: identity.serviceAccountAnnotations },
            podLabels: identity.podLabels,
            ...systemPool,
            // The controller caches Certificates, Orders and their Secrets cluster-wide.
            resources: resources("20m", "128Mi", undefined, "512Mi"),
            // The own-zone DNS-01 solvers carry no credentials: ClusterIssuers use cert-manager's workload
            // identity as ambient credentials. That is the default; stated because the issuers rely on it.
            // (The global-name solver uses no ambient credentials: it assumes its role with a requested token.)
            // (Namespaced Issuers would need --issuer-ambient-credentials; the platform has none.)
            extraArgs: ["--cluster-issuer-ambient-credentials=true"],
            dns01RecursiveNameserversOnly: true,
            dns01RecursiveNameservers: DNS01_RECURSIVE_NAMESERVERS,
            prometheus: {
                enabled: args.serviceMonitor,
                servicemonitor: { enabled: args.serviceMonitor, labels: MONITORING_SELECTOR_LABELS },
            },

            webhook: {
                replicaCount: replicas,
                podDisruptionBudget: pdb,
                topologySpreadConstraints: zoneSpread(placement.zoneTopologyKey, podLabels("webhook", "webhook")),
                ...systemPool,
                resources: resources("10m", "64Mi", undefined, "128Mi"),
            },
            // Leader-elected and off the request path: one replica is enough.
            cainjector: {
                replicaCount: 1,
                ...systemPool,
                resources: resources("10m", "128Mi", undefined, "256Mi"),
            },
            startupapicheck: {
                ...systemPool,
                resources: resources("10m", "32Mi", undefined, "64Mi"),
            },
        };

        const chart = installChart(this, name, {
            cluster,
            chart: CHARTS.certManager,
            namespace: NAMESPACES.certManager,
            releaseName: RELEASE_NAME,
            values,
            overrides: args.values,
            dependsOn: args.dependsOn,
        });
        this.namespace = chart.namespace;
        this.release = chart.release;
        this.issuers = CLUSTER_ISSUERS;

        // The global-name solver requests a token for cert-manager's own ServiceAccount (TokenRequest);
        // the chart grants no serviceaccounts/token, so allow exactly that one, only when it is used.
        const tokenRequest = args.globalName ? this.allowTokenRequest(name, args, chart.namespace, chart.release) : [];

        this.clusterIssuers = new ClusterIssuers(`${name}-issuers`, {
            cluster,
            certManagerRelease: chart.release,
            acmeEmail: args.acmeEmail,
            dnsIdentityPrincipalId: identity.principalId,
            globalName: args.globalName && { ...args.globalName, serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT },
            globalNamePrerequisites: tokenRequest,
        }, { parent: this });

        this.registerOutputs({
            namespace: this.namespace,
            release: this.release,
            issuers: this.issuers,
            clusterIssuers: this.clusterIssuers,
        });
    }

    /** Role + RoleBinding: the controller may create tokens for its own ServiceAccount and no other. */
    private allowTokenRequest(name: string, args: CertManagerArgs, namespace: pulumi.Output<string>, release: pulumi.Resource): pulumi.Resource[] {
        const opts = { parent: this, provider: args.cluster.provider, dependsOn: [release] };
        const roleName = `${RELEASE_NAME}-global-name-token-request`;
        const role = new k8s.rbac.v1.Role(`${name}-token-request`, {
            metadata: { name: roleName, namespace },
            rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [CERT_MANAGER_SERVICE_ACCOUNT], verbs: ["create"] }],
        }, opts);
        const binding = new k8s.rbac.v1.RoleBinding(`${name}-token-request`, {
            metadata: { name: roleName, namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
            subjects: [{ kind: "ServiceAccount", name: CERT_MANAGER_SERVICE_ACCOUNT, namespace: NAMESPACES.certManager }],
        }, { ...opts, dependsOn: [release, role] });
        return [role, binding];
    }
}
