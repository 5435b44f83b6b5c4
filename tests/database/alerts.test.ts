import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CLUSTER_SERIES_LABEL, databaseAlertRules } from "../../components/database/alerts";

/** Metrics a CloudNativePG 1.30 instance exports (tools/cnpg-metrics.ts, from the chart's default queries and the docs). */
const KNOWN_METRICS = new Set(fs.readFileSync(path.join(__dirname, "cnpg-metrics@0.29.0.txt"), "utf8").split("\n").filter(Boolean));
/** PromQL words that look like metric names but are functions, keywords or labels. */
const PROMQL = new Set(["and", "or", "on", "by", "count", "absent", "time", "namespace", "pod", "value", "humanizeDuration"]);

const rules = databaseAlertRules({ namespace: "database", clusterName: "postgres-aws", instances: 3, rpoSeconds: 60, baseBackupIntervalMinutes: 1440 });
const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));

describe("database alerts (the RPO measured in production)", () => {
    it("cover failing WAL archiving, an archive older than the RPO budget, replica lag over budget and an instance down", () => {
        assert.deepEqual(Object.keys(byName), [
            "PostgresWalArchivingFailing",
            "PostgresWalArchiveOlderThanRpo",
            "PostgresReplicaApplyLagOverRpo",
            "PostgresInstanceDown",
            "PostgresBaseBackupStale",
        ]);
    });

    it("select on the series label Prometheus makes of the pod label cnpg.io/cluster", () => {
        assert.equal(CLUSTER_SERIES_LABEL, "cnpg_io_cluster");
    });

    it("use only metrics CloudNativePG 1.30 and the Barman Cloud plugin export", () => {
        for (const rule of rules) {
            const identifiers = rule.expr.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "").match(/[a-zA-Z_][a-zA-Z0-9_]*/g) ?? [];
            const metrics = identifiers.filter((id) => !PROMQL.has(id) && id !== CLUSTER_SERIES_LABEL);
            assert.ok(metrics.length > 0, rule.alert);
            for (const metric of metrics) assert.ok(KNOWN_METRICS.has(metric), `${rule.alert}: ${metric} is not a CloudNativePG 1.30 metric`);
        }
    });

    it("measure against the database RPO budget, on this Cluster's series only", () => {
        assert.match(byName.PostgresWalArchiveOlderThanRpo.expr, /cnpg_pg_stat_archiver_seconds_since_last_archival\{namespace="database",cnpg_io_cluster="postgres-aws"\} > 60\)/);
        assert.match(byName.PostgresWalArchiveOlderThanRpo.expr, /cnpg_collector_pg_wal_archive_status\{[^}]*value="ready"\} > 0/, "only while WAL is waiting: an idle database is not late");
        assert.equal(byName.PostgresReplicaApplyLagOverRpo.expr, 'cnpg_pg_replication_lag{namespace="database",cnpg_io_cluster="postgres-aws"} > 60');
        assert.match(byName.PostgresInstanceDown.expr, /< 3\) or absent\(/, "fewer than this side's instances, or none at all");
        assert.match(byName.PostgresBaseBackupStale.expr, /> 172800$/, "two daily backup intervals");
        for (const rule of rules) {
            for (const selector of rule.expr.match(/\{[^}]*\}/g) ?? []) assert.match(selector, /namespace="database",cnpg_io_cluster="postgres-aws"/, rule.alert);
            assert.ok(["critical", "warning"].includes(rule.labels.severity), rule.alert);
            assert.ok(rule.annotations.runbook, rule.alert);
        }
    });
});
