/**
 * Capacity of the stable track: an HPA between the role's min and max, and a
 * PodDisruptionBudget so node drains take one pod at a time.
 *
 * How requests per second reach the HPA: financial-service exports the counter
 * `http_requests_total` on its metrics port; the platform Prometheus scrapes it
 * through the PodMonitor (which adds `namespace` and `pod`); prometheus-adapter
 * turns its rate into the per-pod custom metric REQUESTS_PER_SECOND_METRIC on
 * custom.metrics.k8s.io; the HPA reads it as a `Pods` metric. Without
 * monitoring there is no such series, so the HPA then scales on CPU alone.
 */
import * as k8s from "@pulumi/kubernetes";
import { REQUESTS_PER_SECOND_METRIC } from "../addons/well-known";
import { CONTAINERS, appLabels, trackPodSelector } from "./layout";
import { AppContext, AppSizing } from "./types";

type Metric = k8s.types.input.autoscaling.v2.MetricSpec;

export function hpaMetrics(sizing: AppSizing, requestsPerSecond: boolean): Metric[] {
    // CPU of the app container only: sidecars (Envoy, fluentd) must not drive scaling.
    const cpu: Metric = {
        type: "ContainerResource",
        containerResource: { name: "cpu", container: CONTAINERS.app, target: { type: "Utilization", averageUtilization: sizing.targetCpuUtilization } },
    };
    const rps: Metric = {
        type: "Pods",
        pods: { metric: { name: REQUESTS_PER_SECOND_METRIC }, target: { type: "AverageValue", averageValue: String(sizing.targetRequestsPerSecond) } },
    };
    return requestsPerSecond ? [cpu, rps] : [cpu];
}

/** Scale up fast (a failover lands the whole load at once), scale down slowly. */
export const HPA_BEHAVIOR: k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerBehavior = {
    scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 30 }, { type: "Pods", value: 4, periodSeconds: 30 }],
    },
    scaleDown: {
        // Five minutes of lower load before shrinking, then at most a quarter per minute.
        stabilizationWindowSeconds: 300,
        selectPolicy: "Min",
        policies: [{ type: "Percent", value: 25, periodSeconds: 60 }],
    },
};

export function createAutoscaling(ctx: AppContext, args: { deploymentName: string; sizing: AppSizing; requestsPerSecond: boolean }) {
    const hpaName = ctx.appName;
    const hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${ctx.prefix}-hpa`, {
        metadata: { name: hpaName, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deploymentName },
            minReplicas: args.sizing.minReplicas,
            maxReplicas: args.sizing.maxReplicas,
            metrics: hpaMetrics(args.sizing, args.requestsPerSecond),
            behavior: HPA_BEHAVIOR,
        },
    }, ctx.opts);

    // maxUnavailable (not minAvailable) so a one-replica standby can still be drained.
    const pdb = new k8s.policy.v1.PodDisruptionBudget(`${ctx.prefix}-pdb`, {
        metadata: { name: ctx.appName, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        spec: {
            maxUnavailable: 1,
            selector: { matchLabels: trackPodSelector(ctx.appName, "stable") },
            unhealthyPodEvictionPolicy: "AlwaysAllow",
        },
    }, ctx.opts);
    return { hpa, hpaName, pdb };
}
