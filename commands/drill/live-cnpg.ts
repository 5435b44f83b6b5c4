/**
 * CloudNativePG through plain kubectl (no cnpg plugin, no Kubernetes client
 * library): Cluster objects with `kubectl get`/`apply --server-side`/`patch`/
 * `create`/`delete`, and SQL in an instance's `postgres` container with
 * `kubectl exec … psql` as the local postgres user (the instance's peer
 * authentication; no password, superuser access stays disabled).
 *
 * RBAC the kubeconfig needs in the database namespace (and the PITR slot's):
 * get/patch/create/delete clusters.postgresql.cnpg.io, list persistentvolumeclaims,
 * create pods/exec. The stack's kubeconfigs are the clusters' admin ones.
 */
import { ClusterIntent, CnpgCluster, DatabaseApi, FENCING_ANNOTATION, FIELD_MANAGER, InstanceState, KubeTarget, RESEED_ANNOTATION } from "./database";
import { CommandError, kubectl } from "./live";

const CLUSTERS = "clusters.postgresql.cnpg.io";
/** A silent API server fails fast: fencing an unreachable side must not hold the failover. */
const REQUEST_TIMEOUT = "--request-timeout=20s";

/** One JSON row: recovery state, WAL positions, the archiver's view, the segment size. */
export const INSTANCE_STATE_SQL = [
    "SELECT json_build_object(",
    "'inRecovery', pg_is_in_recovery(),",
    "'currentLsn', CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END,",
    "'replayLsn', pg_last_wal_replay_lsn()::text,",
    "'lastReplayAt', pg_last_xact_replay_timestamp(),",
    "'now', now(),",
    "'lastArchivedWal', a.last_archived_wal,",
    "'lastArchivedAt', a.last_archived_time,",
    "'lastFailedAt', a.last_failed_time,",
    "'walSegmentBytes', pg_size_bytes(current_setting('wal_segment_size'))",
    ") FROM pg_stat_archiver a",
].join(" ");

/** Assigning a transaction id is a write: it fails on an instance in recovery ("cannot assign TransactionIds during recovery"). */
export const WRITE_PROBE_SQL = "SELECT txid_current()";

/** psql in the instance's postgres container, quiet, unaligned, stopping at the first error. */
export function psqlArgs(namespace: string, pod: string, database: string, statements: string[]): string[] {
    return ["exec", "-n", namespace, pod, "-c", "postgres", REQUEST_TIMEOUT, "--", "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", database, ...statements.flatMap((sql) => ["-c", sql])];
}

/** The object the drill applies as FIELD_MANAGER: after the apply it owns exactly these fields. */
export function clusterIntentManifest(name: string, namespace: string, intent: ClusterIntent): object {
    const replica: Record<string, string> = {};
    if (intent.primary !== undefined) replica.primary = intent.primary;
    if (intent.promotionToken !== undefined) replica.promotionToken = intent.promotionToken;
    const annotations: Record<string, string> = {};
    if (intent.fenced) annotations[FENCING_ANNOTATION] = JSON.stringify(["*"]);
    if (intent.reseedRequired !== undefined) annotations[RESEED_ANNOTATION] = intent.reseedRequired;
    return {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name, namespace, ...(Object.keys(annotations).length ? { annotations } : {}) },
        ...(Object.keys(replica).length ? { spec: { replica } } : {}),
    };
}

interface ManagedFieldsEntry {
    manager?: string;
    fieldsV1?: Record<string, unknown>;
}

/** Managers whose managedFields entry holds the field at `path` (["spec", "replica", "primary"]). */
export function fieldOwners(managedFields: ManagedFieldsEntry[] | undefined, path: string[]): string[] {
    const owners = (managedFields ?? []).filter((entry) => {
        let node: unknown = entry.fieldsV1;
        for (const key of path) {
            if (typeof node !== "object" || node === null) return false;
            node = (node as Record<string, unknown>)[`f:${key}`];
        }
        return node !== undefined;
    });
    return [...new Set(owners.map((e) => e.manager ?? "(unnamed)"))];
}

function fencedInstances(annotation: string | undefined): string[] {
    if (!annotation) return [];
    try {
        const parsed = JSON.parse(annotation) as unknown;
        return Array.isArray(parsed) ? parsed.map(String) : [annotation];
    } catch {
        return [annotation];
    }
}

interface KubeCluster {
    metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; managedFields?: ManagedFieldsEntry[] };
    spec?: Record<string, unknown> & { replica?: CnpgCluster["replica"]; instances?: number };
    /** The status fields the drill reads, as CnpgCluster names them (CloudNativePG's own names). */
    status?: Pick<CnpgCluster, ClusterStatusField>;
}

type ClusterStatusField = "phase" | "phaseReason" | "currentPrimary" | "timelineID" | "demotionToken" | "lastPromotionToken" | "readyInstances";

/** `kubectl get clusters.postgresql.cnpg.io NAME -o json` → what the drill reads. */
export function parseCnpgCluster(object: KubeCluster): CnpgCluster {
    const status = object.status ?? {};
    const cluster: CnpgCluster = {
        name: object.metadata?.name ?? "",
        namespace: object.metadata?.namespace ?? "",
        fencedInstances: fencedInstances(object.metadata?.annotations?.[FENCING_ANNOTATION]),
        ...(object.metadata?.annotations?.[RESEED_ANNOTATION] ? { reseedRequired: object.metadata.annotations[RESEED_ANNOTATION] } : {}),
        primaryOwners: fieldOwners(object.metadata?.managedFields, ["spec", "replica", "primary"]),
        spec: object.spec ?? {},
    };
    if (object.spec?.replica) cluster.replica = object.spec.replica;
    if (typeof object.spec?.instances === "number") cluster.instances = object.spec.instances;
    for (const key of ["phase", "phaseReason", "currentPrimary", "demotionToken", "lastPromotionToken"] as const) {
        if (status[key]) cluster[key] = status[key];
    }
    if (typeof status.timelineID === "number") cluster.timelineID = status.timelineID;
    if (typeof status.readyInstances === "number") cluster.readyInstances = status.readyInstances;
    return cluster;
}

/** psql's one-line JSON answer to INSTANCE_STATE_SQL → InstanceState. */
export function parseInstanceState(pod: string, stdout: string): InstanceState {
    const line = stdout.trim().split("\n").pop() ?? "";
    let row: Record<string, unknown>;
    try {
        row = JSON.parse(line) as Record<string, unknown>;
    } catch {
        throw new Error(`unexpected psql answer from ${pod}: ${JSON.stringify(line.slice(0, 200))}`);
    }
    const text = (key: string) => (typeof row[key] === "string" && row[key] !== "" ? (row[key] as string) : undefined);
    const state: InstanceState = { pod, inRecovery: row.inRecovery === true, now: text("now") ?? new Date().toISOString(), walSegmentBytes: Number(row.walSegmentBytes) || 16 * 1024 * 1024 };
    for (const key of ["currentLsn", "replayLsn", "lastReplayAt", "lastArchivedWal", "lastArchivedAt", "lastFailedAt"] as const) {
        const value = text(key);
        if (value) state[key] = value;
    }
    return state;
}

const notFound = (err: unknown) => err instanceof CommandError && /NotFound|not found/.test(err.stderr);

export const liveCnpg: DatabaseApi = {
    async getCluster(target: KubeTarget, name: string): Promise<CnpgCluster | undefined> {
        try {
            return parseCnpgCluster(JSON.parse(await kubectl(target.kubeconfig, ["get", CLUSTERS, name, "-n", target.namespace, "-o", "json", REQUEST_TIMEOUT])) as KubeCluster);
        } catch (err) {
            if (notFound(err)) return undefined;
            throw err;
        }
    },

    async applyIntent(target: KubeTarget, name: string, intent: ClusterIntent): Promise<void> {
        const manifest = clusterIntentManifest(name, target.namespace, intent);
        await kubectl(target.kubeconfig, ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, REQUEST_TIMEOUT, "-f", "-"], { input: JSON.stringify(manifest) });
    },

    async removePromotionToken(target: KubeTarget, name: string): Promise<void> {
        const patch = JSON.stringify([{ op: "remove", path: "/spec/replica/promotionToken" }]);
        await kubectl(target.kubeconfig, ["patch", CLUSTERS, name, "-n", target.namespace, "--type=json", "-p", patch, `--field-manager=${FIELD_MANAGER}`, REQUEST_TIMEOUT]);
    },

    async instanceState(target: KubeTarget, pod: string): Promise<InstanceState> {
        return parseInstanceState(pod, await kubectl(target.kubeconfig, psqlArgs(target.namespace, pod, "postgres", [INSTANCE_STATE_SQL])));
    },

    async probeWrite(target: KubeTarget, pod: string): Promise<void> {
        try {
            await kubectl(target.kubeconfig, psqlArgs(target.namespace, pod, "postgres", [WRITE_PROBE_SQL]));
        } catch (err) {
            const stderr = err instanceof CommandError ? err.stderr : (err as Error).message;
            throw new Error(stderr.trim().split("\n").filter(Boolean).pop() ?? "no answer");
        }
    },

    async deleteCluster(target: KubeTarget, name: string): Promise<void> {
        await kubectl(target.kubeconfig, ["delete", CLUSTERS, name, "-n", target.namespace, "--wait=true", "--timeout=600s"], { timeoutMs: 660_000 });
    },

    async listPvcs(target: KubeTarget, clusterName: string): Promise<string[]> {
        const list = JSON.parse(await kubectl(target.kubeconfig, ["get", "persistentvolumeclaims", "-n", target.namespace, "-l", `cnpg.io/cluster=${clusterName}`, "-o", "json", REQUEST_TIMEOUT])) as {
            items?: { metadata?: { name?: string } }[];
        };
        return (list.items ?? []).map((pvc) => pvc.metadata?.name ?? "(unnamed)");
    },

    async createCluster(target: KubeTarget, manifest: object): Promise<void> {
        await kubectl(target.kubeconfig, ["create", `--field-manager=${FIELD_MANAGER}`, REQUEST_TIMEOUT, "-f", "-"], { input: JSON.stringify(manifest) });
    },

    async query(target: KubeTarget, pod: string, database: string, sql: string): Promise<string> {
        // Verification only reads: the session refuses writes.
        return (await kubectl(target.kubeconfig, psqlArgs(target.namespace, pod, database, ["SET default_transaction_read_only = on", sql]))).trim();
    },
};
