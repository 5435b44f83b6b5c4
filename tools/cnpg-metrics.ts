/**
 * Lists the metric names a CloudNativePG instance exports, for checking alert expressions
 * (tests/database/alerts.test.ts reads tests/database/cnpg-metrics@<chart version>.txt):
 *  - the default monitoring queries the operator chart installs (its values.yaml,
 *    monitoringQueriesConfigMap.queries): `cnpg_<query name>_<column>` for every column whose
 *    usage is not LABEL, as the instance manager's exporter names them;
 *  - the instance manager's built-in collector metrics, as docs/src/monitoring.md at the
 *    operator's tag lists them (`cnpg_collector_*` lines in its sample output);
 *  - the Barman Cloud plugin's metrics, as its web/docs/observability.md at the plugin's tag lists them.
 *
 *   git --git-dir=<charts> show cloudnative-pg-v0.29.0:charts/cloudnative-pg/values.yaml > /tmp/values.yaml
 *   git --git-dir=<cloudnative-pg> show v1.30.0:docs/src/monitoring.md > /tmp/monitoring.md
 *   git --git-dir=<plugin-barman-cloud> show v0.13.0:web/docs/observability.md > /tmp/observability.md
 *   node -r ./runtime/ts-transpile.js tools/cnpg-metrics.ts /tmp/values.yaml /tmp/monitoring.md /tmp/observability.md \
 *     > tests/database/cnpg-metrics@0.29.0.txt
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import { UsageError, runIfMain } from "../commands/command-line";

interface Query {
    name?: string;
    metrics?: Record<string, { usage: string }>[];
}

export function queryMetrics(valuesYaml: string): string[] {
    const values = yaml.load(valuesYaml) as { monitoringQueriesConfigMap: { queries: string } };
    const queries = yaml.load(values.monitoringQueriesConfigMap.queries) as Record<string, Query>;
    return Object.entries(queries).flatMap(([key, query]) =>
        (query.metrics ?? []).flatMap((column) =>
            Object.entries(column).filter(([, spec]) => spec.usage !== "LABEL").map(([name]) => `cnpg_${query.name ?? key}_${name}`)));
}

/** Metric names at the start of lines (sample exporter output) or in backticks (docs lists). */
export function documentedMetrics(markdown: string, prefix: string): string[] {
    const pattern = new RegExp(`(?:^|\`)(${prefix}[a-z0-9_]+)`, "gm");
    return [...markdown.matchAll(pattern)].map((m) => m[1]);
}

function main(argv: string[]): void {
    const [values, monitoring, observability] = argv;
    if (argv.length !== 3) throw new UsageError("usage: node -r ./runtime/ts-transpile.js tools/cnpg-metrics.ts <chart values.yaml> <monitoring.md> <observability.md>");
    const names = new Set([
        ...queryMetrics(fs.readFileSync(values, "utf8")),
        ...documentedMetrics(fs.readFileSync(monitoring, "utf8"), "cnpg_collector_"),
        ...documentedMetrics(fs.readFileSync(observability, "utf8"), "barman_cloud_cloudnative_pg_io_"),
    ]);
    process.stdout.write(`${[...names].sort().join("\n")}\n`);
}

runIfMain(module, () => main(process.argv.slice(2)), { messageOnly: true });
