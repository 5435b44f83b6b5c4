/**
 * Alerts that measure the database RPO in production, from CloudNativePG 1.30's default
 * monitoring queries (the chart's cnpg-default-monitoring ConfigMap: pg_stat_archiver,
 * pg_replication), the instance manager's collector metrics (cnpg_collector_*) and the
 * Barman Cloud plugin's backup metrics (barman_cloud_cloudnative_pg_io_*).
 *
 * Series are selected by namespace and by the pod's `cnpg.io/cluster` label, which the
 * PodMonitor copies onto every series as `cnpg_io_cluster`.
 */
import { CNPG_CLUSTER_LABEL } from "./names";

/**
 * The series label the PodMonitor's podTargetLabels make of the pod label cnpg.io/cluster:
 * Prometheus turns every character a label name cannot hold into "_" (cnpg_io_cluster).
 */
export const CLUSTER_SERIES_LABEL = CNPG_CLUSTER_LABEL.replace(/[^a-zA-Z0-9_]/g, "_");

export interface DatabaseAlertArgs {
    namespace: string;
    clusterName: string;
    /** Instances this side runs; fewer reporting up is an instance down. */
    instances: number;
    /** The database RPO budget, in seconds (archive timeout + upload allowance). */
    rpoSeconds: number;
    /** Worst-case minutes between two scheduled base backups. */
    baseBackupIntervalMinutes: number;
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

export function databaseAlertRules(args: DatabaseAlertArgs): AlertRule[] {
    const sel = (...matchers: string[]) => `{${[`namespace="${args.namespace}"`, `${CLUSTER_SERIES_LABEL}="${args.clusterName}"`, ...matchers].join(",")}}`;
    const labels = { cluster: args.clusterName };
    const runbook = `kubectl -n ${args.namespace} get cluster ${args.clusterName}; kubectl cnpg status ${args.clusterName} -n ${args.namespace}; kubectl -n ${args.namespace} logs ${args.clusterName}-1 -c plugin-barman-cloud`;
    return [
        {
            alert: "PostgresWalArchivingFailing",
            // The last attempt failed: nothing newer reached the object store since (pg_stat_archiver).
            expr: `cnpg_pg_stat_archiver_last_failed_time${sel()} > cnpg_pg_stat_archiver_last_archived_time${sel()}`,
            for: "1m",
            labels: { ...labels, severity: "critical" },
            annotations: {
                summary: `WAL archiving of ${args.clusterName} fails on {{ $labels.pod }}`,
                description: "WAL no longer reaches the archive: the other cloud falls behind and point-in-time recovery has a gap. Check the pod's identity and the store.",
                runbook,
            },
        },
        {
            alert: "PostgresWalArchiveOlderThanRpo",
            // WAL is waiting to be archived and the last success is older than the budget: the RPO is broken now.
            expr: `(cnpg_pg_stat_archiver_seconds_since_last_archival${sel()} > ${args.rpoSeconds}) and on (namespace, pod) (cnpg_collector_pg_wal_archive_status${sel('value="ready"')} > 0)`,
            for: "1m",
            labels: { ...labels, severity: "critical" },
            annotations: {
                summary: `The last archived WAL of ${args.clusterName} is older than the ${args.rpoSeconds} s RPO budget`,
                description: "Segments are ready but not archived within archive_timeout + the upload allowance: a failover now would lose more than the budget.",
                runbook,
            },
        },
        {
            alert: "PostgresReplicaApplyLagOverRpo",
            // On the passive side: time since the last replayed transaction of the active side (an idle primary also lets it grow).
            expr: `cnpg_pg_replication_lag${sel()} > ${args.rpoSeconds}`,
            for: "2m",
            labels: { ...labels, severity: "warning" },
            annotations: {
                summary: `${args.clusterName} {{ $labels.pod }} replays {{ $value | humanizeDuration }} behind, over the ${args.rpoSeconds} s RPO budget`,
                description: "A promotion now would lose the unreplayed transactions. Check the archive it reads (the peer's) and the plugin sidecar's logs.",
                runbook,
            },
        },
        {
            alert: "PostgresInstanceDown",
            // Down, missing from a partly running Cluster, or none reporting at all.
            expr: `(cnpg_collector_up${sel()} == 0) or (count by (namespace, ${CLUSTER_SERIES_LABEL}) (cnpg_collector_up${sel()} == 1) < ${args.instances}) or absent(cnpg_collector_up${sel()})`,
            for: "5m",
            labels: { ...labels, severity: "critical" },
            annotations: {
                summary: `${args.clusterName} has an instance down (expected ${args.instances} up)`,
                description: "An instance is not running PostgreSQL or not reporting: synchronous quorum and zone redundancy are reduced.",
                runbook,
            },
        },
        {
            alert: "PostgresBaseBackupStale",
            expr: `time() - barman_cloud_cloudnative_pg_io_last_available_backup_timestamp${sel()} > ${2 * args.baseBackupIntervalMinutes * 60}`,
            for: "15m",
            labels: { ...labels, severity: "warning" },
            annotations: {
                summary: `The newest base backup of ${args.clusterName} is older than two backup intervals`,
                description: "Recovery would replay more WAL than planned, and retention may prune the last usable base backup.",
                runbook: `kubectl -n ${args.namespace} get backups,scheduledbackups; ${runbook}`,
            },
        },
    ];
}
