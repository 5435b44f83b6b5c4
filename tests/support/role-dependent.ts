import { ResourceChange } from "../../commands/drill/simulate";

/**
 * What a failover may change: inputs that depend on the role and nothing else.
 * Extend this list (with the reason) when a new role-dependent setting is wired;
 * never add cluster, node pool, network, key, store or database identity here.
 */
export const ROLE_DEPENDENT_INPUTS: { type: RegExp; path: RegExp; why: string }[] = [
    { type: /^aws:route53\/record:Record$/, path: /^(records\[\d+\]|healthCheckId)$/, why: "the global failover slots point at the new primary" },
    { type: /^kubernetes:autoscaling\/v2:HorizontalPodAutoscaler$/, path: /^spec\.(minReplicas|maxReplicas)$/, why: "full size on the active side, warm standby on the passive side" },
    { type: /^kubernetes:batch\/v1:CronJob$/, path: /^spec\.suspend$/, why: "admin jobs run on the active side only" },
    { type: /^kubernetes:core\/v1:Namespace$/, path: /^metadata\.labels\.platform\.finplat\.io\/dr-role$/, why: "the DR role label" },
    { type: /^kubernetes:postgresql\.cnpg\.io\/v1:Cluster$/, path: /^spec\.(replica\.primary|instances)$/, why: "the distributed topology's primary moves; full instance count on the active side" },
    { type: /^kubernetes:monitoring\.coreos\.com\/v1:PrometheusRule$/, path: /^spec\.groups\[\d+\]\.rules\[\d+\]\.(expr|annotations\.summary)$/, why: "the instance-down alert expects the side's instance count" },
];

/** Nothing appears or disappears with the role: both clusters always run everything. */
const ROLE_DEPENDENT_PRESENCE: RegExp[] = [];

/** Every change of a flip that is not role-dependent, as `<kind> <type> <name>[: <path>]`. */
export function unexpectedFlipChanges(changes: ResourceChange[]): string[] {
    return changes.flatMap((change) => {
        if (change.kind === "create" || change.kind === "delete") {
            return ROLE_DEPENDENT_PRESENCE.some((t) => t.test(change.type)) ? [] : [`${change.kind} ${change.type} ${change.name}`];
        }
        return change.changes
            .filter((c) => !ROLE_DEPENDENT_INPUTS.some((rule) => rule.type.test(change.type) && rule.path.test(c.path)))
            .map((c) => `${change.kind} ${change.type} ${change.name}: ${c.path}`);
    });
}
