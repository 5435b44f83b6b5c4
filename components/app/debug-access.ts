/**
 * Ephemeral debugging: the on-call group may attach a `kubectl debug`
 * container to a running pod in this namespace, and nothing more: no exec, no
 * Secrets, no edits to workloads. The namespace enforces PSS `restricted`, so
 * the debug container must use `--profile=restricted`; it then inherits the
 * pod's non-root user.
 */
import * as k8s from "@pulumi/kubernetes";
import { CONTAINERS, appLabels } from "./layout";
import { AppContext } from "./types";

/** Exactly what `kubectl debug -it --target` needs. */
export const DEBUG_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    // Find the pod, and watch it until the ephemeral container runs.
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
    // Add the ephemeral container (kubectl sends a PATCH to this subresource).
    { apiGroups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["patch"] },
    // Attach the terminal (-it); Kubernetes >= 1.31 requires `create` for the streaming upgrade too.
    { apiGroups: [""], resources: ["pods/attach"], verbs: ["create"] },
];

/** `a=b,c=d` from a label map. */
export function labelSelector(labels: Record<string, string>): string {
    return Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(",");
}

/**
 * The exact command an on-call engineer runs: pick a running pod matching the
 * selector and attach a debug container sharing financial-service's process namespace.
 */
export function debugCommand(namespace: string, podSelector: string, debugImage: string): string {
    const pickPod = `kubectl get pods -n ${namespace} -l ${podSelector} --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}'`;
    return `kubectl debug -it -n ${namespace} "$(${pickPod})" --image=${debugImage} --target=${CONTAINERS.app} --profile=restricted`;
}

export function createDebugAccess(ctx: AppContext, onCallGroup: string) {
    const name = `${ctx.appName}-debug`;
    const role = new k8s.rbac.v1.Role(`${ctx.prefix}-debug`, {
        metadata: { name, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        rules: DEBUG_RULES,
    }, ctx.opts);
    const binding = new k8s.rbac.v1.RoleBinding(`${ctx.prefix}-debug`, {
        metadata: { name, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: onCallGroup }],
    }, { ...ctx.opts, dependsOn: [role] });
    return { role, binding };
}
