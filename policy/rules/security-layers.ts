/**
 * The admission and runtime layers run on every cluster: in prod, each cluster
 * (each Kubernetes provider that installs Helm releases) has a Kyverno release, a
 * Falco release, and Kyverno policies that refuse violations (validationActions Deny).
 * Dev reports the same as advisories: it may run without them to save cost.
 */
import { ADVISORY_IN_DEV, environmentOf, stackRule } from "../lib/guardrail";
import { known, knownArray } from "../lib/values";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const POLICY_TYPES = ["kubernetes:policies.kyverno.io/v1:ValidatingPolicy", "kubernetes:policies.kyverno.io/v1:ImageValidatingPolicy"];
export const REQUIRED_CHARTS = ["kyverno", "falco"];

export const securityLayersInstalled = stackRule({
    name: "security-layers-installed",
    description: "Every cluster runs Kyverno (admission policy, enforcing in prod) and Falco (runtime detection).",
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Keep platform.kyverno.enabled and platform.falco.enabled true, and platform.kyverno.mode Enforce in prod (README \"Security layers\").",
    validateStack: (args, reportViolation) => {
        const clusterOf = (r: (typeof args.resources)[number]) => r.provider?.name ?? r.provider?.urn ?? "(default provider)";
        const releases = args.resources.filter((r) => r.type === RELEASE);
        if (releases.length === 0) args.notApplicable("no Helm releases: no cluster platform in this stack");
        const clusters = [...new Set(releases.map(clusterOf))].sort();
        for (const cluster of clusters) {
            const charts = new Set(releases.filter((r) => clusterOf(r) === cluster).map((r) => known(() => r.props.chart as string)));
            for (const chart of REQUIRED_CHARTS) {
                if (!charts.has(chart)) reportViolation(`Cluster ${cluster} has no ${chart} release; every cluster needs ${REQUIRED_CHARTS.join(" and ")}.`);
            }
            if (environmentOf(args) !== "prod" || !charts.has("kyverno")) continue;
            const policies = args.resources.filter((r) => POLICY_TYPES.includes(r.type) && clusterOf(r) === cluster);
            if (policies.length === 0) reportViolation(`Cluster ${cluster} runs Kyverno without admission policies.`);
            for (const policy of policies) {
                const actions = knownArray<string>(() => policy.props.spec.validationActions);
                if (!actions.includes("Deny")) {
                    reportViolation(`Cluster ${cluster}: Kyverno policy ${known(() => policy.props.metadata.name) ?? policy.name} only ${actions.join("/") || "(no action)"}s in prod; it must Deny.`, policy.urn);
                }
            }
        }
    },
});

export const securityLayerRules = [securityLayersInstalled];
