import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "./charts";
import { Values } from "./deep-merge";
import { AddonArgs, installChart, resources } from "./helm-addon";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "./well-known";

/** Release names as the upstream docs use them; the operator's pods carry `app.kubernetes.io/name: cloudnative-pg`. */
const OPERATOR_RELEASE = "cnpg";
const PLUGIN_RELEASE = "barman-cloud";

/** Labels of the operator's pods (the chart's selector labels): database NetworkPolicies admit exactly these. */
export const CNPG_OPERATOR_POD_LABELS = { "app.kubernetes.io/name": "cloudnative-pg" } as const;

export interface CloudNativePgArgs extends AddonArgs {
    /** Helm values deep-merged over the Barman Cloud plugin's computed values. */
    pluginValues?: Values;
    /** Render the operator's PodMonitor (needs the prometheus-operator CRDs: pass the monitoring release in dependsOn). */
    serviceMonitor: boolean;
    /**
     * cert-manager, ready to issue: the plugin's chart creates an Issuer and two Certificates
     * (the mTLS between operator and plugin). Pass the cert-manager release or its issuers.
     */
    certManager: pulumi.Resource[];
}

/**
 * The CloudNativePG operator and the Barman Cloud plugin, in one namespace (the plugin
 * must live next to the operator, which discovers it by its Service there).
 *
 * Both charts template their CRDs (not crds/), so a chart bump upgrades them too.
 * PostgreSQL clusters are not created here: see components/database.
 */
export class CloudNativePg extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** The operator: its CRDs (Cluster, ScheduledBackup, ...) and webhooks. */
    public readonly operator: k8s.helm.v3.Release;
    /** The plugin: the ObjectStore CRD and the sidecar injector. */
    public readonly plugin: k8s.helm.v3.Release;

    constructor(name: string, args: CloudNativePgArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:CloudNativePg", name, {}, opts);
        const { cluster } = args;
        const systemPool = { tolerations: cluster.placement.systemTolerations, nodeSelector: cluster.placement.systemNodeSelector };

        const operator = installChart(this, `${name}-operator`, {
            cluster,
            chart: CHARTS.cloudnativePg,
            namespace: NAMESPACES.cloudnativePg,
            releaseName: OPERATOR_RELEASE,
            values: {
                crds: { create: true },
                // Watches every namespace: the database and its point-in-time-restore slot live outside cnpg-system.
                config: { clusterWide: true },
                resources: resources("100m", "256Mi", undefined, "512Mi"),
                ...systemPool,
                monitoring: {
                    podMonitorEnabled: args.serviceMonitor,
                    podMonitorAdditionalLabels: MONITORING_SELECTOR_LABELS,
                },
            },
            overrides: args.values,
            dependsOn: args.dependsOn,
            namespaceLabels: { "pod-security.kubernetes.io/enforce": "restricted" },
        });

        const plugin = installChart(this, `${name}-barman-cloud`, {
            cluster,
            chart: CHARTS.barmanCloudPlugin,
            namespace: NAMESPACES.cloudnativePg,
            releaseName: PLUGIN_RELEASE,
            existingNamespace: true,
            values: {
                crds: { create: true },
                resources: resources("50m", "128Mi", undefined, "256Mi"),
                ...systemPool,
            },
            overrides: args.pluginValues,
            // The operator first (its namespace, and the Cluster CRD the plugin's RBAC names), and cert-manager for the plugin's certificates.
            dependsOn: [operator.release, ...(operator.namespaceResource ? [operator.namespaceResource] : []), ...args.certManager, ...(args.dependsOn ?? [])],
        });

        this.namespace = operator.namespace;
        this.operator = operator.release;
        this.plugin = plugin.release;
        this.registerOutputs({ namespace: this.namespace, operator: this.operator, plugin: this.plugin });
    }
}
