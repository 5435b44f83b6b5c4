/**
 * The data tier's names, in one place: the PostgresCluster component, the stack
 * outputs and the drill all derive them from here, so a switchover command and the
 * objects Pulumi declared can never disagree.
 *
 * Names depend on the cloud and the namespace only, never on the role: a flip
 * changes which Cluster is primary (`spec.replica.primary`) and renames nothing.
 */
import { CloudName } from "../cluster/contract";

/** The CNPG-I plugin that archives WAL and base backups (Barman Cloud). */
export const BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io";

/** Label CloudNativePG puts on every pod (and Job) of a Cluster. */
export const CNPG_CLUSTER_LABEL = "cnpg.io/cluster";

/** Ports of a PostgreSQL instance pod. */
export const POSTGRES_PORTS = {
    postgres: 5432,
    /** The instance manager's status API; the operator (and the other instances) call it. */
    status: 8000,
    /** The exporter, named `metrics` on the pod. */
    metrics: 9187,
} as const;

/** The Cluster of a cloud: distinct per side, the same name on both Kubernetes clusters' `externalClusters`. */
export function postgresClusterName(cloud: CloudName): string {
    return `postgres-${cloud}`;
}

/**
 * The Barman Cloud `serverName` under which a side's Cluster archives (a folder in its store), by
 * archive generation: generation 1 is the Cluster's own name, n > 1 appends `-g<n>`. A failback
 * re-seeds a diverged former primary into the next generation: its old folder still holds the
 * diverged timeline, and the plugin refuses to archive into a folder that is not empty
 * ("Expected empty archive"). Both sides name the same server for a cloud (`plugins` on the own
 * Cluster, `externalClusters` on the peer), so a generation is config, never a live choice.
 */
export function serverNameOf(cloud: CloudName, generation: number): string {
    if (!Number.isInteger(generation) || generation < 1) throw new Error(`archive generation of ${cloud} must be a positive integer, got ${generation}`);
    return generation === 1 ? postgresClusterName(cloud) : `${postgresClusterName(cloud)}-g${generation}`;
}

/**
 * The ObjectStore that points at a cloud's archive. Both Kubernetes clusters declare one for each
 * cloud under the same name (the own store with the pod's identity, the peer's with the read-only
 * cross-cloud identity), so `externalClusters` reads the same on both sides.
 */
export function archiveObjectStoreName(cloud: CloudName): string {
    return `archive-${cloud}`;
}

/** The read-write Service of a cloud's Cluster: it always points at that Cluster's primary instance. */
export function readWriteService(cloud: CloudName, namespace: string): string {
    return `${postgresClusterName(cloud)}-rw.${namespace}.svc`;
}

/** The namespace of a side's point-in-time-recovery slot, next to the database's own. */
export function pitrNamespace(namespace: string): string {
    return `${namespace}-pitr`;
}

/**
 * The one Cluster name the drill may create in the slot: CloudNativePG names the Cluster's
 * ServiceAccount after it, and the slot's read-only identity trusts exactly that ServiceAccount.
 */
export function pitrClusterName(cloud: CloudName): string {
    return `${postgresClusterName(cloud)}-pitr`;
}

/** The Secret (basic-auth) holding the app role's credential, the same content on both sides. */
export function appCredentialSecretName(role: string): string {
    return `${role}-credentials`;
}

/** Everything the drill needs to name one side's database, from the namespace and the side's archive generation. */
export function databaseNamesFor(cloud: CloudName, namespace: string, archiveGeneration = 1) {
    return {
        clusterName: postgresClusterName(cloud),
        serverName: serverNameOf(cloud, archiveGeneration),
        objectStore: archiveObjectStoreName(cloud),
        rwService: readWriteService(cloud, namespace),
        restore: { namespace: pitrNamespace(namespace), clusterName: pitrClusterName(cloud), objectStore: archiveObjectStoreName(cloud) },
    };
}
