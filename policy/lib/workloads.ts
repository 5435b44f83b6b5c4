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

export interface ImageRef {
    /** Registry host, lower-case; docker.io when the reference names none. */
    registry: string;
    /** Repository path inside the registry (library/ added for Docker Hub official images). */
    repository: string;
    tag?: string;
    digest?: string;
}

/**
 * Parses an image reference the way container runtimes do: the first path
 * component is a registry only if it has a dot or a port or is "localhost".
 */
export function parseImage(image: string): ImageRef {
    let rest = image.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let registry = "docker.io";
    const slash = rest.indexOf("/");
    if (slash >= 0) {
        const first = rest.slice(0, slash);
        if (first.includes(".") || first.includes(":") || first === "localhost") {
            registry = first.toLowerCase();
            rest = rest.slice(slash + 1);
        }
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = "docker.io";
    if (registry === "docker.io" && !rest.includes("/")) rest = `library/${rest}`;
    return { registry, repository: rest, tag: tag || undefined, digest: digest || undefined };
}

/**
 * Whether an image comes from an allowed registry. An entry is a registry host
 * ("quay.io"), or a host and path prefix ("ghcr.io/finplat"); "*" matches one
 * host label or path segment ("123456789012.dkr.ecr.*.amazonaws.com").
 */
export function registryAllowed(image: ImageRef, allowed: readonly string[]): boolean {
    const full = `${image.registry}/${image.repository}`;
    return allowed.some((entry) => {
        const normalized = entry.trim().toLowerCase().replace(/\/+$/, "");
        if (!normalized) return false;
        const pattern = normalized
            .split("*")
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
            .join("[^./]+");
        return new RegExp(`^${pattern}(/|$)`).test(full.toLowerCase());
    });
}
