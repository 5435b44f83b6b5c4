/**
 * Derives field lists (format: tests/support/field-list.ts) from published
 * CustomResourceDefinition YAML, so the custom resources we emit are checked
 * against the schema of the pinned version, unknown fields included.
 *
 *   node -r ./runtime/ts-transpile.js tools/crd-fields.ts \
 *     --source <label> --origin <owner/repo>@<tag>:<path> [--only <group>/<version>/<Kind>,...] \
 *     <crd.yaml>... --out tests/crd-fields
 *
 * writes tests/crd-fields/<group>_<version>_<Kind>@<label>.txt for every CRD and every served
 * version in the files (or only those named by --only). `--origin` goes into each file's header
 * so a reader can re-derive it; status is left out (we never write it).
 *
 * Adding or upgrading a CRD (the YAML is fetched, never committed):
 *   1. Find the CRDs at the tag the pinned chart or release ships (components/addons/charts.ts),
 *      e.g. for ECK 3.5.0:
 *        git --git-dir=<cloud-on-k8s clone> show v3.5.0:config/crds/v1/all-crds.yaml > /tmp/eck.yaml
 *   2. node -r ./runtime/ts-transpile.js tools/crd-fields.ts --source eck-3.5.0 \
 *        --origin elastic/cloud-on-k8s@v3.5.0:config/crds/v1/all-crds.yaml \
 *        --only elasticsearch.k8s.elastic.co/v1/Elasticsearch,kibana.k8s.elastic.co/v1/Kibana \
 *        /tmp/eck.yaml --out tests/crd-fields
 *   3. Register each file in FIELD_LISTS (tests/support/k8s-schema.ts): one line,
 *        "elasticsearch.k8s.elastic.co/v1/Elasticsearch": "elasticsearch.k8s.elastic.co_v1_Elasticsearch@eck-3.5.0.txt",
 *      and delete the lists of the old version.
 * Multi-document files are fine (non-CRD documents are ignored). Prefer the project's raw CRD
 * files (config/crd…); Helm-templated CRD files work too when the templating only touches
 * metadata and control lines ({{- if … }}, labels: {{- include … }}).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { UsageError, parseFlags, runIfMain } from "../commands/command-line";
import { FieldNode, formatFieldList } from "../tests/support/field-list";

type Schema = Record<string, unknown>;

interface Crd {
    group: string;
    kind: string;
    versions: { name: string; served: boolean; schema?: Schema }[];
}

/** The node for one OpenAPI v3 (structural) schema. */
export function schemaNode(schema: Schema | undefined): FieldNode {
    if (!schema || Object.keys(schema).length === 0) return { type: "any" };
    const node = baseNode(schema);
    if (typeof schema.pattern === "string") node.pattern = schema.pattern;
    if (Array.isArray(schema.enum)) node.enum = schema.enum.map((v) => String(v));
    const min = schema.minimum ?? schema.minLength ?? schema.minItems ?? schema.minProperties;
    const max = schema.maximum ?? schema.maxLength ?? schema.maxItems ?? schema.maxProperties;
    if (typeof min === "number") node.min = min;
    if (typeof max === "number") node.max = max;
    if (schema.nullable === true) node.nullable = true;
    if (typeof schema.format === "string") node.format = schema.format;
    if (schema["x-kubernetes-embedded-resource"] === true) node.embedded = true;
    return node;
}

function baseNode(schema: Schema): FieldNode {
    if (schema["x-kubernetes-int-or-string"] === true) return { type: "int-or-string" };
    const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
    const properties = schema.properties as Record<string, Schema> | undefined;
    switch (schema.type) {
        case "array":
            return { type: "array", items: schemaNode(schema.items as Schema | undefined) };
        case "string":
        case "integer":
        case "number":
        case "boolean":
            return { type: schema.type };
        case "object":
        case undefined: {
            if (preserve && !properties) return { type: "any" };
            if (schema.type === undefined && !properties && schema.additionalProperties === undefined) return { type: "any" };
            const node: FieldNode = { type: "object" };
            if (preserve) node.preserveUnknown = true;
            if (properties) node.properties = propertiesOf(schema, properties);
            const additional = schema.additionalProperties;
            if (additional === true) node.values = { type: "any" };
            else if (additional && typeof additional === "object") node.values = schemaNode(additional as Schema);
            return node;
        }
        default:
            throw new Error(`unsupported schema type ${JSON.stringify(schema.type)}`);
    }
}

function propertiesOf(schema: Schema, properties: Record<string, Schema>): Map<string, FieldNode> {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const out = new Map<string, FieldNode>();
    for (const name of Object.keys(properties).sort()) {
        const child = schemaNode(properties[name]);
        if (required.has(name)) child.required = true;
        out.set(name, child);
    }
    return out;
}

/** The root node of one CRD version: its schema without status. */
export function crdVersionNode(schema: Schema | undefined): FieldNode {
    const root = schemaNode(schema);
    if (root.type !== "object") return root;
    root.properties?.delete("status");
    return root;
}

/**
 * Makes a chart-packaged CRD file parse: drops Helm template directives that sit on their own
 * line ({{- if … }}, {{- toYaml … | nindent 4 }}) and replaces inline ones (labels:
 * {{- include … }}, '{{ .Release.Name }}') with a word. They only ever touch metadata, never
 * the schema.
 */
function withoutTemplates(text: string): string {
    return text
        .split("\n")
        .filter((line) => !/^\s*\{\{.*\}\}\s*$/.test(line))
        .map((line) => line.replace(/\{\{.*?\}\}/g, "TEMPLATE"))
        .join("\n");
}

export function crdsIn(text: string, file: string): Crd[] {
    let docs: unknown[];
    try {
        docs = yaml.loadAll(withoutTemplates(text));
    } catch (err) {
        throw new Error(`${file}: not YAML (${(err as Error).message.split("\n")[0]})`);
    }
    return docs
        .filter((d): d is Schema => !!d && typeof d === "object" && (d as Schema).kind === "CustomResourceDefinition")
        .map((d) => {
            const spec = d.spec as Schema;
            const versions = (spec.versions as Schema[]).map((v) => ({
                name: v.name as string,
                served: v.served !== false,
                schema: ((v.schema as Schema | undefined)?.openAPIV3Schema ?? (spec.validation as Schema | undefined)?.openAPIV3Schema) as Schema | undefined,
            }));
            return { group: spec.group as string, kind: (spec.names as Schema).kind as string, versions };
        });
}

export function fieldListFileName(group: string, version: string, kind: string, source: string): string {
    return `${group}_${version}_${kind}@${source}.txt`;
}

interface Options {
    source: string;
    origin: string;
    only?: Set<string>;
    out: string;
    files: string[];
}

function parseArgs(argv: string[]): Options {
    const { flags, positionals: files } = parseFlags(argv, { "--source": "value", "--origin": "value", "--only": "value", "--out": "value" }, { positionals: true });
    const [source, origin, out, only] = [flags["--source"], flags["--origin"], flags["--out"], flags["--only"]];
    const usage = "usage: tools/crd-fields.ts --source <label> --origin <owner/repo>@<tag>:<path> [--only g/v/Kind,...] <crd.yaml>... --out <dir>";
    if (!source || !origin || !out || files.length === 0) throw new UsageError(usage);
    return { source, origin, out, files, only: only ? new Set(only.split(",")) : undefined };
}

/** The field lists of the served CRD versions in the given files (only those named, when `only` is set). */
export function deriveFieldLists(files: { name: string; text: string }[], options: { source: string; origin: string; only?: Set<string> }): { name: string; text: string }[] {
    const out: { name: string; text: string }[] = [];
    const seen = new Set<string>();
    for (const file of files) {
        for (const crd of crdsIn(file.text, file.name)) {
            for (const version of crd.versions.filter((v) => v.served)) {
                const key = `${crd.group}/${version.name}/${crd.kind}`;
                seen.add(key);
                if (options.only && !options.only.has(key)) continue;
                const header = [
                    `${key} from ${options.origin}`,
                    `re-derive: node -r ./runtime/ts-transpile.js tools/crd-fields.ts --source ${options.source} --origin ${options.origin} --only ${key} <that file> --out tests/crd-fields`,
                ];
                out.push({ name: fieldListFileName(crd.group, version.name, crd.kind, options.source), text: formatFieldList({ header, root: crdVersionNode(version.schema) }) });
            }
        }
    }
    const missing = [...(options.only ?? [])].filter((key) => !seen.has(key));
    if (missing.length > 0) throw new Error(`not served by any CRD in the files: ${missing.join(", ")}`);
    return out;
}

function main(argv: string[]): void {
    const options = parseArgs(argv);
    const files = options.files.map((name) => ({ name, text: fs.readFileSync(name, "utf8") }));
    fs.mkdirSync(options.out, { recursive: true });
    for (const list of deriveFieldLists(files, options)) {
        fs.writeFileSync(path.join(options.out, list.name), list.text);
        console.log(path.join(options.out, list.name));
    }
}

runIfMain(module, () => main(process.argv.slice(2)), { messageOnly: true });
