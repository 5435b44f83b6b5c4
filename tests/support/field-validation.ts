/**
 * Checks an object against a field tree (tests/support/field-list.ts): unknown
 * fields anywhere except under `any` nodes, wrong types, enum violations,
 * missing required fields, pattern and min/max. Errors name the path:
 *
 *     spec.nodeSets[0].volumeClaimTemplates[0].spec.storageClasName: unknown field
 *
 * Null counts as absent, as the API server prunes nulls of non-nullable fields.
 * `metadata` of the object and of embedded objects is checked against the
 * ObjectMeta tree the caller passes (CRD schemas leave it open).
 */
import { FieldNode } from "./field-list";

export interface FieldValidationOptions {
    /** The tree for ObjectMeta, used for `metadata` at the root and in embedded objects. */
    objectMeta?: FieldNode;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function join(path: string, key: string): string {
    if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
    return path ? `${path}.${key}` : key;
}

const patterns = new Map<string, RegExp | undefined>();

/** CRD patterns are Go RE2; the few RE2-only constructs JavaScript cannot compile are not checked. */
function compiled(pattern: string): RegExp | undefined {
    if (!patterns.has(pattern)) {
        let re: RegExp | undefined;
        try {
            re = new RegExp(pattern, "u");
        } catch {
            try {
                re = new RegExp(pattern);
            } catch {
                re = undefined;
            }
        }
        patterns.set(pattern, re);
    }
    return patterns.get(pattern);
}

function describe(value: unknown): string {
    if (Array.isArray(value)) return "array";
    if (value === null) return "null";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function typeMatches(type: FieldNode["type"], value: unknown): boolean {
    switch (type) {
        case "any": return true;
        case "object": return typeof value === "object" && value !== null && !Array.isArray(value);
        case "array": return Array.isArray(value);
        case "string": return typeof value === "string";
        case "boolean": return typeof value === "boolean";
        case "integer": return Number.isInteger(value);
        case "number": return typeof value === "number" && Number.isFinite(value);
        case "int-or-string": return typeof value === "string" || Number.isInteger(value);
        case "number-or-string": return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
    }
}

function bounds(node: FieldNode, value: unknown, path: string, errors: string[]): void {
    if (node.min === undefined && node.max === undefined) return;
    const [measure, what] =
        typeof value === "number" ? [value, "value"]
            : typeof value === "string" ? [[...value].length, "length"]
                : Array.isArray(value) ? [value.length, "item count"]
                    : typeof value === "object" && value !== null ? [Object.keys(value).length, "property count"]
                        : [undefined, ""];
    if (measure === undefined) return;
    if (node.min !== undefined && measure < node.min) errors.push(`${path}: ${what} ${measure} is below the minimum ${node.min}`);
    if (node.max !== undefined && measure > node.max) errors.push(`${path}: ${what} ${measure} is above the maximum ${node.max}`);
}

interface Walk extends FieldValidationOptions {
    /** Inside a partial object: required fields are not enforced. */
    partial?: boolean;
}

function check(node: FieldNode, value: unknown, path: string, errors: string[], walk: Walk): void {
    if (node.type === "any") return;
    const options = node.partial && !walk.partial ? { ...walk, partial: true } : walk;
    if (!typeMatches(node.type, value)) {
        errors.push(`${path}: expected ${node.type}, got ${describe(value)}`);
        return;
    }
    if (node.enum && !node.enum.includes(String(value))) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${node.enum.join(", ")}`);
    if (node.pattern !== undefined && typeof value === "string" && compiled(node.pattern)?.test(value) === false) {
        errors.push(`${path}: ${JSON.stringify(value)} does not match the pattern ${node.pattern}`);
    }
    bounds(node, value, path, errors);
    if (Array.isArray(value)) {
        if (node.items) value.forEach((item, i) => item !== null && check(node.items!, item, `${path}[${i}]`, errors, options));
        return;
    }
    if (node.type === "object") checkObject(node, value as Record<string, unknown>, path, errors, options);
}

function checkObject(node: FieldNode, value: Record<string, unknown>, path: string, errors: string[], options: Walk): void {
    const properties = node.properties ?? new Map<string, FieldNode>();
    for (const [name, property] of properties) {
        if (!options.partial && property.required && (value[name] === undefined || value[name] === null)) errors.push(`${join(path, name)}: required field missing`);
    }
    const embedded = node.embedded || path === "";
    for (const [key, child] of Object.entries(value)) {
        if (child === undefined || child === null) continue;
        const childPath = join(path, key);
        if (embedded && key === "metadata" && options.objectMeta) {
            check(options.objectMeta, child, childPath, errors, options);
            continue;
        }
        const property = properties.get(key) ?? node.values ?? (embedded && (key === "apiVersion" || key === "kind") ? { type: "string" as const } : undefined);
        if (property) check(property, child, childPath, errors, options);
        else if (!node.preserveUnknown) errors.push(`${childPath}: unknown field`);
    }
}

/** Every violation of the object against the tree, as `<path>: <what is wrong>`; empty when valid. */
export function validateFields(root: FieldNode, object: unknown, options: FieldValidationOptions = {}): string[] {
    const errors: string[] = [];
    check(root, object, "", errors, options);
    return errors.map((e) => (e.startsWith(": ") ? `(root)${e}` : e));
}
