/**
 * Derives a chart's values key list (tests/chart-keys/<chart>@<version>.txt) from
 * the values.yaml at the pinned tag, so the list is regenerated, never hand-edited:
 *
 *   git --git-dir=<charts repo> show <tag>:charts/<chart>/values.yaml > /tmp/values.yaml
 *   node -r ./runtime/ts-transpile.js tools/chart-keys.ts /tmp/values.yaml > tests/chart-keys/<chart>@<version>.txt
 *
 * One line per key path, `key<TAB>type`: map / empty-map (an empty map is free-form),
 * list / empty-list, or scalar (null included). Lists are leaves.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";

export function keyLines(values: unknown, prefix = ""): string[] {
    if (values === null || typeof values !== "object" || Array.isArray(values)) return [];
    return Object.entries(values as Record<string, unknown>).flatMap(([key, value]) => {
        const path = prefix ? `${prefix}.${key}` : key;
        if (Array.isArray(value)) return [`${path}\t${value.length ? "list" : "empty-list"}`];
        if (value !== null && typeof value === "object") {
            const empty = Object.keys(value).length === 0;
            return [`${path}\t${empty ? "empty-map" : "map"}`, ...keyLines(value, path)];
        }
        return [`${path}\tscalar`];
    });
}

if (require.main === module) {
    const file = process.argv[2];
    if (!file) {
        console.error("usage: node -r ./runtime/ts-transpile.js tools/chart-keys.ts <values.yaml>");
        process.exit(2);
    }
    process.stdout.write(`${keyLines(yaml.load(fs.readFileSync(file, "utf8"))).join("\n")}\n`);
}
