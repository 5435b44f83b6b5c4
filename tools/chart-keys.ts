/**
 * Derives a chart's values keys, in the format of tests/chart-keys/<chart>@<version>.txt
 * (`key<TAB>type`, one per line), from the chart's own values.yaml at its pinned tag.
 *
 *   git --git-dir=<charts repo> show <tag>:charts/<chart>/values.yaml > /tmp/values.yaml
 *   node -r ./runtime/ts-transpile.js tools/chart-keys.ts /tmp/values.yaml > tests/chart-keys/<chart>@<version>.txt
 *
 * Types: `map` (a non-empty map, walked), `empty-map`, `list`, `empty-list`, `scalar`
 * (strings, numbers, booleans and null). Lists are leaves: their items are free-form.
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
