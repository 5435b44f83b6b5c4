/**
 * Kubernetes object hygiene, adopted from Pulumi's compliance-ready Kubernetes
 * rules (README "Guardrails"): recommended labels on workloads and Services, and
 * PodDisruptionBudgets that let a node drain.
 */
import { ADVISORY_IN_DEV, MANDATORY, forTypes, resourceRule } from "../lib/guardrail";
import { Props, isSet, isUnknown, known, label } from "../lib/values";

/** The labels platform tooling selects on: which app an object belongs to, and which system. */
export const REQUIRED_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/part-of"];

export const LABELLED_TYPES = [
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Service",
];

// The compliance-ready rule also rejects every label outside the recommended set; ours
// does not (pods need azure.workload.identity/use, the canary needs its track label).
export const recommendedLabels = resourceRule({
    name: "kubernetes-recommended-labels",
    description: `Workloads and Services carry the Kubernetes recommended labels ${REQUIRED_LABELS.join(" and ")} on their own metadata (not only on their pods).`,
    levels: ADVISORY_IN_DEV,
    remediationSteps: `Add metadata.labels { ${REQUIRED_LABELS.map((l) => `"${l}": …`).join(", ")} } to the object.`,
    validateResource: forTypes(LABELLED_TYPES, (args, report) => {
        // Labels computed at deploy time cannot be checked in a preview.
        if (isUnknown(() => args.props.metadata?.labels)) return;
        const labels = known(() => args.props.metadata?.labels as Props | undefined);
        const missing = REQUIRED_LABELS.filter((key) => !isSet(() => labels?.[key]));
        if (missing.length) report(`${label(args)} has no ${missing.join(", ")} label on its metadata.`);
    }),
});

/** True when a PodDisruptionBudget value ("0", 0, "0%", "100%") admits no voluntary disruption. */
function blocksEveryEviction(field: "maxUnavailable" | "minAvailable", value: unknown): boolean {
    if (value === undefined || value === null) return false;
    const text = String(value).trim();
    const number = Number.parseFloat(text);
    if (field === "maxUnavailable") return number === 0;
    return text.endsWith("%") && number >= 100;
}

export const pdbAllowsDisruption = resourceRule({
    name: "pdb-allows-voluntary-disruption",
    description: "PodDisruptionBudgets allow at least one voluntary disruption (maxUnavailable > 0, minAvailable < 100%), so node drains and cluster upgrades can proceed.",
    levels: MANDATORY,
    remediationSteps: "Use maxUnavailable: 1 (or a minAvailable below the replica count).",
    validateResource: forTypes(["kubernetes:policy/v1:PodDisruptionBudget"], (args, report) => {
        for (const field of ["maxUnavailable", "minAvailable"] as const) {
            const value = known(() => args.props.spec?.[field]);
            if (blocksEveryEviction(field, value)) report(`${label(args)}: ${field} ${JSON.stringify(value)} allows no eviction; node drains would hang.`);
        }
    }),
});

export const kubernetesObjectRules = [recommendedLabels, pdbAllowsDisruption];
