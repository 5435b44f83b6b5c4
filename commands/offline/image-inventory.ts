/**
 * The image inventory of an evaluated stack: every image reference the program
 * itself names, and every Helm release with its pinned chart and values. Derived
 * from the recorded objects (what `pulumi up` would send), never from a second list,
 * so it cannot drift from the plan.
 *
 * Sources, per object:
 *  - workloads (the policy pack's list: Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob, …):
 *    containers, init containers and ephemeral containers;
 *  - Helm releases: any `image` value we set (a reference string, or an object with
 *    repository and tag), e.g. Velero's plugin init containers;
 *  - ECK Elasticsearch and Kibana: `spec.image`, else the official image of `spec.version`;
 *  - CloudNativePG Clusters: `spec.imageName`;
 *  - the stack output `app.<cloud>.debugCommand`: the image on-call attaches with `kubectl debug`.
 * The images the charts themselves render are collected in CI (`helm template` with
 * the values written here); see tools/ci/chart-images.ts.
 */
import { canonicalImage, imageAllowed, unpinnedReason } from "../../components/security/image-reference";
import { WORKLOAD_TYPES, containersOf, podSpecOf } from "../../policy/lib/workloads";
import { clusterOf as clusterOfResource } from "./evaluate-stack";
import { Evaluation, RecordedResource } from "./harness";

export interface ImageUse {
    /** Which cluster's provider the object uses (aws, azure), or "-" when none. */
    cluster: string;
    /** Recorded resource type and logical name. */
    resource: string;
    /** Where in the object: `containers[envoy]`, `values.initContainers[0].image`, `spec.version`. */
    where: string;
}

export interface InventoryImage {
    /** The reference as the program writes it. */
    image: string;
    /** Fully qualified (docker.io/library/… spelled out). */
    canonical: string;
    usedBy: ImageUse[];
    /** Why the image is refused: unpinned, latest in prod, not from an allowed registry. */
    problems: string[];
}

export interface InventoryRelease {
    cluster: string;
    /** Logical resource name (unique per stack). */
    resource: string;
    release: string;
    namespace: string;
    chart: string;
    version: string;
    /** The chart repository; absent for an OCI chart, whose `chart` is the full oci:// reference. */
    repository?: string;
    /** The cluster's Kubernetes minor ("1.33"), for rendering the chart as the cluster would. */
    kubernetesVersion?: string;
    values: Record<string, unknown>;
}

/** A release in <values dir>/releases.json (`npm run images --values-dir`): its values sit in `valuesFile` next to it, for CI's `helm template`. */
export type ReleaseValuesEntry = Omit<InventoryRelease, "values"> & { valuesFile: string };

export interface ImageInventory {
    stack: string;
    environment: string;
    allowedRegistries: string[];
    images: InventoryImage[];
    releases: InventoryRelease[];
}

const ELASTIC_IMAGES: Record<string, string> = {
    "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch": "docker.elastic.co/elasticsearch/elasticsearch",
    "kubernetes:kibana.k8s.elastic.co/v1:Kibana": "docker.elastic.co/kibana/kibana",
};

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** aws / azure, or "-" for a resource on no cluster. */
const clusterOf = (resource: RecordedResource): string => clusterOfResource(resource) ?? "-";

/** Images in a Helm values tree: string `image` values, and `image: {registry?, repository, tag?, digest?}` objects. */
export function valuesImages(values: unknown, path = "values"): { image: string; where: string }[] {
    if (Array.isArray(values)) return values.flatMap((v, i) => valuesImages(v, `${path}[${i}]`));
    if (!values || typeof values !== "object") return [];
    return Object.entries(values as Record<string, unknown>).flatMap(([key, value]) => {
        const here = `${path}.${key}`;
        if (key === "image" && typeof value === "string" && value.trim()) return [{ image: value, where: here }];
        if (key === "image" && value && typeof value === "object" && typeof (value as any).repository === "string" && ((value as any).tag || (value as any).digest)) {
            const v = value as { registry?: string; repository: string; tag?: string; digest?: string };
            const reference = `${v.registry ? `${v.registry}/` : ""}${v.repository}${v.tag ? `:${v.tag}` : ""}${v.digest ? `@${v.digest}` : ""}`;
            return [{ image: reference, where: here }];
        }
        return valuesImages(value, here);
    });
}

function imagesOf(resource: RecordedResource): { image: string; where: string }[] {
    if (WORKLOAD_TYPES.includes(resource.type)) {
        const pod = podSpecOf(resource.type, resource.inputs) ?? {};
        // containers[app], initContainers[db-migrate], ephemeralContainers[debug]
        return containersOf(pod, true).filter((c) => typeof c.spec.image === "string").map((c) => ({ image: c.spec.image as string, where: `${c.kind}s[${c.name}]` }));
    }
    if (resource.type === RELEASE_TYPE) return valuesImages(resource.inputs.values ?? {});
    if (resource.type === "kubernetes:postgresql.cnpg.io/v1:Cluster" && typeof resource.inputs.spec?.imageName === "string") {
        return [{ image: resource.inputs.spec.imageName, where: "spec.imageName" }];
    }
    const elastic = ELASTIC_IMAGES[resource.type];
    if (elastic) {
        const spec = resource.inputs.spec ?? {};
        if (typeof spec.image === "string") return [{ image: spec.image, where: "spec.image" }];
        if (typeof spec.version === "string") return [{ image: `${elastic}:${spec.version}`, where: "spec.version" }];
    }
    return [];
}

/** Why an image is refused in this environment (empty when it is fine). */
export function imageProblems(image: string, environment: string, allowedRegistries: readonly string[]): string[] {
    const problems: string[] = [];
    const unpinned = unpinnedReason(image, environment === "prod");
    if (unpinned) problems.push(unpinned);
    if (!imageAllowed(image, allowedRegistries)) problems.push("is not from an allowed registry");
    return problems;
}

export function buildInventory(evaluation: Evaluation, stack: string, allowedRegistries: string[]): ImageInventory {
    const environment = String(evaluation.outputs.environment ?? stack);
    const byImage = new Map<string, InventoryImage>();
    const use = (image: string, usedBy: ImageUse): void => {
        const entry = byImage.get(image) ?? { image, canonical: canonicalImage(image), usedBy: [], problems: imageProblems(image, environment, allowedRegistries) };
        entry.usedBy.push(usedBy);
        byImage.set(image, entry);
    };
    for (const resource of evaluation.resources) {
        for (const { image, where } of imagesOf(resource)) use(image, { cluster: clusterOf(resource), resource: `${resource.type}::${resource.name}`, where });
    }
    for (const [cloud, app] of Object.entries((evaluation.outputs.app ?? {}) as Record<string, { debugCommand?: string }>)) {
        const image = /--image=(\S+)/.exec(app?.debugCommand ?? "")?.[1];
        if (image) use(image, { cluster: cloud, resource: "stack output::app.debugCommand", where: `app.${cloud}.debugCommand` });
    }
    const releases = evaluation.ofType(RELEASE_TYPE).map((r) => ({
        cluster: clusterOf(r),
        resource: r.name,
        release: r.inputs.name,
        namespace: r.inputs.namespace,
        chart: r.inputs.chart,
        version: r.inputs.version,
        repository: r.inputs.repositoryOpts?.repo,
        kubernetesVersion: evaluation.outputs.clusters?.[clusterOf(r)]?.kubernetesVersion,
        values: r.inputs.values ?? {},
    }));
    return {
        stack,
        environment,
        allowedRegistries,
        images: [...byImage.values()].sort((a, b) => a.canonical.localeCompare(b.canonical)),
        releases: releases.sort((a, b) => `${a.cluster}/${a.release}`.localeCompare(`${b.cluster}/${b.release}`)),
    };
}

/** Human-readable inventory. */
export function renderInventory(inventory: ImageInventory): string {
    const lines = [`Images of stack "${inventory.stack}" (environment ${inventory.environment}): ${inventory.images.length} references named by the program`];
    for (const image of inventory.images) {
        const clusters = [...new Set(image.usedBy.map((u) => u.cluster))].sort().join(",");
        const users = [...new Set(image.usedBy.map((u) => u.resource.split("::").pop()))].slice(0, 3).join(", ");
        const more = new Set(image.usedBy.map((u) => u.resource)).size > 3 ? ", …" : "";
        lines.push(`  ${image.problems.length ? "✗" : "✓"} ${image.canonical}  [${clusters}] ${users}${more}${image.problems.length ? `  ← ${image.problems.join("; ")}` : ""}`);
    }
    lines.push("", `Helm releases (${inventory.releases.length}); their charts' own images are rendered and scanned in CI:`);
    for (const r of inventory.releases) lines.push(`  [${r.cluster}] ${r.chart}@${r.version}${r.repository ? ` from ${r.repository}` : ""} → ${r.namespace} (release ${r.release})`);
    lines.push("", `Allowed registries: ${inventory.allowedRegistries.join(", ")}`);
    return lines.join("\n");
}
