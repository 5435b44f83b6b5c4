import * as pulumi from "@pulumi/pulumi";

export type Values = { [key: string]: unknown };

function isPlainObject(value: unknown): value is Values {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !pulumi.Output.isInstance(value);
}

/**
 * Deep-merges Helm values: maps merge key by key, everything else (lists,
 * scalars, Outputs) is replaced, so the override always wins. `null` in the
 * override is kept, which is how Helm users delete a chart default.
 */
export function deepMerge(base: Values, override: Values | undefined): Values {
    if (!override) return base;
    const merged: Values = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = merged[key];
        merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
    }
    return merged;
}
