import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClusterHandle, NodeAutoscaling } from "../cluster/contract";
import { AutoscalerTuning } from "../cluster/types";
import { CHARTS } from "./charts";
import { AddonArgs, installChart, resources, zoneSpread } from "./helm-addon";
import { Values } from "./deep-merge";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "./well-known";

/**
 * cluster-autoscaler image per Kubernetes minor: the autoscaler must match the
 * control plane's minor, so the chart's default tag (the newest, v1.35.x) is
 * not used. Newest patch tag of each release line.
 */
export const AUTOSCALER_IMAGE_BY_MINOR: Readonly<Record<string, string>> = {
    "1.31": "v1.31.5",
    "1.32": "v1.32.7",
    "1.33": "v1.33.6",
    "1.34": "v1.34.5",
};

/** The image tag for a cluster's Kubernetes version ("1.33" or "1.33.4"); throws for a minor not in the table. */
export function autoscalerImageTag(kubernetesVersion: string): string {
    const minor = kubernetesVersion.split(".").slice(0, 2).join(".");
    const tag = AUTOSCALER_IMAGE_BY_MINOR[minor];
    if (!tag) {
        throw new Error(
            `cluster-autoscaler: no image for Kubernetes ${kubernetesVersion}; add its minor to AUTOSCALER_IMAGE_BY_MINOR ` +
                `(known: ${Object.keys(AUTOSCALER_IMAGE_BY_MINOR).join(", ")})`,
        );
    }
    return tag;
}

/** Release name and the ServiceAccount the chart creates (named explicitly so the identity's subject matches). */
export const CLUSTER_AUTOSCALER_RELEASE = "cluster-autoscaler";
export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";

export interface ClusterAutoscalerArgs extends AddonArgs {
    /** Expander and scale-down knobs, shared with the AKS managed autoscaler profile. */
    tuning: AutoscalerTuning;
    /** Create the chart's ServiceMonitor; needs Monitoring's CRDs, so pass the Monitoring release in dependsOn. */
    serviceMonitor: boolean;
}

type ChartAutoscaling = Extract<NodeAutoscaling, { mode: "cluster-autoscaler" }>;

function requireChartAutoscaling(cluster: ClusterHandle): ChartAutoscaling {
    const autoscaling = cluster.nodeAutoscaling;
    if (autoscaling.mode !== "cluster-autoscaler") {
        throw new Error(
            `ClusterAutoscaler: cluster ${cluster.name} scales its nodes with mode "${autoscaling.mode}"; ` +
                `the cluster-autoscaler chart is only for clusters with nodeAutoscaling.mode "cluster-autoscaler" (skip it for managed autoscaling)`,
        );
    }
    return autoscaling;
}

/**
 * The cluster-autoscaler chart, for clusters whose node groups are scaled by
 * it (EKS). It discovers the node groups by their ASG tags and resizes them
 * with a cloud identity limited to "node-autoscaling".
 */
export class ClusterAutoscaler extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** The image tag run, matched to the cluster's Kubernetes minor. */
    public readonly imageTag: string;

    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything is registered: a managed-autoscaling cluster gets nothing.
        const autoscaling = requireChartAutoscaling(args.cluster);
        const imageTag = autoscalerImageTag(args.cluster.kubernetesVersion);
        super("finplat:addons:ClusterAutoscaler", name, {}, opts);
        const { cluster, tuning } = args;
        const placement = cluster.placement;

        const identity = cluster.grantWorkloadIdentity(`${name}-identity`, {
            namespace: NAMESPACES.clusterAutoscaler,
            serviceAccount: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
            permissions: [{ kind: "node-autoscaling" }],
            parent: this,
        });

        const values: Values = {
            fullnameOverride: CLUSTER_AUTOSCALER_RELEASE,
            cloudProvider: autoscaling.cloudProvider,
            awsRegion: autoscaling.region,
            autoDiscovery: {
                clusterName: autoscaling.clusterName,
                tags: ["k8s.io/cluster-autoscaler/enabled", `k8s.io/cluster-autoscaler/${autoscaling.clusterName}`],
            },
            image: { tag: imageTag },
            rbac: {
                serviceAccount: { create: true, name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT, annotations: identity.serviceAccountAnnotations },
            },
            podLabels: identity.podLabels,
            extraArgs: {
                expander: tuning.expander,
                "scale-down-utilization-threshold": tuning.scaleDownUtilizationThreshold,
                "scale-down-unneeded-time": tuning.scaleDownUnneededTime,
                // If a pool is split into one node group per zone (what zonal volumes need), its groups grow together.
                "balance-similar-node-groups": true,
                // kube-system pods (CoreDNS, metrics-server) drifting onto a workload node must not pin it forever;
                // their PodDisruptionBudgets still guard them during scale-down.
                "skip-nodes-with-system-pods": false,
            },
            // Two replicas, one leader (leader election is on by default). The standby matters more than usual here:
            // if the only replica's node goes away and the system pool is full, the replacement pod would wait for a
            // scale-up that only the autoscaler itself can do. The spread puts the standby in another zone.
            replicaCount: 2,
            podDisruptionBudget: { maxUnavailable: 1 },
            topologySpreadConstraints: zoneSpread(placement.zoneTopologyKey, { "app.kubernetes.io/instance": CLUSTER_AUTOSCALER_RELEASE }),
            resources: resources("100m", "300Mi", undefined, "600Mi"),
            tolerations: placement.systemTolerations,
            nodeSelector: placement.systemNodeSelector,
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            serviceMonitor: {
                enabled: args.serviceMonitor,
                namespace: NAMESPACES.monitoring,
                // The chart writes these as the ServiceMonitor's labels.
                selector: { ...MONITORING_SELECTOR_LABELS },
                interval: "30s",
            },
        };

        this.release = installChart(this, name, {
            cluster,
            chart: CHARTS.clusterAutoscaler,
            namespace: NAMESPACES.clusterAutoscaler,
            releaseName: CLUSTER_AUTOSCALER_RELEASE,
            existingNamespace: true,
            values,
            overrides: args.values,
            dependsOn: args.dependsOn,
        }).release;
        this.imageTag = imageTag;

        this.registerOutputs({ release: this.release, imageTag: this.imageTag });
    }
}
