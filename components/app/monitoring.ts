/**
 * Monitoring through the prometheus-operator (kube-prometheus-stack):
 *  - a PodMonitor for the app's own metrics port (the source of the HPA's
 *    requests-per-second metric, via prometheus-adapter);
 *  - a PrometheusRule alerting on what users feel, measured at Envoy (whose
 *    stats the in-pod Prometheus agent remote-writes, labelled with
 *    namespace/pod/track): 5xx ratio, p99 latency, a canary worse than stable,
 *    plus container restarts (kube-state-metrics) and a silent metrics pipeline.
 * Both carry MONITORING_SELECTOR_LABELS and wait for the caller's dependsOn
 * (the release that installs the CRDs).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MONITORING_SELECTOR_LABELS } from "../addons/well-known";
import { ENVOY_HTTPS_STAT_PREFIX } from "./envoy-config";
import { METRICS_PATH, PORT_NAMES, appLabels, serverPodSelector } from "./layout";
import { AppContext } from "./types";

export const ALERT_THRESHOLDS = {
    /** Share of 5xx responses. */
    errorRatio: 0.02,
    /** p99 request latency at Envoy, milliseconds. */
    latencyP99Ms: 1000,
    /** Container restarts in 30 minutes. */
    restarts: 3,
    /** How much worse (absolute 5xx ratio) the canary may be than stable. */
    canaryExcessErrorRatio: 0.01,
} as const;

/** A selector on this app's series in this namespace, plus extra matchers. */
function selector(namespace: string, appName: string, ...matchers: string[]): string {
    return `{${[`namespace="${namespace}"`, `app="${appName}"`, ...matchers].join(",")}}`;
}

/** Only the public listener, not the kubelet's health listener. */
const PUBLIC_LISTENER = `envoy_http_conn_manager_prefix="${ENVOY_HTTPS_STAT_PREFIX}"`;
const SERVER_ERRORS = `envoy_response_code_class="5"`;

function errorRatio(namespace: string, appName: string, window: string, grouping: string, ...matchers: string[]): string {
    const errors = `envoy_http_downstream_rq_xx${selector(namespace, appName, PUBLIC_LISTENER, SERVER_ERRORS, ...matchers)}`;
    const all = `envoy_http_downstream_rq_xx${selector(namespace, appName, PUBLIC_LISTENER, ...matchers)}`;
    return `sum${grouping}(rate(${errors}[${window}])) / sum${grouping}(rate(${all}[${window}]))`;
}

export function alertRules(namespace: string, appName: string) {
    const t = ALERT_THRESHOLDS;
    const labels = { app: appName };
    const canary = `track="canary"`;
    const stable = `track="stable"`;
    return [
        {
            alert: "FinancialAppHighErrorRate",
            expr: `${errorRatio(namespace, appName, "5m", " by (track) ")} > ${t.errorRatio}`,
            for: "5m",
            labels: { ...labels, severity: "critical" },
            annotations: { summary: `More than ${t.errorRatio * 100}% of ${appName} requests fail with 5xx ({{ $labels.track }} track)` },
        },
        {
            alert: "FinancialAppHighLatencyP99",
            expr: `histogram_quantile(0.99, sum by (track, le) (rate(envoy_http_downstream_rq_time_bucket${selector(namespace, appName, PUBLIC_LISTENER)}[5m]))) > ${t.latencyP99Ms}`,
            for: "10m",
            labels: { ...labels, severity: "warning" },
            annotations: { summary: `${appName} p99 latency above ${t.latencyP99Ms}ms ({{ $labels.track }} track)` },
        },
        {
            alert: "FinancialAppContainerRestarts",
            expr: `increase(kube_pod_container_status_restarts_total{namespace="${namespace}",pod=~"${appName}-.*"}[30m]) > ${t.restarts}`,
            labels: { ...labels, severity: "warning" },
            annotations: { summary: `{{ $labels.container }} in {{ $labels.pod }} restarted more than ${t.restarts} times in 30 minutes` },
        },
        {
            alert: "FinancialAppCanaryErrorRateAboveStable",
            expr: `(${errorRatio(namespace, appName, "10m", "", canary)}) > (${errorRatio(namespace, appName, "10m", "", stable)}) + ${t.canaryExcessErrorRatio}`
                // Only with enough canary traffic to mean something.
                + ` and sum(rate(envoy_http_downstream_rq_xx${selector(namespace, appName, PUBLIC_LISTENER, canary)}[10m])) > 0.1`,
            for: "5m",
            labels: { ...labels, severity: "critical" },
            annotations: { summary: `The ${appName} canary's 5xx ratio exceeds stable's by more than ${t.canaryExcessErrorRatio * 100} points: set canary.weight to 0` },
        },
        {
            alert: "FinancialAppMetricsPipelineSilent",
            expr: `absent_over_time(envoy_server_live${selector(namespace, appName)}[10m])`,
            labels: { ...labels, severity: "warning" },
            annotations: { summary: `No Envoy metrics from ${appName} for 10 minutes: the Prometheus agent sidecars are not remote-writing` },
        },
    ];
}

export function createMonitoring(ctx: AppContext, dependsOn: pulumi.Resource[]) {
    const labels = { ...appLabels(ctx.appName), ...MONITORING_SELECTOR_LABELS };
    const opts = { ...ctx.opts, dependsOn };

    const podMonitor = new k8s.apiextensions.CustomResource(`${ctx.prefix}-pod-monitor`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: ctx.appName, namespace: ctx.namespace, labels },
        spec: {
            selector: { matchLabels: serverPodSelector(ctx.appName) },
            // The canary-vs-stable comparison needs the track on every series.
            podTargetLabels: ["track"],
            podMetricsEndpoints: [{ port: PORT_NAMES.metrics, path: METRICS_PATH, interval: "30s", scrapeTimeout: "10s" }],
        },
    }, opts);

    const rule = new k8s.apiextensions.CustomResource(`${ctx.prefix}-alerts`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: ctx.appName, namespace: ctx.namespace, labels },
        spec: { groups: [{ name: `${ctx.appName}.alerts`, rules: ctx.namespace.apply((ns) => alertRules(ns, ctx.appName)) }] },
    }, opts);

    return { podMonitor, rule };
}
