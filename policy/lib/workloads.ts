/**
 * Kubernetes workloads as CrossGuard sees them: resources whose inputs carry a
 * pod spec. Helm releases (kubernetes:helm.sh/v3:Release) are not among them:
 * the provider renders a chart server-side, so the policy engine sees only the
 * release and its values, never the Deployments it creates. Charts are covered
 * by pinned chart versions and values reviewed in code; an admission controller
 * (Pod Security Admission, Kyverno/Gatekeeper) is what checks their pods.
 */
import { Props, known, knownArray } from "./values";

const TEMPLATE = ["spec", "template", "spec"];

/** Workload type → path from its inputs to the pod spec. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:PodTemplate": ["template", "spec"],
    "kubernetes:core/v1:ReplicationController": TEMPLATE,
    "kubernetes:apps/v1:Deployment": TEMPLATE,
    "kubernetes:apps/v1:StatefulSet": TEMPLATE,
    "kubernetes:apps/v1:DaemonSet": TEMPLATE,
    "kubernetes:apps/v1:ReplicaSet": TEMPLATE,
    "kubernetes:batch/v1:Job": TEMPLATE,
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

export const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);

export interface ContainerRef {
    kind: "container" | "initContainer" | "ephemeralContainer";
    name: string;
    /** The container object (possibly a preview proxy; read fields through known()). */
    spec: Props;
}

/** The pod spec of a workload's inputs, or undefined (not a workload, or not known yet). */
export function podSpecOf(type: string, props: Props): Props | undefined {
    const path = POD_SPEC_PATHS[type];
    if (!path) return undefined;
    let node: Props | undefined = props;
    for (const key of path) {
        const current: Props = node;
        node = known((): Props | undefined => current[key]);
        if (node === undefined || node === null) return undefined;
    }
    return node;
}

/** Containers and init containers (and, for images, ephemeral containers) of a pod spec. */
export function containersOf(podSpec: Props, includeEphemeral = false): ContainerRef[] {
    const kinds: [ContainerRef["kind"], string][] = [
        ["container", "containers"],
        ["initContainer", "initContainers"],
        ...(includeEphemeral ? ([["ephemeralContainer", "ephemeralContainers"]] as [ContainerRef["kind"], string][]) : []),
    ];
    return kinds.flatMap(([kind, key]) =>
        knownArray<Props>(() => podSpec[key]).map((spec, i) => ({
            kind,
            name: known(() => spec.name as string) ?? `#${i}`,
            spec,
        })),
    );
}
