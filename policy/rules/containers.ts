/**
 * Container hardening, for Kubernetes workloads declared in the program
 * (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod...), on
 * containers and init containers. Not for Helm releases: charts are rendered
 * server-side by the provider, so their pods never reach CrossGuard (see
 * lib/workloads.ts); chart values set the same fields and are reviewed in code.
 */
import { ADVISORY_IN_DEV, forTypes, resourceRule } from "../lib/guardrail";
import { Props, isSet, known, knownStrings, label } from "../lib/values";
import { WORKLOAD_TYPES, containersOf, podSpecOf } from "../lib/workloads";

/** Problems of one container's security context, given the pod-level one. */
export function securityContextProblems(container: Props, pod: Props): string[] {
    const problems: string[] = [];
    const sc = known(() => container.securityContext) ?? {};
    const podSc = known(() => pod.securityContext) ?? {};
    const runAsNonRoot = known(() => sc.runAsNonRoot) ?? known(() => podSc.runAsNonRoot);
    const runAsUser = known(() => sc.runAsUser) ?? known(() => podSc.runAsUser);
    if (runAsNonRoot !== true) problems.push("runAsNonRoot is not true (container or pod securityContext)");
    if (runAsUser === 0) problems.push("runAsUser is 0 (root)");
    if (known(() => sc.readOnlyRootFilesystem) !== true) problems.push("readOnlyRootFilesystem is not true");
    const drop = knownStrings(() => sc.capabilities?.drop).map((c) => c.toUpperCase());
    if (!drop.includes("ALL")) problems.push("capabilities.drop does not include ALL");
    return problems;
}

export const containerSecurityContext = resourceRule({
    name: "container-security-context",
    description: "Containers run as non-root, with a read-only root filesystem and ALL capabilities dropped.",
    levels: ADVISORY_IN_DEV,
    remediationSteps:
        "Set securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: [\"ALL\"] } } on every container " +
        "(runAsNonRoot may be set on the pod instead); mount an emptyDir where the process must write.",
    validateResource: forTypes(WORKLOAD_TYPES, (args, report) => {
        const pod = podSpecOf(args.type, args.props);
        if (!pod) return;
        for (const c of containersOf(pod)) {
            const problems = securityContextProblems(c.spec, pod);
            if (problems.length > 0) report(`${label(args)}: ${c.kind} "${c.name}": ${problems.join("; ")}.`);
        }
    }),
});

/**
 * Memory limits by default: a container without one can take a node's memory
 * and get its neighbours OOM-killed. CPU limits are opt-in (config): they
 * throttle latency-sensitive services, and the repo's own `resources()` helper
 * (components/addons/helm-addon.ts) makes them optional.
 */
export const DEFAULT_REQUIRED_LIMITS = ["memory"];

export const containerResourceLimits = resourceRule({
    name: "container-resource-limits",
    description: "Containers declare resource limits (memory by default; config: requiredLimits).",
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Set resources.limits (and requests) on every container and init container.",
    config: {
        requiredLimits: {
            type: "array",
            items: { type: "string", enum: ["cpu", "memory", "ephemeral-storage"] },
            default: DEFAULT_REQUIRED_LIMITS,
            description: "Resource names every container must limit.",
        },
    },
    validateResource: forTypes(WORKLOAD_TYPES, (args, report) => {
        const required = args.getConfig<{ requiredLimits?: string[] }>().requiredLimits ?? DEFAULT_REQUIRED_LIMITS;
        const pod = podSpecOf(args.type, args.props);
        if (!pod) return;
        for (const c of containersOf(pod)) {
            const limits = known(() => c.spec.resources?.limits) ?? {};
            const missing = required.filter((r) => !isSet(() => limits[r]));
            if (missing.length > 0) report(`${label(args)}: ${c.kind} "${c.name}" has no ${missing.join(" or ")} limit.`);
        }
    }),
});

export const containerRules = [containerSecurityContext, containerResourceLimits];
