/**
 * Policy reports as Prometheus metrics, and the alerts on them.
 *
 * Kyverno writes one PolicyReport per checked resource (wgpolicyk8s.io/v1alpha2), with
 * a `summary` of pass/fail counts; its own metrics only count evaluations. So
 * kube-state-metrics (already running in kube-prometheus-stack) turns the reports into
 * gauges with its Custom Resource State feature: `kyverno_policyreport_fail{namespace,
 * resource_kind, resource_name}`. A report whose fail count rises is a new violation.
 */
import { Values } from "../addons/deep-merge";
import { NAMESPACES } from "../addons/well-known";

export const POLICY_REPORT_METRIC_PREFIX = "kyverno_policyreport";

/** The kube-state-metrics CustomResourceStateMetrics config for PolicyReports and ClusterPolicyReports. */
export function policyReportMetricsConfig(): Values {
    const report = (kind: string) => ({
        groupVersionKind: { group: "wgpolicyk8s.io", version: "v1alpha2", kind },
        metricNamePrefix: POLICY_REPORT_METRIC_PREFIX,
        labelsFromPath: {
            report: ["metadata", "name"],
            namespace: ["metadata", "namespace"],
            resource_kind: ["scope", "kind"],
            resource_name: ["scope", "name"],
        },
        metrics: ["fail", "error", "warn", "pass"].map((result) => ({
            name: result,
            help: `Results "${result}" in the report's summary`,
            each: { type: "Gauge", gauge: { path: ["summary", result], nilIsZero: true } },
        })),
    });
    return { kind: "CustomResourceStateMetrics", spec: { resources: [report("PolicyReport"), report("ClusterPolicyReport")] } };
}

/** What kube-state-metrics may read for that config (list/watch the reports, nothing else). */
export const POLICY_REPORT_RBAC_RULES = [
    { apiGroups: ["wgpolicyk8s.io"], resources: ["policyreports", "clusterpolicyreports"], verbs: ["list", "watch"] },
];

/**
 * Alert rules. New violations: a report whose fail count is higher than an hour ago
 * (or that did not fail then); the alert resolves after an hour or when fixed.
 * Admission denials and a missing admission controller are separate alerts.
 */
export function policyAlertGroups(severity: "critical" | "warning") {
    const fail = `${POLICY_REPORT_METRIC_PREFIX}_fail`;
    const byResource = "namespace, resource_kind, resource_name";
    return [{
        name: "admission-policy",
        rules: [
            {
                alert: "KyvernoNewPolicyViolations",
                expr: `(sum by (${byResource}) (${fail}) > 0) unless (sum by (${byResource}) (${fail} offset 1h) >= sum by (${byResource}) (${fail}))`,
                labels: { severity },
                annotations: {
                    summary: "New policy violation on {{ $labels.resource_kind }} {{ $labels.namespace }}/{{ $labels.resource_name }}",
                    description: "Kyverno's background scan found a resource that breaks an admission policy (it may predate the policy or have been admitted while the webhook was down).",
                    runbook: "kubectl get policyreport -A -o wide | grep -v ' 0 .*Fail'; kubectl describe policyreport -n {{ $labels.namespace }}; fix the resource or, after review, the policy (README \"Security layers\").",
                },
            },
            {
                alert: "KyvernoAdmissionRefusals",
                expr: "sum by (policy_name, resource_namespace, resource_kind) (increase(kyverno_validating_policy_results_total{result=\"fail\", execution_cause=\"admission_request\"}[15m]) + increase(kyverno_image_validating_policy_results_total{result=\"fail\", execution_cause=\"admission_request\"}[15m])) > 0",
                labels: { severity: "warning" },
                annotations: {
                    summary: "Policy {{ $labels.policy_name }} failed {{ $labels.resource_kind }} requests in {{ $labels.resource_namespace }}",
                    description: "Someone (or a controller) submitted objects an admission policy judges bad; in Enforce mode they were refused.",
                    runbook: "kubectl get events -n {{ $labels.resource_namespace }} --field-selector reason=PolicyViolation; check who applied it (API audit log).",
                },
            },
            {
                alert: "KyvernoAdmissionControllerDown",
                expr: `kube_deployment_status_replicas_available{namespace="${NAMESPACES.kyverno}", deployment="kyverno-admission-controller"} < 1`,
                for: "5m",
                labels: { severity: "critical" },
                annotations: {
                    summary: "No Kyverno admission controller is available",
                    description: "With fail-closed policies (prod) no pod outside the excluded system namespaces can be created or updated until Kyverno is back.",
                    runbook: "kubectl -n kyverno get pods; kubectl -n kyverno describe deploy kyverno-admission-controller; kube-system and kyverno are excluded from the webhooks, so Kyverno itself can always restart.",
                },
            },
        ],
    }];
}
