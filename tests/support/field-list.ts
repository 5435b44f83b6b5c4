/**
 * The field-list format: the structure of a Kubernetes object schema as plain
 * text, one line per schema node, so a CRD's schema at a pinned tag can be
 * committed (tests/crd-fields/*.txt, written by tools/crd-fields.ts) and read
 * back into the same tree the validator walks (tests/support/field-validation.ts).
 *
 *     # <group>/<version>/<Kind> from <repo>@<tag>:<path>
 *     # re-derive: <command>
 *     spec<TAB>object<TAB>required
 *     spec.nodeSets<TAB>array<TAB>min=1
 *     spec.nodeSets[]<TAB>object
 *     spec.nodeSets[].name<TAB>string<TAB>required<TAB>pattern=[a-zA-Z0-9-]+<TAB>max=23
 *     spec.nodeSets[].config<TAB>any
 *     metadata.labels.*<TAB>string
 *
 * Path segments are property names joined by ".", `[]` for the items of an
 * array, `*` for the values of a map (additionalProperties); a property name
 * that is not a plain identifier is written as a JSON string ("a.b").
 * Flags: `required` (the parent requires this property), `enum=a|b`,
 * `pattern=<regex>`, `min=`/`max=` (value for numbers, length for strings,
 * item count for arrays, property count for objects), `nullable`,
 * `format=<name>`, `preserve-unknown` (an object that keeps fields beyond its
 * listed ones) and `embedded` (an embedded object: apiVersion, kind, metadata).
 */

/** `any` accepts everything (x-kubernetes-preserve-unknown-fields or no schema); `number-or-string` only comes from model declarations. */
export const FIELD_TYPES = ["object", "array", "string", "integer", "number", "boolean", "int-or-string", "number-or-string", "any"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldNode {
    type: FieldType;
    required?: boolean;
    enum?: string[];
    pattern?: string;
    min?: number;
    max?: number;
    nullable?: boolean;
    format?: string;
    preserveUnknown?: boolean;
    embedded?: boolean;
    /** Required fields are not enforced below this node (a partial object the operator merges with its defaults). In memory only. */
    partial?: boolean;
    /** Named properties of an object. */
    properties?: Map<string, FieldNode>;
    /** The items of an array. */
    items?: FieldNode;
    /** The values of a map (additionalProperties). */
    values?: FieldNode;
}

export interface FieldList {
    /** The header comment lines, without "# ". */
    header: string[];
    root: FieldNode;
}

const PLAIN_SEGMENT = /^[A-Za-z0-9_$@/:-]+$/;

function segment(name: string): string {
    return PLAIN_SEGMENT.test(name) ? name : JSON.stringify(name);
}

function flags(node: FieldNode): string[] {
    const out: string[] = [];
    if (node.required) out.push("required");
    if (node.enum) {
        const bad = node.enum.find((v) => v.includes("|") || /[\t\n]/.test(v));
        if (bad !== undefined) throw new Error(`enum value ${JSON.stringify(bad)} cannot be written in a field list`);
        out.push(`enum=${node.enum.join("|")}`);
    }
    if (node.pattern !== undefined) {
        if (/[\t\n]/.test(node.pattern)) throw new Error(`pattern ${JSON.stringify(node.pattern)} cannot be written in a field list`);
        out.push(`pattern=${node.pattern}`);
    }
    if (node.min !== undefined) out.push(`min=${node.min}`);
    if (node.max !== undefined) out.push(`max=${node.max}`);
    if (node.nullable) out.push("nullable");
    if (node.format) out.push(`format=${node.format}`);
    if (node.preserveUnknown) out.push("preserve-unknown");
    if (node.embedded) out.push("embedded");
    return out;
}

/** The lines of a node's subtree (the root itself is implicit: an object). */
function lines(node: FieldNode, prefix: string): string[] {
    const out: string[] = [];
    const child = (path: string, childNode: FieldNode) => {
        out.push([path, childNode.type, ...flags(childNode)].join("\t"));
        out.push(...lines(childNode, path));
    };
    for (const [name, property] of node.properties ?? []) child(prefix ? `${prefix}.${segment(name)}` : segment(name), property);
    if (node.items) child(`${prefix}[]`, node.items);
    if (node.values) child(prefix ? `${prefix}.*` : "*", node.values);
    return out;
}

export function formatFieldList(list: FieldList): string {
    return [...list.header.map((h) => `# ${h}`), ...lines(list.root, "")].join("\n") + "\n";
}

/** Splits a path into its segments: names, "[]" and "*" (a quoted name is returned unquoted, and never as "*"). */
export function splitPath(path: string): { name: string; kind: "property" | "items" | "values" }[] {
    const out: { name: string; kind: "property" | "items" | "values" }[] = [];
    let i = 0;
    while (i < path.length) {
        if (path.startsWith("[]", i)) {
            out.push({ name: "[]", kind: "items" });
            i += 2;
        } else if (path[i] === ".") {
            i += 1;
        } else if (path[i] === '"') {
            const end = findQuoteEnd(path, i);
            out.push({ name: JSON.parse(path.slice(i, end + 1)) as string, kind: "property" });
            i = end + 1;
        } else {
            let end = i;
            while (end < path.length && path[end] !== "." && !path.startsWith("[]", end)) end++;
            const name = path.slice(i, end);
            out.push({ name, kind: name === "*" ? "values" : "property" });
            i = end;
        }
    }
    return out;
}

function findQuoteEnd(path: string, start: number): number {
    for (let i = start + 1; i < path.length; i++) {
        if (path[i] === "\\") i++;
        else if (path[i] === '"') return i;
    }
    throw new Error(`unterminated quoted segment in ${path}`);
}

function parseFlag(node: FieldNode, flag: string, where: string): void {
    const eq = flag.indexOf("=");
    const [name, value] = eq < 0 ? [flag, ""] : [flag.slice(0, eq), flag.slice(eq + 1)];
    const number = () => {
        const n = Number(value);
        if (value === "" || Number.isNaN(n)) throw new Error(`${where}: ${name} needs a number, got "${value}"`);
        return n;
    };
    switch (name) {
        case "required": node.required = true; break;
        case "enum": node.enum = value.split("|"); break;
        case "pattern": node.pattern = value; break;
        case "min": node.min = number(); break;
        case "max": node.max = number(); break;
        case "nullable": node.nullable = true; break;
        case "format": node.format = value; break;
        case "preserve-unknown": node.preserveUnknown = true; break;
        case "embedded": node.embedded = true; break;
        default: throw new Error(`${where}: unknown flag "${flag}"`);
    }
}

/** Parses a field list; throws naming the line for anything malformed (unknown type or flag, a child before its parent). */
export function parseFieldList(text: string, source = "field list"): FieldList {
    const header: string[] = [];
    const root: FieldNode = { type: "object", properties: new Map() };
    text.split("\n").forEach((line, index) => {
        const where = `${source}:${index + 1}`;
        if (line.startsWith("#")) return void header.push(line.replace(/^# ?/, ""));
        if (line.trim() === "") return;
        const [path, type, ...rest] = line.split("\t");
        if (!(FIELD_TYPES as readonly string[]).includes(type)) throw new Error(`${where}: unknown type "${type}"`);
        const node: FieldNode = { type: type as FieldType };
        for (const flag of rest) parseFlag(node, flag, where);
        const segments = splitPath(path);
        let parent = root;
        for (const s of segments.slice(0, -1)) {
            const next = s.kind === "items" ? parent.items : s.kind === "values" ? parent.values : parent.properties?.get(s.name);
            if (!next) throw new Error(`${where}: ${path} comes before its parent`);
            parent = next;
        }
        const last = segments[segments.length - 1];
        if (!last) throw new Error(`${where}: empty path`);
        if (last.kind === "items") parent.items = node;
        else if (last.kind === "values") parent.values = node;
        else (parent.properties ??= new Map()).set(last.name, node);
    });
    return { header, root };
}
