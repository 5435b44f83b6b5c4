/**
 * Validates Kubernetes objects recorded by an offline evaluation against the
 * OpenAPI schemas shipped in `kubernetes-models` (built-in kinds),
 * `@kubernetes-models/cert-manager` and `@kubernetes-models/prometheus-operator`.
 *
 * These packages are ES modules only, and this project compiles to CommonJS,
 * where TypeScript would turn `import()` into `require()`. So the models are
 * loaded with a real dynamic import, which makes the API asynchronous:
 *
 *     assert.deepEqual(await validateAllKubernetesResources(evaluation), []);
 *
 * The schemas check types, required fields, enums and formats (quantities,
 * int-or-string). They do not reject unknown fields.
 */
import { Evaluation, RecordedResource } from "../../commands/offline/harness";

// A real `import()`: resolved from this file, so the models come from the project's node_modules.
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

interface Model {
    validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** API groups of custom resources and the model package that has their schemas. */
const MODEL_PACKAGES: Record<string, string> = {
    "cert-manager.io": "@kubernetes-models/cert-manager",
    "acme.cert-manager.io": "@kubernetes-models/cert-manager",
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

/** Groups deliberately not validated, and why. Anything else without a model is a failure. */
export const SKIPPED_API_GROUPS: { suffix: string; reason: string }[] = [
    // elasticsearch.k8s.elastic.co, kibana.k8s.elastic.co, beat.k8s.elastic.co, ...
    { suffix: ".k8s.elastic.co", reason: "ECK publishes no kubernetes-models package" },
];

/** Why a group is not validated, or undefined when it must be. */
export function skipReason(group: string): string | undefined {
    return SKIPPED_API_GROUPS.find((s) => group.endsWith(s.suffix))?.reason;
}

/** Recorded types that are not Kubernetes objects (Helm releases, YAML/kustomize groupings). */
const NOT_OBJECTS = [/^kubernetes:helm\.sh\//, /^kubernetes:yaml/, /^kubernetes:kustomize/];

function splitApiVersion(apiVersion: string): { group: string; version: string } {
    const slash = apiVersion.indexOf("/");
    return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function isBuiltInGroup(group: string): boolean {
    return group === "" || !group.includes(".") || group.endsWith(".k8s.io");
}

/** The module that exports the model class, or undefined when no package covers the group. */
export function modelModule(apiVersion: string, kind: string): string | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    if (group === "") return `kubernetes-models/${version}/${kind}`;
    if (isBuiltInGroup(group)) return `kubernetes-models/${group}/${version}/${kind}`;
    const pkg = MODEL_PACKAGES[group];
    return pkg ? `${pkg}/${group}/${version}/${kind}` : undefined;
}

const loaded = new Map<string, Promise<ModelClass | undefined>>();

function loadModel(specifier: string, kind: string): Promise<ModelClass | undefined> {
    if (!loaded.has(specifier)) {
        loaded.set(specifier, importModule(specifier).then((module) => module[kind] as ModelClass | undefined, () => undefined));
    }
    return loaded.get(specifier)!;
}

/**
 * Validates one object. Resolves to "skipped" for a deliberately skipped group,
 * "validated" when the schema accepts it; rejects with the schema's errors, or
 * when no model exists for the kind.
 */
export async function validateKubernetesObject(apiVersion: string, kind: string, object: unknown): Promise<"validated" | "skipped"> {
    const { group } = splitApiVersion(apiVersion);
    if (skipReason(group)) return "skipped";
    const specifier = modelModule(apiVersion, kind);
    const Model = specifier ? await loadModel(specifier, kind) : undefined;
    if (!Model) throw new Error(`no schema model for ${apiVersion} ${kind}: add its package to MODEL_PACKAGES or its group to SKIPPED_API_GROUPS`);
    new Model({ ...(object as object), apiVersion, kind }).validate();
    return "validated";
}

/** apiVersion and kind from a recorded type: `kubernetes:apps/v1:Deployment`, `kubernetes:core/v1:Service`, `kubernetes:cert-manager.io/v1:Certificate`. */
export function typeToApiVersionKind(type: string): { apiVersion: string; kind: string } | undefined {
    const match = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
    if (!match) return undefined;
    const path = match[1];
    return { apiVersion: path.startsWith("core/") ? path.slice("core/".length) : path, kind: match[2] };
}

/** The Kubernetes objects of an evaluation (patch resources are partial by design and left out). */
export function kubernetesObjects(evaluation: Evaluation): RecordedResource[] {
    return evaluation.resources.filter((r) => {
        if (!r.custom || NOT_OBJECTS.some((re) => re.test(r.type))) return false;
        const parsed = typeToApiVersionKind(r.type);
        return parsed !== undefined && !parsed.kind.endsWith("Patch");
    });
}

/** Every failure, as `<type> "<name>": <reason>`; empty when all objects are valid or skipped on purpose. */
export async function validateAllKubernetesResources(evaluation: Evaluation): Promise<string[]> {
    const failures: string[] = [];
    for (const resource of kubernetesObjects(evaluation)) {
        const fromType = typeToApiVersionKind(resource.type)!;
        const apiVersion = (resource.inputs.apiVersion as string | undefined) ?? fromType.apiVersion;
        const kind = (resource.inputs.kind as string | undefined) ?? fromType.kind;
        try {
            await validateKubernetesObject(apiVersion, kind, resource.inputs);
        } catch (err) {
            failures.push(`${resource.type} "${resource.name}": ${(err as Error).message}`);
        }
    }
    return failures;
}
