/**
 * Kubernetes RBAC over the objects an evaluation declares: which rules a subject
 * gets, and which of them go beyond an allowed set. Charts' own RBAC is rendered by
 * Helm at deploy time and is out of reach offline.
 */
import { Evaluation, RecordedResource } from "../../commands/offline/harness";

export interface PolicyRule {
    apiGroups?: string[];
    resources?: string[];
    resourceNames?: string[];
    verbs: string[];
    nonResourceURLs?: string[];
}

export interface Subject {
    kind: string;
    name: string;
    namespace?: string;
}

export interface Grant {
    binding: RecordedResource;
    /** undefined for a RoleBinding's namespace-scoped grant; "cluster" for a ClusterRoleBinding. */
    scope: string;
    subjects: Subject[];
    /** The referenced role's rules, or undefined when the role is not declared by the program (built-in or a chart's). */
    rules?: PolicyRule[];
    roleRef: { kind: string; name: string };
}

export const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "*"];

/** Kubernetes' built-in user-facing ClusterRoles, approximated: admin and edit write everything in scope, view reads. */
const BUILT_IN: Record<string, PolicyRule[]> = {
    "cluster-admin": [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
    admin: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
    edit: [{ apiGroups: ["*"], resources: ["*"], verbs: ["create", "update", "patch", "delete", "get", "list", "watch"] }],
    view: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] }],
};

const sameCluster = (a: RecordedResource, b: RecordedResource) => a.provider.split("::").slice(0, -1).join("::") === b.provider.split("::").slice(0, -1).join("::");

/** Every RoleBinding and ClusterRoleBinding the program declares, with the rules it grants. */
export function grantsOf(ev: Evaluation): Grant[] {
    const roles = [...ev.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role"), ...ev.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")];
    const bindings = [
        ...ev.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map((b) => ({ b, scope: b.inputs.metadata?.namespace as string })),
        ...ev.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").map((b) => ({ b, scope: "cluster" })),
    ];
    return bindings.map(({ b, scope }) => {
        const ref = b.inputs.roleRef as { kind: string; name: string };
        const role = roles.find((r) => sameCluster(r, b) && r.type.endsWith(`:${ref.kind}`) && r.inputs.metadata?.name === ref.name && (ref.kind === "ClusterRole" || r.inputs.metadata?.namespace === scope));
        return { binding: b, scope, subjects: b.inputs.subjects ?? [], roleRef: ref, rules: role ? role.inputs.rules : BUILT_IN[ref.name] && ref.kind === "ClusterRole" ? BUILT_IN[ref.name] : undefined };
    });
}

/** (group, resource, verb, name) tuples of a rule; wildcards stay "*". */
function tuples(rule: PolicyRule): string[][] {
    const names = rule.resourceNames?.length ? rule.resourceNames : ["*"];
    return (rule.apiGroups ?? [""]).flatMap((g) => (rule.resources ?? []).flatMap((r) => rule.verbs.flatMap((v) => names.map((n) => [g, r, v, n])))).concat(
        (rule.nonResourceURLs ?? []).flatMap((url) => rule.verbs.map((v) => ["(url)", url, v, "*"])),
    );
}

const match = (allowed: string, wanted: string) => allowed === "*" || allowed === wanted;

/** The granted permissions no allowed rule covers, as "verb group/resource[name]". A granted wildcard is only covered by an allowed wildcard. */
export function rightsBeyond(granted: readonly PolicyRule[], allowed: readonly PolicyRule[]): string[] {
    const allowedTuples = allowed.flatMap(tuples);
    return granted.flatMap(tuples)
        .filter((t) => !allowedTuples.some((a) => a.every((part, i) => match(part, t[i]))))
        .map(([g, r, v, n]) => `${v} ${g || "core"}/${r}${n === "*" ? "" : `[${n}]`}`);
}

/** Whether any rule writes (or could, through a wildcard). */
export function writes(rules: readonly PolicyRule[]): boolean {
    return rules.some((rule) => rule.verbs.some((v) => WRITE_VERBS.includes(v)));
}

/** ServiceAccounts outside `trusted` namespaces that a ClusterRoleBinding gives write rights (or rights the program cannot see). */
export function clusterWideWriters(grants: readonly Grant[], trusted: readonly string[]): string[] {
    return grants.filter((g) => g.scope === "cluster").flatMap((grant) =>
        grant.subjects
            .filter((s) => s.kind === "ServiceAccount" && !trusted.includes(s.namespace ?? "") && (!grant.rules || writes(grant.rules)))
            .map((s) => `${s.namespace}/${s.name} via ${grant.binding.name} (${grant.roleRef.kind} ${grant.roleRef.name})`));
}
