import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * Bad configuration. A RunError, so `pulumi up` prints the message alone,
 * without a stack trace. Every problem names the key path, the value and what
 * is allowed.
 */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

function show(value: unknown): string {
    return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

function editDistance(a: string, b: string): number {
    const row = [...Array(b.length + 1).keys()];
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            previous = current;
        }
    }
    return row[b.length];
}

/** Unwraps optional/default/nullable wrappers to reach an object's shape. */
interface SchemaNode {
    shape?: Record<string, SchemaNode>;
    _zod?: { def?: { innerType?: SchemaNode } };
}

function shapeAt(schema: z.ZodType, path: PropertyKey[]): Record<string, SchemaNode> | undefined {
    let current: SchemaNode | undefined = schema as unknown as SchemaNode;
    const unwrap = () => {
        while (current?._zod?.def?.innerType) current = current._zod.def.innerType;
    };
    unwrap();
    for (const key of path) {
        if (typeof key !== "string" || !current?.shape) return undefined;
        current = current.shape[key];
        unwrap();
    }
    return current?.shape;
}

export function keyPath(path: PropertyKey[]): string {
    return path.length ? path.map(String).join(".") : "(top level)";
}

/** One readable line per zod issue. */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType): string {
    const at = keyPath(issue.path);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
        case "invalid_type":
            return input === undefined
                ? `${at}: required key is missing (expected ${issue.expected})`
                : `${at}: expected ${issue.expected}, got ${show(input)}`;
        case "invalid_value":
            return `${at}: ${show(input)} is not allowed; allowed values: ${issue.values.map((v) => String(v)).join(", ")}`;
        case "unrecognized_keys": {
            const allowed = Object.keys(shapeAt(schema, issue.path) ?? {});
            return issue.keys
                .map((key) => {
                    const closest = allowed.map((a) => [a, editDistance(key, a)] as const).sort((x, y) => x[1] - y[1])[0];
                    const hint = closest && closest[1] <= 3 ? ` (did you mean "${closest[0]}"?)` : "";
                    const where = issue.path.length ? `${at}.${key}` : key;
                    return `${where}: unknown key${hint}; allowed keys: ${allowed.join(", ")}`;
                })
                .join("\n  - ");
        }
        case "too_small":
            return `${at}: ${show(input)} is too small; minimum is ${String(issue.minimum)}${issue.origin === "array" ? " entries" : ""}`;
        case "too_big":
            return `${at}: ${show(input)} is too large; maximum is ${String(issue.maximum)}${issue.origin === "array" ? " entries" : ""}`;
        case "invalid_format":
            return `${at}: ${show(input)} ${issue.message.startsWith("must") ? issue.message : `is not a valid ${issue.format}`}`;
        default:
            return `${at}: ${show(input)} ${issue.message}`;
    }
}
