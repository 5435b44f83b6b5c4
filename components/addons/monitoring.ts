import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { CHARTS } from "./charts";
import { AddonArgs, createPlatformNamespace, installChart, resources } from "./helm-addon";
import { Values } from "./deep-merge";
import { MONITORING_FULLNAME, MONITORING_RELEASE, MONITORING_SELECTOR_LABELS, NAMESPACES, PROMETHEUS } from "./well-known";
import { platformAlertGroups } from "./monitoring-rules";

/** Where alerts go. Each value is secret config; absent receivers are simply not configured. */
export interface MonitoringReceivers {
    /** Slack incoming-webhook URL: warnings, and criticals when there is no PagerDuty key. */
    slackWebhookUrl?: pulumi.Output<string>;
    /** PagerDuty Events API v2 routing key: critical alerts. */
    pagerdutyRoutingKey?: pulumi.Output<string>;
}

export interface MonitoringArgs extends AddonArgs {
    /** Prometheus TSDB retention, a Prometheus duration such as "15d". */
    retention: string;
    /** Size of each Prometheus replica's volume, in GiB. */
    storageGb: number;
    /** Alert receivers; their URLs/keys reach Alertmanager only through a Kubernetes Secret. */
    receivers: MonitoringReceivers;
    /** Value of the `cluster` external label on every series and alert, so the pair's alerts are told apart. */
    clusterLabel: string;
    /** Optional `role` external label (active/passive), so alerts say which side of the pair fired. */
    role?: string;
    /** Protect everything this component creates (namespace with the Prometheus volumes, Grafana password) from deletion. */
    protect: boolean;
    /** Seconds without a successful Velero backup before VeleroBackupStale fires; pass twice the schedule interval. */
    backupStaleAfterSeconds: number;
    /** Custom resources kube-state-metrics turns into metrics (a CustomResourceStateMetrics config) and the read rules it needs. */
    customResourceMetrics?: { config: Values; rbacRules: Values[] };
}

/** Secret holding the receivers' URLs/keys; the operator mounts it at /etc/alertmanager/secrets/<name>/. */
export const ALERTMANAGER_RECEIVERS_SECRET = "alertmanager-receivers";
export const RECEIVER_SECRET_KEYS = { slack: "slack-webhook-url", pagerduty: "pagerduty-routing-key" } as const;
/** Secret with Grafana's admin credentials, keys as the grafana chart expects by default. */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";

/** The Prometheus StatefulSet's pods are addressable through the operator's headless Service. */
const PROMETHEUS_STATEFULSET = `prometheus-${MONITORING_FULLNAME}-prometheus`;
const PROMETHEUS_HEADLESS_SERVICE = "prometheus-operated";

function receiverFile(key: string): string {
    return `/etc/alertmanager/secrets/${ALERTMANAGER_RECEIVERS_SECRET}/${key}`;
}

/**
 * Receivers and the route tree. Criticals page (PagerDuty, else Slack),
 * warnings go to Slack, everything else (and the always-firing Watchdog) to
 * 'null'. 'null' stays defined because the chart's defaults refer to it.
 */
function alertRouting(present: { slack: boolean; pagerduty: boolean }): Values {
    const receivers: Values[] = [{ name: "null" }];
    if (present.slack) {
        receivers.push({
            name: "slack",
            slack_configs: [
                {
                    api_url_file: receiverFile(RECEIVER_SECRET_KEYS.slack),
                    send_resolved: true,
                    title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} on {{ .CommonLabels.cluster }}",
                    text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook }}\n{{ end }}",
                },
            ],
        });
    }
    if (present.pagerduty) {
        receivers.push({
            name: "pagerduty",
            pagerduty_configs: [{ routing_key_file: receiverFile(RECEIVER_SECRET_KEYS.pagerduty), send_resolved: true }],
        });
    }
    const criticalReceiver = present.pagerduty ? "pagerduty" : present.slack ? "slack" : undefined;
    const routes: Values[] = [{ receiver: "null", matchers: ['alertname = "Watchdog"'] }];
    if (criticalReceiver) routes.push({ receiver: criticalReceiver, matchers: ['severity = "critical"'] });
    if (present.slack) routes.push({ receiver: "slack", matchers: ['severity = "warning"'] });
    return { route: { receiver: "null", routes }, receivers };
}

/**
 * kube-prometheus-stack: Prometheus (with a remote-write receiver for the
 * app's Prometheus agent), Alertmanager, Grafana, the operator and exporters,
 * plus the platform's own alert rules.
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** In-cluster Prometheus query URL, with port. */
    public readonly prometheusUrl: string;
    /** The same Service without the port, and the port, for clients that take them apart (prometheus-adapter). */
    public readonly prometheusServiceUrl: string;
    public readonly prometheusPort: number;
    /** Remote-write endpoint behind the Prometheus Service (one replica per connection). */
    public readonly remoteWriteUrl: string;
    /** One remote-write endpoint per Prometheus replica; an agent writing to all of them keeps every replica complete. */
    public readonly remoteWriteReplicaUrls: string[];
    public readonly alertmanagerUrl: string;
    public readonly grafanaUrl: string;
    /** The platform PrometheusRule (certificates, backups, Vault, nodes, pods). */
    public readonly rules: k8s.apiextensions.CustomResource;
    /** Grafana admin password (user `admin`), a Pulumi secret. */
    public readonly grafanaAdminPassword: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        // Children inherit `protect`, so the namespace (and with it the Prometheus volumes) and the password survive a stray delete.
        super("finplat:addons:Monitoring", name, {}, { ...opts, protect: args.protect });
        const { cluster } = args;
        const provider = cluster.provider;
        const placement = cluster.placement;
        const onSystemPool = { tolerations: placement.systemTolerations, nodeSelector: placement.systemNodeSelector };
        const replicas = placement.zones.length >= 3 ? 2 : 1;
        const highlyAvailable = replicas > 1;

        // The Secrets below must exist before the chart's pods start (Grafana reads its admin Secret at startup),
        // so the namespace is created here rather than by installChart together with the release.
        // node-exporter needs the host's network and PID namespaces and hostPath mounts.
        const namespace = createPlatformNamespace(this, name, cluster, NAMESPACES.monitoring, { "pod-security.kubernetes.io/enforce": "privileged" });

        const receiverData: Record<string, pulumi.Output<string>> = {};
        if (args.receivers.slackWebhookUrl) receiverData[RECEIVER_SECRET_KEYS.slack] = args.receivers.slackWebhookUrl;
        if (args.receivers.pagerdutyRoutingKey) receiverData[RECEIVER_SECRET_KEYS.pagerduty] = args.receivers.pagerdutyRoutingKey;
        const receiversSecret = Object.keys(receiverData).length === 0
            ? undefined
            : new k8s.core.v1.Secret(`${name}-alertmanager-receivers`, {
                  metadata: { name: ALERTMANAGER_RECEIVERS_SECRET, namespace: namespace.metadata.name },
                  type: "Opaque",
                  stringData: pulumi.secret(receiverData),
              }, { parent: this, provider });

        const grafanaPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
        const grafanaAdmin = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: GRAFANA_ADMIN_SECRET, namespace: namespace.metadata.name },
            type: "Opaque",
            stringData: pulumi.secret({ "admin-user": "admin", "admin-password": grafanaPassword.result }),
        }, { parent: this, provider });

        const externalLabels: Record<string, string> = { cluster: args.clusterLabel, ...(args.role ? { role: args.role } : {}) };
        const prometheusStorage = {
            volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${args.storageGb}Gi` } } } },
        };

        const values: Values = {
            // Fixed Service names: PROMETHEUS.* in well-known.ts are built from this.
            fullnameOverride: MONITORING_FULLNAME,
            crds: { enabled: true },
            // EKS and AKS manage the control plane: nothing to scrape, and their alerts would only ever say "target down".
            defaultRules: {
                rules: { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false },
            },
            kubeEtcd: { enabled: false },
            kubeControllerManager: { enabled: false },
            kubeScheduler: { enabled: false },
            kubeProxy: { enabled: false },
            prometheus: {
                podDisruptionBudget: { enabled: highlyAvailable, minAvailable: 1 },
                prometheusSpec: {
                    replicas,
                    podAntiAffinity: "soft",
                    podAntiAffinityTopologyKey: placement.zoneTopologyKey,
                    retention: args.retention,
                    storageSpec: prometheusStorage,
                    // The app's Prometheus agent sidecar pushes to /api/v1/write.
                    enableRemoteWriteReceiver: true,
                    // Select every ServiceMonitor/PodMonitor/Probe/ScrapeConfig/PrometheusRule in the cluster, not only
                    // those labelled release=<MONITORING_RELEASE>: a chart that cannot set our label would otherwise be
                    // silently unmonitored, the worse failure. Ours still carry MONITORING_SELECTOR_LABELS, so narrowing
                    // back is a values override.
                    serviceMonitorSelectorNilUsesHelmValues: false,
                    podMonitorSelectorNilUsesHelmValues: false,
                    ruleSelectorNilUsesHelmValues: false,
                    probeSelectorNilUsesHelmValues: false,
                    scrapeConfigSelectorNilUsesHelmValues: false,
                    externalLabels,
                    resources: resources("500m", "2Gi", undefined, "4Gi"),
                    ...onSystemPool,
                },
            },
            alertmanager: {
                podDisruptionBudget: { enabled: highlyAvailable, minAvailable: 1 },
                config: alertRouting({ slack: !!args.receivers.slackWebhookUrl, pagerduty: !!args.receivers.pagerdutyRoutingKey }),
                alertmanagerSpec: {
                    replicas,
                    podAntiAffinity: "soft",
                    podAntiAffinityTopologyKey: placement.zoneTopologyKey,
                    secrets: receiversSecret ? [ALERTMANAGER_RECEIVERS_SECRET] : [],
                    // Silences and the notification log survive restarts.
                    storage: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } } } },
                    resources: resources("50m", "128Mi", undefined, "256Mi"),
                    ...onSystemPool,
                },
            },
            prometheusOperator: {
                resources: resources("100m", "256Mi", undefined, "512Mi"),
                ...onSystemPool,
                // The sidecar the operator adds to Prometheus and Alertmanager pods.
                prometheusConfigReloader: { resources: resources("10m", "50Mi") },
                // helm.v3.Release runs chart hooks, so the chart's own cert-gen/patch Jobs provision the webhook certificate.
                admissionWebhooks: {
                    enabled: true,
                    patch: { enabled: true, resources: resources("10m", "64Mi"), ...onSystemPool },
                },
            },
            grafana: {
                admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
                resources: resources("100m", "256Mi", undefined, "512Mi"),
                ...onSystemPool,
            },
            "kube-state-metrics": {
                resources: resources("50m", "128Mi", undefined, "256Mi"),
                ...onSystemPool,
                ...(args.customResourceMetrics
                    ? { customResourceState: { enabled: true, config: args.customResourceMetrics.config }, rbac: { extraRules: args.customResourceMetrics.rbacRules } }
                    : {}),
            },
            "prometheus-node-exporter": {
                resources: resources("20m", "32Mi", undefined, "64Mi"),
                // Every node, whatever its taints (the chart default tolerates NoSchedule only).
                tolerations: [{ operator: "Exists" }],
            },
        };

        const install = installChart(this, name, {
            cluster,
            chart: CHARTS.kubePrometheusStack,
            namespace: NAMESPACES.monitoring,
            releaseName: MONITORING_RELEASE,
            existingNamespace: true,
            values,
            overrides: args.values,
            dependsOn: [namespace, grafanaAdmin, ...(receiversSecret ? [receiversSecret] : []), ...(args.dependsOn ?? [])],
        });
        this.release = install.release;
        this.namespace = namespace.metadata.name;

        // The chart installs the PrometheusRule CRD, so the rule waits for the release.
        this.rules = new k8s.apiextensions.CustomResource(`${name}-platform-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "platform-alerts", namespace: this.namespace, labels: { ...MONITORING_SELECTOR_LABELS } },
            spec: { groups: platformAlertGroups({ backupStaleAfterSeconds: args.backupStaleAfterSeconds }) },
        }, { parent: this, provider, dependsOn: [this.release] });

        const prometheus = new URL(PROMETHEUS.url);
        this.prometheusUrl = PROMETHEUS.url;
        this.prometheusServiceUrl = `${prometheus.protocol}//${prometheus.hostname}`;
        this.prometheusPort = Number(prometheus.port);
        this.remoteWriteUrl = PROMETHEUS.remoteWriteUrl;
        const remoteWritePath = new URL(PROMETHEUS.remoteWriteUrl).pathname;
        this.remoteWriteReplicaUrls = Array.from({ length: replicas }, (_, i) =>
            `http://${PROMETHEUS_STATEFULSET}-${i}.${PROMETHEUS_HEADLESS_SERVICE}.${NAMESPACES.monitoring}.svc:${this.prometheusPort}${remoteWritePath}`);
        this.alertmanagerUrl = PROMETHEUS.alertmanagerUrl;
        this.grafanaUrl = PROMETHEUS.grafanaUrl;
        this.grafanaAdminPassword = pulumi.secret(grafanaPassword.result);

        this.registerOutputs({
            namespace: this.namespace,
            release: this.release,
            prometheusUrl: this.prometheusUrl,
            prometheusServiceUrl: this.prometheusServiceUrl,
            prometheusPort: this.prometheusPort,
            remoteWriteUrl: this.remoteWriteUrl,
            remoteWriteReplicaUrls: this.remoteWriteReplicaUrls,
            alertmanagerUrl: this.alertmanagerUrl,
            grafanaUrl: this.grafanaUrl,
            rules: this.rules,
            grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }
}
