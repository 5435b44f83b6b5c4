import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "./charts";
import { AddonArgs, installChart, resources, zoneSpread } from "./helm-addon";
import { Values } from "./deep-merge";
import { NAMESPACES, REQUESTS_PER_SECOND_METRIC } from "./well-known";

/** The per-pod custom metric the financial app's HPA scales on (served at custom.metrics.k8s.io). */
export { REQUESTS_PER_SECOND_METRIC };

/** The counter the app exposes; the adapter turns it into REQUESTS_PER_SECOND_METRIC. */
const REQUESTS_COUNTER = "http_requests_total";

export interface MetricsAdapterArgs extends AddonArgs {
    /** Prometheus base URL without port or trailing slash, e.g. http://kps-prometheus.monitoring.svc (Monitoring.prometheusServiceUrl). */
    prometheusUrl: string;
    /** Prometheus port (Monitoring.prometheusPort); the chart appends it to the URL. */
    prometheusPort: number;
}

/**
 * The adapter rule: `http_requests_total{namespace,pod}` becomes the per-pod
 * rate REQUESTS_PER_SECOND_METRIC. The output name is given literally (not
 * "${1}_per_second" from a capture group) so it is the exported constant by
 * construction. The [2m] window is 4x the default 30s scrape interval.
 */
export function requestsPerSecondRule(): Values {
    return {
        seriesQuery: `${REQUESTS_COUNTER}{namespace!="",pod!=""}`,
        resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
        name: { matches: `^${REQUESTS_COUNTER}$`, as: REQUESTS_PER_SECOND_METRIC },
        metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
    };
}

/**
 * prometheus-adapter, serving custom.metrics.k8s.io from Prometheus.
 *
 * This is how the financial app's HorizontalPodAutoscaler gets its
 * requests-per-second metric: the HPA asks for the Pods metric
 * REQUESTS_PER_SECOND_METRIC, the API server forwards to this adapter, and
 * the adapter runs the rule's PromQL against Prometheus. Only that one rule
 * is configured (the chart's default rules expose every container_* series,
 * a slow discovery nobody here uses).
 *
 * The monitoring namespace belongs to Monitoring: pass it in `dependsOn`.
 */
export class MetricsAdapter extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** The custom metric served, REQUESTS_PER_SECOND_METRIC. */
    public readonly metricName: string;

    constructor(name: string, args: MetricsAdapterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:MetricsAdapter", name, {}, opts);
        if (new URL(args.prometheusUrl).port !== "") {
            throw new Error(`MetricsAdapter: prometheusUrl must not carry a port (the chart appends prometheusPort), got ${args.prometheusUrl}`);
        }
        const placement = args.cluster.placement;
        const replicas = placement.zones.length >= 3 ? 2 : 1;
        const releaseName = "prometheus-adapter";

        const values: Values = {
            prometheus: { url: args.prometheusUrl, port: args.prometheusPort },
            rules: { default: false, custom: [requestsPerSecondRule()] },
            replicas,
            // Without the adapter every HPA on this metric stops scaling: keep one up through node drains.
            podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
            topologySpreadConstraints: zoneSpread(placement.zoneTopologyKey, { "app.kubernetes.io/name": "prometheus-adapter", "app.kubernetes.io/instance": releaseName }),
            resources: resources("100m", "128Mi", undefined, "256Mi"),
            tolerations: placement.systemTolerations,
            nodeSelector: placement.systemNodeSelector,
        };

        this.release = installChart(this, name, {
            cluster: args.cluster,
            chart: CHARTS.prometheusAdapter,
            namespace: NAMESPACES.monitoring,
            releaseName,
            existingNamespace: true,
            values,
            overrides: args.values,
            dependsOn: args.dependsOn,
        }).release;
        this.metricName = REQUESTS_PER_SECOND_METRIC;

        this.registerOutputs({ release: this.release, metricName: this.metricName });
    }
}
