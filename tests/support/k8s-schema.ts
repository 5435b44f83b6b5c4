/**
 * Validates Kubernetes objects recorded by an offline evaluation against the
 * schema of the pinned version, unknown fields included:
 *
 * - kinds with a model package (`kubernetes-models` for built-in kinds,
 *   `@kubernetes-models/cert-manager`, `/prometheus-operator`, `/gateway-api`):
 *   the package's compiled validator (types, required, enums, formats), plus the
 *   package's TypeScript declarations for the field structure, since those
 *   validators accept unknown fields (tests/support/model-fields.ts);
 * - other custom resources: the field list derived from the published CRD at
 *   the pinned tag (tests/crd-fields, registered in FIELD_LISTS below).
 *
 * An object of any other group fails, naming what to add. The model packages
 * are ES modules only and this project compiles to CommonJS, so they are loaded
 * with a real dynamic import and the API is asynchronous:
 *
 *     assert.deepEqual(await validateAllKubernetesResources(evaluation), []);
 */
import * as fs from "fs";
import * as path from "path";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { FieldNode, parseFieldList, splitPath } from "./field-list";
import { validateFields } from "./field-validation";
import { loadModelFields, ModelRef, modelFields } from "./model-fields";

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
    "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
    "gateway.networking.x-k8s.io": "@kubernetes-models/gateway-api",
};

export const CRD_FIELDS_DIR = path.join(__dirname, "..", "crd-fields");

/**
 * Custom resources without a model package: `<group>/<version>/<Kind>` → its field list in
 * tests/crd-fields, written by tools/crd-fields.ts from the CRD at the pinned tag (see its header).
 */
export const FIELD_LISTS: Record<string, string> = {
    "elasticsearch.k8s.elastic.co/v1/Elasticsearch": "elasticsearch.k8s.elastic.co_v1_Elasticsearch@eck-3.5.0.txt",
    "kibana.k8s.elastic.co/v1/Kibana": "kibana.k8s.elastic.co_v1_Kibana@eck-3.5.0.txt",
    // Kyverno 1.19.0 (chart 3.9.0): the CEL policy types, from the release's own CRDs.
    "policies.kyverno.io/v1/ValidatingPolicy": "policies.kyverno.io_v1_ValidatingPolicy@kyverno-1.19.0.txt",
    "policies.kyverno.io/v1/ImageValidatingPolicy": "policies.kyverno.io_v1_ImageValidatingPolicy@kyverno-1.19.0.txt",
    // Envoy Gateway v1.9.0 (CHARTS.envoyGateway), its CRDs from gateway-crds-helm at that tag.
    "gateway.envoyproxy.io/v1alpha1/EnvoyProxy": "gateway.envoyproxy.io_v1alpha1_EnvoyProxy@envoy-gateway-v1.9.0.txt",
    "gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy": "gateway.envoyproxy.io_v1alpha1_BackendTrafficPolicy@envoy-gateway-v1.9.0.txt",
    "gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy": "gateway.envoyproxy.io_v1alpha1_ClientTrafficPolicy@envoy-gateway-v1.9.0.txt",
    // Gateway API v1.6.1, standard channel, as that Envoy Gateway release installs it. These win over
    // @kubernetes-models/gateway-api 2.0.0, which models v1.5 (and experimental fields).
    "gateway.networking.k8s.io/v1/Gateway": "gateway.networking.k8s.io_v1_Gateway@gateway-api-v1.6.1-standard.txt",
    "gateway.networking.k8s.io/v1/GatewayClass": "gateway.networking.k8s.io_v1_GatewayClass@gateway-api-v1.6.1-standard.txt",
    "gateway.networking.k8s.io/v1/HTTPRoute": "gateway.networking.k8s.io_v1_HTTPRoute@gateway-api-v1.6.1-standard.txt",
    "gateway.networking.k8s.io/v1/BackendTLSPolicy": "gateway.networking.k8s.io_v1_BackendTLSPolicy@gateway-api-v1.6.1-standard.txt",
    "postgresql.cnpg.io/v1/Cluster": "postgresql.cnpg.io_v1_Cluster@cloudnative-pg-0.29.0.txt",
    "postgresql.cnpg.io/v1/ScheduledBackup": "postgresql.cnpg.io_v1_ScheduledBackup@cloudnative-pg-0.29.0.txt",
    "barmancloud.cnpg.io/v1/ObjectStore": "barmancloud.cnpg.io_v1_ObjectStore@plugin-barman-cloud-0.7.0.txt",
    // Velero 1.18.1 (chart 12.1.0): the Restore the drill applies with kubectl, and the Schedule
    // the chart renders from its `schedules` values (tests/support/chart-resources.ts).
    "velero.io/v1/Restore": "velero.io_v1_Restore@velero-v1.18.1.txt",
    "velero.io/v1/Schedule": "velero.io_v1_Schedule@velero-v1.18.1.txt",
};

const POD_TEMPLATE_SPEC: ModelRef = { specifier: "kubernetes-models/v1/PodTemplateSpec", kind: "PodTemplateSpec" };
const OBJECT_META: ModelRef = { specifier: "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta", kind: "ObjectMeta" };

/**
 * Fields a CRD leaves open (x-kubernetes-preserve-unknown-fields) that the operator decodes
 * into a built-in type, silently dropping what that type does not know: validated as that type,
 * as a partial object (the operator merges it with its defaults, so nothing in it is required).
 */
export const BUILT_IN_TYPED_FIELDS: Record<string, Record<string, ModelRef>> = {
    "elasticsearch.k8s.elastic.co/v1/Elasticsearch": { "spec.nodeSets[].podTemplate": POD_TEMPLATE_SPEC },
    "kibana.k8s.elastic.co/v1/Kibana": { "spec.podTemplate": POD_TEMPLATE_SPEC },
};


/** Recorded types that are not Kubernetes objects (Helm releases, YAML/kustomize groupings). */
const NOT_OBJECTS = [/^kubernetes:helm\.sh\//, /^kubernetes:yaml/, /^kubernetes:kustomize/];

function splitApiVersion(apiVersion: string): { group: string; version: string } {
    const slash = apiVersion.indexOf("/");
    return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function isBuiltInGroup(group: string): boolean {
    return group === "" || !group.includes(".") || (group.endsWith(".k8s.io") && !MODEL_PACKAGES[group]);
}

/** The registry key of a kind: `<group>/<version>/<Kind>` (`core` for the core group). */
export function gvk(apiVersion: string, kind: string): string {
    const { group, version } = splitApiVersion(apiVersion);
    return `${group || "core"}/${version}/${kind}`;
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

const fieldLists = new Map<string, FieldNode>();

/** The field tree registered for a kind (with its built-in typed fields grafted in), or undefined. */
export function registeredFieldList(key: string): FieldNode | undefined {
    const file = FIELD_LISTS[key];
    if (!file) return undefined;
    if (!fieldLists.has(key)) {
        const full = path.join(CRD_FIELDS_DIR, file);
        if (!fs.existsSync(full)) throw new Error(`FIELD_LISTS["${key}"] names ${file}, which is not in tests/crd-fields: derive it with tools/crd-fields.ts`);
        const { root } = parseFieldList(fs.readFileSync(full, "utf8"), file);
        for (const [fieldPath, ref] of Object.entries(BUILT_IN_TYPED_FIELDS[key] ?? {})) graft(root, fieldPath, modelFields(ref), key);
        fieldLists.set(key, root);
    }
    return fieldLists.get(key)!;
}

/** Replaces the node at a path with a built-in type's tree (partial), keeping whether it is required. */
function graft(root: FieldNode, fieldPath: string, replacement: FieldNode, key: string): void {
    const segments = splitPath(fieldPath);
    let parent = root;
    for (const s of segments.slice(0, -1)) {
        const next = s.kind === "items" ? parent.items : s.kind === "values" ? parent.values : parent.properties?.get(s.name);
        if (!next) throw new Error(`BUILT_IN_TYPED_FIELDS["${key}"]: no ${fieldPath} in its field list`);
        parent = next;
    }
    const last = segments[segments.length - 1];
    const current = last.kind === "items" ? parent.items : last.kind === "values" ? parent.values : parent.properties?.get(last.name);
    if (!current) throw new Error(`BUILT_IN_TYPED_FIELDS["${key}"]: no ${fieldPath} in its field list`);
    const node = { ...replacement, required: current.required, partial: true };
    if (last.kind === "items") parent.items = node;
    else if (last.kind === "values") parent.values = node;
    else parent.properties!.set(last.name, node);
}

function fail(errors: string[]): void {
    if (errors.length > 0) throw new Error(errors.join("; "));
}

/**
 * Validates one object. Resolves to "validated" when the schema accepts it; rejects
 * with every error found, or when no schema is known for the kind (no kind is skipped).
 */
export async function validateKubernetesObject(apiVersion: string, kind: string, object: unknown): Promise<"validated"> {
    const data = { ...(object as object), apiVersion, kind };
    const key = gvk(apiVersion, kind);
    const fieldList = registeredFieldList(key);
    if (fieldList) {
        fail(validateFields(fieldList, data, { objectMeta: modelFields(OBJECT_META) }));
        return "validated";
    }
    const specifier = modelModule(apiVersion, kind);
    const Model = specifier ? await loadModel(specifier, kind) : undefined;
    if (!Model) {
        throw new Error(
            `no schema for ${key}: derive its field list from the published CRD (tools/crd-fields.ts) and add it to FIELD_LISTS in tests/support/k8s-schema.ts, ` +
                `or map its group to a kubernetes-models package in MODEL_PACKAGES`,
        );
    }
    const errors = validateFields(modelFields({ specifier: specifier!, kind }), data);
    try {
        new Model(data).validate();
    } catch (err) {
        errors.unshift((err as Error).message);
    }
    fail(errors);
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

function apiVersionKind(resource: RecordedResource): { apiVersion: string; kind: string } {
    const fromType = typeToApiVersionKind(resource.type)!;
    return {
        apiVersion: (resource.inputs.apiVersion as string | undefined) ?? fromType.apiVersion,
        kind: (resource.inputs.kind as string | undefined) ?? fromType.kind,
    };
}

export interface ValidationReport {
    /** Every failure, as `<type> "<name>": <reason>`. */
    failures: string[];
    validated: number;
}

/** Validates every Kubernetes object of an evaluation, reading all model declarations in one pass. */
export async function validateKubernetesResources(evaluation: Evaluation): Promise<ValidationReport> {
    const objects = kubernetesObjects(evaluation);
    const refs = [OBJECT_META, ...Object.values(BUILT_IN_TYPED_FIELDS).flatMap((fields) => Object.values(fields))];
    for (const resource of objects) {
        const { apiVersion, kind } = apiVersionKind(resource);
        const specifier = FIELD_LISTS[gvk(apiVersion, kind)] ? undefined : modelModule(apiVersion, kind);
        if (specifier && (await loadModel(specifier, kind))) refs.push({ specifier, kind });
    }
    loadModelFields(refs);
    const report: ValidationReport = { failures: [], validated: 0 };
    for (const resource of objects) {
        const { apiVersion, kind } = apiVersionKind(resource);
        try {
            await validateKubernetesObject(apiVersion, kind, resource.inputs);
            report.validated++;
        } catch (err) {
            report.failures.push(`${resource.type} "${resource.name}": ${(err as Error).message}`);
        }
    }
    return report;
}

/** Every failure, as `<type> "<name>": <reason>`; empty when all objects are valid. */
export async function validateAllKubernetesResources(evaluation: Evaluation): Promise<string[]> {
    return (await validateKubernetesResources(evaluation)).failures;
}
