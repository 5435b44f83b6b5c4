/**
 * Derives a chart's values-key list (tests/chart-keys/<chart>@<version>.txt, read by
 * tests/support/chart-keys.ts) from the chart's own values.yaml at the pinned tag.
 *
 *   node -r ./runtime/ts-transpile.js tools/chart-keys.ts <values.yaml> [--subchart <name>=<values.yaml> ...] > tests/chart-keys/<chart>@<version>.txt
 *
 * One line per key, `path<TAB>type`, in the file's order: `map` / `empty-map` for maps,
 * `list` / `empty-list` for lists, `scalar` for everything else (null included: a key
 * declared empty still exists). A subchart's values are listed under its name, the way
 * Helm passes them (`crds.gatewayAPI.enabled`). The YAML is read from a fetched clone
 * (`git show <tag>:<path>`) and never committed; the derived list is.
 *
 * Charts that template their values file (Envoy Gateway's values.tmpl.yaml holds
 * `${GatewayImage}` placeholders filled at release) parse as they are: placeholders are scalars.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import { UsageError, parseFlags, runIfMain } from "../commands/command-line";

export function keyLines(values: unknown, prefix = ""): string[] {
    if (values === null || typeof values !== "object" || Array.isArray(values)) return [];
    return Object.entries(values as Record<string, unknown>).flatMap(([key, value]) => {
        const path = prefix ? `${prefix}.${key}` : key;
        return [`${path}\t${typeOf(value)}`, ...keyLines(value, path)];
    });
}

function typeOf(value: unknown): string {
    if (Array.isArray(value)) return value.length === 0 ? "empty-list" : "list";
    if (value !== null && typeof value === "object") return Object.keys(value).length === 0 ? "empty-map" : "map";
    return "scalar";
}

function load(file: string): unknown {
    return yaml.load(fs.readFileSync(file, "utf8")) ?? {};
}

const USAGE = "usage: tools/chart-keys.ts <values.yaml> [--subchart <name>=<values.yaml> ...]";

function main(argv: string[]): void {
    const { flags, positionals: files } = parseFlags(argv, { "--subchart": "list" }, { positionals: true });
    if (files.length !== 1) throw new UsageError(USAGE);
    const subcharts = flags["--subchart"].map((pair) => {
        const [name, file] = pair.split("=");
        if (!name || !file) throw new UsageError("--subchart expects <name>=<values.yaml>");
        return [name, file] as const;
    });
    const lines = keyLines(load(files[0]));
    for (const [name, file] of subcharts) {
        // The parent may already declare the subchart's key (its `enabled` condition); list the rest once.
        const known = new Set(lines.map((line) => line.split("\t")[0]));
        lines.push(...keyLines(load(file), name).filter((line) => !known.has(line.split("\t")[0])));
    }
    process.stdout.write(`${lines.join("\n")}\n`);
}

runIfMain(module, () => main(process.argv.slice(2)), { messageOnly: true });
