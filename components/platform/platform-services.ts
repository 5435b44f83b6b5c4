import * as pulumi from "@pulumi/pulumi";
import { CertManager, GlobalNameArgs } from "../addons/cert-manager";
import { CloudNativePg } from "../addons/cloudnative-pg";
import { ClusterAutoscaler } from "../addons/cluster-autoscaler";
import { Values } from "../addons/deep-merge";
import { EnvoyGateway } from "../addons/envoy-gateway";
import { ExternalDns } from "../addons/external-dns";
import { GatewayApiCrds } from "../addons/gateway-api-crds";
import { IngressControllerName, IngressLayer, ingressLayer, runs } from "../addons/ingress-controllers";
import { IngressNginx } from "../addons/ingress-nginx";
import { Logging } from "../addons/logging";
import { MetricsAdapter } from "../addons/metrics-adapter";
import { Monitoring, MonitoringReceivers } from "../addons/monitoring";
import { PublicGateway, PublicHostnames } from "../addons/public-gateway";
import { Vault } from "../addons/vault";
import { Velero } from "../addons/velero";
import { CLUSTER_ISSUERS, NAMESPACES, PROMETHEUS } from "../addons/well-known";
import { Falco } from "../security/falco";
import { RuntimeProfile } from "../security/falco-rules";
import { Kyverno } from "../security/kyverno";
import { AdmissionPolicyArgs } from "../security/kyverno-policies";
import { POLICY_REPORT_RBAC_RULES, policyReportMetricsConfig } from "../security/policy-report-metrics";
import { ClusterHandle, ForeignBackupAccess } from "../cluster/contract";
import { AutoscalerTuning } from "../cluster/types";

interface Toggle {
    enabled: boolean;
    /** Helm values deep-merged over the computed ones; yours win. */
    values: Values;
}

/** What to install and how, per add-on. Every add-on can be switched off. */
export interface PlatformSettings {
    /** The controller that serves users and, while migrating, the other one also running; default ingress-nginx alone. */
    ingress?: { controller: IngressControllerName; alsoRun?: IngressControllerName };
    /** `enabled: false` leaves the `nginx` IngressClass to a controller installed outside this program. */
    ingressNginx: Toggle & { replicas: number };
    /** Used when Envoy Gateway runs: chart overrides and the public Gateway's proxy replicas (default: none, 2). */
    envoyGateway?: { values: Values; replicas: number };
    externalDns: Toggle & { policy: "upsert-only" | "sync" };
    certManager: Toggle & { acmeEmail: string };
    logging: { enabled: boolean; eckOperatorValues: Values; fluentBitValues: Values; elasticsearchNodes: number; storageGb: number; retentionDays: number };
    monitoring: Toggle & { retention: string; storageGb: number };
    metricsAdapter: Toggle;
    vault: Toggle & { replicas: number };
    clusterAutoscaler: Toggle;
    velero: Toggle & { schedule: string; ttlHours: number };
    /** The PostgreSQL operator and its Barman Cloud backup plugin (the data tier, components/database); absent: not installed. */
    cloudnativePg?: Toggle & { pluginValues: Values };
    /** Admission policy (absent: not installed). */
    kyverno?: Toggle & { replicas: number; mode: AdmissionPolicyArgs["enforcement"] };
    /** Runtime detection (absent: not installed). */
    falco?: Toggle & { sidekickValues: Values; sidekickReplicas: number };
}

/** What the admission and runtime layers protect, beyond the platform's defaults. */
export interface SecuritySettings {
    /** Registry patterns the admission policy allows (the platform's own and the stack's). */
    allowedRegistries: string[];
    /** Repositories whose images must be signed, and by whom. */
    signedImages: AdmissionPolicyArgs["signedImages"];
    /** Workload namespaces with their own Falco rules. */
    runtimeProfiles: RuntimeProfile[];
}

export interface PlatformServicesArgs {
    cluster: ClusterHandle;
    settings: PlatformSettings;
    /** Node autoscaler behaviour (used where the cluster runs the cluster-autoscaler chart). */
    autoscaler: AutoscalerTuning;
    /** Alertmanager receivers; their URLs/keys are secrets. */
    alertReceivers: MonitoringReceivers;
    /** Read-only access to the peer cluster's backups, so this cluster can restore them. */
    peerBackups?: ForeignBackupAccess;
    /** Alert when the newest successful backup is older than this. */
    backupStaleAfterSeconds: number;
    /** Namespaces Velero leaves out (the database's, which its WAL archive protects). */
    backupExcludedNamespaces?: string[];
    /** Protect stateful add-on data (Elasticsearch, Vault) from deletion. */
    protect: boolean;
    /** ExternalDNS TXT owner id; unique per cluster *and* environment (defaults to the cluster's logical name). */
    dnsOwnerId?: string;
    /** Let cert-manager also solve DNS-01 for the pair's global name (passed to CertManager). */
    globalName?: GlobalNameArgs;
    /** Admission policy and runtime rules; needed when Kyverno or Falco is enabled. */
    security?: SecuritySettings;
    /** The public Gateway's names, who may attach routes, and its certificate issuer; required when Envoy Gateway runs. */
    publicGateway?: PublicGatewaySettings;
}

/** What the platform's public Gateway serves (Envoy Gateway only). */
export interface PublicGatewaySettings {
    hostnames: PublicHostnames;
    /** Namespaces whose HTTPRoutes may attach (the app's). */
    routeNamespaces: string[];
    /** ClusterIssuer for the listeners' certificate (Let's Encrypt staging in dev, production in prod). */
    issuer: string;
}

/**
 * The platform on one cluster, in dependency order: monitoring first (its
 * CRDs back every ServiceMonitor and PrometheusRule), then cert-manager (its
 * issuers sign Vault's and the app's certificates), then everything else.
 */
export class PlatformServices extends pulumi.ComponentResource {
    public readonly monitoring?: Monitoring;
    public readonly certManager?: CertManager;
    public readonly ingress?: IngressNginx;
    /** The Gateway API and Envoy Gateway CRDs, when Envoy Gateway runs. */
    public readonly gatewayApiCrds?: GatewayApiCrds;
    public readonly envoyGateway?: EnvoyGateway;
    /** The cluster's public Gateway, when Envoy Gateway runs. */
    public readonly publicGateway?: PublicGateway;
    /** Which ingress controllers run here and which one serves users. */
    public readonly ingressLayer: IngressLayer;
    /** Load balancer address of the serving controller (what the cluster's public name resolves to). */
    public readonly ingressAddress?: pulumi.Output<string>;
    public readonly externalDns?: ExternalDns;
    public readonly logging?: Logging;
    public readonly metricsAdapter?: MetricsAdapter;
    public readonly vault?: Vault;
    public readonly clusterAutoscaler?: ClusterAutoscaler;
    public readonly velero?: Velero;
    public readonly cloudnativePg?: CloudNativePg;
    public readonly kyverno?: Kyverno;
    public readonly falco?: Falco;
    /** Namespaces of the installed add-ons, by add-on. */
    public readonly namespaces: Record<string, pulumi.Output<string>>;
    /** Resources the app must wait for (CRDs, issuers, ingress class). */
    public readonly appPrerequisites: pulumi.Resource[];
    /** Resources a PostgreSQL Cluster must wait for (the operator's and the plugin's CRDs, the monitoring CRDs). */
    public readonly databasePrerequisites: pulumi.Resource[];

    constructor(name: string, args: PlatformServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:platform:PlatformServices", name, {}, opts);
        const { cluster, settings } = args;
        const parent = { parent: this };
        const serviceMonitor = settings.monitoring.enabled;
        this.ingressLayer = ingressLayer(settings.ingress?.controller ?? "ingress-nginx", settings.ingress?.alsoRun);
        const gatewayRuns = runs(this.ingressLayer, "envoy-gateway");
        if (gatewayRuns && !args.publicGateway) {
            throw new Error(`PlatformServices ${name}: Envoy Gateway runs (platform.ingress), so publicGateway (hostnames, route namespaces, issuer) is required`);
        }

        if (settings.monitoring.enabled) {
            this.monitoring = new Monitoring(`${name}-monitoring`, {
                cluster,
                values: settings.monitoring.values,
                retention: settings.monitoring.retention,
                storageGb: settings.monitoring.storageGb,
                receivers: args.alertReceivers,
                clusterLabel: cluster.name,
                protect: args.protect,
                backupStaleAfterSeconds: args.backupStaleAfterSeconds,
                // Kyverno's policy reports as metrics, for the new-violation alert.
                customResourceMetrics: settings.kyverno?.enabled ? { config: policyReportMetricsConfig(), rbacRules: POLICY_REPORT_RBAC_RULES } : undefined,
            }, parent);
        }
        // Add-ons with ServiceMonitors wait for the prometheus-operator CRDs.
        const afterMonitoring = this.monitoring ? [this.monitoring.release] : [];
        // cert-manager, ExternalDNS and Envoy Gateway all watch Gateway API objects from their start.
        if (gatewayRuns) this.gatewayApiCrds = new GatewayApiCrds(`${name}-gateway-api-crds`, { cluster }, parent);
        const afterGatewayApi = this.gatewayApiCrds ? [this.gatewayApiCrds] : [];

        if (settings.certManager.enabled) {
            this.certManager = new CertManager(`${name}-cert-manager`, {
                cluster,
                values: settings.certManager.values,
                acmeEmail: settings.certManager.acmeEmail,
                serviceMonitor,
                globalName: args.globalName,
                gatewayApi: gatewayRuns,
                dependsOn: [...afterMonitoring, ...afterGatewayApi],
            }, parent);
        }
        const issuersReady = this.certManager ? [this.certManager.clusterIssuers] : [];

        if (runs(this.ingressLayer, "ingress-nginx") && settings.ingressNginx.enabled) {
            this.ingress = new IngressNginx(`${name}-ingress`, {
                cluster,
                values: settings.ingressNginx.values,
                replicas: settings.ingressNginx.replicas,
                serviceMonitor,
                dependsOn: afterMonitoring,
            }, parent);
        }
        if (this.gatewayApiCrds && args.publicGateway) {
            this.envoyGateway = new EnvoyGateway(`${name}-envoy-gateway`, {
                cluster,
                values: settings.envoyGateway?.values,
                proxyReplicas: settings.envoyGateway?.replicas ?? 2,
                serviceMonitor,
                crds: this.gatewayApiCrds,
                dependsOn: afterMonitoring,
            }, parent);
            this.publicGateway = new PublicGateway(`${name}-public-gateway`, {
                cluster,
                gatewayClassName: this.envoyGateway.gatewayClassName,
                hostnames: args.publicGateway.hostnames,
                routeNamespaces: args.publicGateway.routeNamespaces,
                issuer: args.publicGateway.issuer,
                // The certificate's issuer first, so the listeners' certificate is ordered on the first up.
                dependsOn: [this.envoyGateway.gatewayClass, this.envoyGateway.proxyConfig, ...issuersReady],
            }, parent);
        }
        const servingAddress: Record<IngressControllerName, pulumi.Output<string> | undefined> = {
            "ingress-nginx": this.ingress?.loadBalancerAddress,
            "envoy-gateway": this.publicGateway?.loadBalancerAddress,
        };
        this.ingressAddress = servingAddress[this.ingressLayer.serving];
        if (settings.externalDns.enabled) {
            this.externalDns = new ExternalDns(`${name}-external-dns`, {
                cluster,
                values: settings.externalDns.values,
                policy: settings.externalDns.policy,
                // One TXT owner per cluster, so the two clusters never fight over records.
                ownerId: args.dnsOwnerId ?? cluster.name,
                domainFilters: [cluster.dns.zoneName],
                serviceMonitor,
                // HTTPRoutes point at the platform's public Gateway, and no other Gateway's address.
                gatewayNamespace: gatewayRuns ? NAMESPACES.envoyGateway : undefined,
                dependsOn: [...afterMonitoring, ...afterGatewayApi],
            }, parent);
        }
        if (settings.logging.enabled) {
            this.logging = new Logging(`${name}-logging`, {
                cluster,
                eckOperatorValues: settings.logging.eckOperatorValues,
                fluentBitValues: settings.logging.fluentBitValues,
                elasticsearchNodes: settings.logging.elasticsearchNodes,
                storageGb: settings.logging.storageGb,
                retentionDays: settings.logging.retentionDays,
                serviceMonitor,
                protect: args.protect,
                dependsOn: afterMonitoring,
            }, parent);
        }
        if (settings.metricsAdapter.enabled && this.monitoring) {
            this.metricsAdapter = new MetricsAdapter(`${name}-metrics-adapter`, {
                cluster,
                values: settings.metricsAdapter.values,
                prometheusUrl: this.monitoring.prometheusServiceUrl,
                prometheusPort: this.monitoring.prometheusPort,
                dependsOn: afterMonitoring,
            }, parent);
        }
        if (settings.vault.enabled) {
            this.vault = new Vault(`${name}-vault`, {
                cluster,
                values: settings.vault.values,
                replicas: settings.vault.replicas,
                protect: args.protect,
                serviceMonitor,
                tlsIssuer: CLUSTER_ISSUERS.internalCa,
                dependsOn: [...afterMonitoring, ...issuersReady],
            }, parent);
        }
        // AKS scales nodes with its managed autoscaler (configured on the cluster); only EKS runs the chart.
        if (settings.clusterAutoscaler.enabled && cluster.nodeAutoscaling.mode === "cluster-autoscaler") {
            this.clusterAutoscaler = new ClusterAutoscaler(`${name}-cluster-autoscaler`, {
                cluster,
                values: settings.clusterAutoscaler.values,
                tuning: args.autoscaler,
                serviceMonitor,
                dependsOn: afterMonitoring,
            }, parent);
        }
        if (settings.velero.enabled) {
            this.velero = new Velero(`${name}-velero`, {
                cluster,
                values: settings.velero.values,
                schedule: settings.velero.schedule,
                ttlHours: settings.velero.ttlHours,
                peer: args.peerBackups,
                serviceMonitor,
                excludedNamespaces: args.backupExcludedNamespaces,
                dependsOn: afterMonitoring,
            }, parent);
        }
        if (settings.cloudnativePg?.enabled) {
            // The plugin's chart issues its mTLS certificates with cert-manager: without it the database tier cannot start.
            if (!this.certManager) throw new Error(`PlatformServices ${name}: CloudNativePG needs cert-manager (the Barman Cloud plugin's certificates); enable certManager`);
            this.cloudnativePg = new CloudNativePg(`${name}-cloudnative-pg`, {
                cluster,
                values: settings.cloudnativePg.values,
                pluginValues: settings.cloudnativePg.pluginValues,
                serviceMonitor,
                certManager: issuersReady,
                dependsOn: afterMonitoring,
            }, parent);
        }

        const { security } = args;
        if ((settings.kyverno?.enabled || settings.falco?.enabled) && !security) {
            throw new Error(`PlatformServices ${name}: Kyverno and Falco need args.security (allowed registries, signed images, runtime profiles)`);
        }
        if (settings.kyverno?.enabled && security) {
            this.kyverno = new Kyverno(`${name}-kyverno`, {
                cluster,
                values: settings.kyverno.values,
                replicas: settings.kyverno.replicas,
                enforcement: settings.kyverno.mode,
                allowedRegistries: security.allowedRegistries,
                signedImages: security.signedImages,
                serviceMonitor,
                dependsOn: afterMonitoring,
            }, parent);
        }
        if (settings.falco?.enabled && security) {
            this.falco = new Falco(`${name}-falco`, {
                cluster,
                values: settings.falco.values,
                sidekickValues: settings.falco.sidekickValues,
                sidekickReplicas: settings.falco.sidekickReplicas,
                alertmanagerUrl: this.monitoring?.alertmanagerUrl ?? PROMETHEUS.alertmanagerUrl,
                elasticsearch: !!this.logging,
                clusterLabel: cluster.name,
                workloads: security.runtimeProfiles,
                serviceMonitor,
                // Falcosidekick reads Elasticsearch's Secrets, which exist once ECK created the cluster.
                dependsOn: [...afterMonitoring, ...(this.logging ? [this.logging.elasticsearch] : [])],
            }, parent);
        }

        const installed = {
            monitoring: this.monitoring,
            certManager: this.certManager,
            ingress: this.ingress,
            envoyGateway: this.envoyGateway,
            externalDns: this.externalDns,
            logging: this.logging,
            vault: this.vault,
            velero: this.velero,
            cloudnativePg: this.cloudnativePg,
            kyverno: this.kyverno,
            falco: this.falco,
        };
        this.namespaces = Object.fromEntries(
            Object.entries(installed).flatMap(([key, addon]) => (addon ? [[key, addon.namespace]] : [])),
        );
        this.appPrerequisites = [
            ...afterMonitoring,
            ...issuersReady,
            ...(this.ingress ? [this.ingress.release] : []),
            // The app's HTTPRoute and policies need the CRDs and attach to the public Gateway.
            ...(this.publicGateway ? [this.publicGateway.gateway] : []),
            ...(this.vault ? [this.vault.release] : []),
        ];

        this.databasePrerequisites = [
            ...afterMonitoring,
            ...(this.cloudnativePg ? [this.cloudnativePg.operator, this.cloudnativePg.plugin] : []),
        ];

        this.registerOutputs({
            namespaces: this.namespaces,
            ingressController: this.ingressLayer.serving,
            ingressAddress: this.ingressAddress,
            kibanaUrl: this.logging?.kibanaUrl,
            grafanaUrl: this.monitoring?.grafanaUrl,
            alertmanagerUrl: this.monitoring?.alertmanagerUrl,
            vaultAddress: this.vault?.address,
        });
    }
}
