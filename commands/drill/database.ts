/**
 * The database as the drill sees it: the CloudNativePG distributed topology
 * the stack exports (output `database`), the port through which the drill
 * reads and changes the two `Cluster` objects (kubectl in live-cnpg.ts, fakes
 * in the tests), and the arithmetic on WAL positions behind the lag pre-check
 * and the data-loss window.
 *
 * Field ownership: the drill writes with server-side apply as its own field
 * manager (`finplat-drill`), never as Pulumi's. Pulumi's later `up` applies
 * the same `spec.replica.primary` value, which makes both managers co-owners
 * without a conflict; the drill then applies an empty intent, which hands the
 * field to Pulumi alone and removes what only the drill owned (the promotion
 * token, which CloudNativePG's webhook forbids on a replica and so must not
 * outlive the promotion). See README "Disaster recovery".
 */
import { CLOUDS, CloudName } from "../../components/cluster/contract";
import { PollOptions, pollUntil } from "./steps";

/** Server-side apply field manager of every change the drill makes to a Cluster. */
export const FIELD_MANAGER = "finplat-drill";
/** CloudNativePG's fencing annotation: a JSON list of instance names, `["*"]` for all. */
export const FENCING_ANNOTATION = "cnpg.io/fencedInstances";
/**
 * The drill's mark on a primary promoted without a token: names the peer
 * Cluster that diverged and must be re-seeded before a failback. Nothing in
 * CloudNativePG's status tells a diverged former primary from a healthy one
 * (a replica cluster's status.timelineID stays at its last primary timeline).
 */
export const RESEED_ANNOTATION = "finplat.io/reseed-required";
/** The Barman Cloud plugin, as Clusters name it in `plugins` and `externalClusters[].plugin`. */
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
/** `status.phase` of a Cluster with nothing in progress. */
export const HEALTHY_PHASE = "Cluster in healthy state";
/** The Pulumi type of a CloudNativePG Cluster (its URN is looked up by this type and the object's name). */
export const CLUSTER_RESOURCE_TYPE = "kubernetes:postgresql.cnpg.io/v1:Cluster";

// ---------------------------------------------------------------- the `database` stack output

export interface RestoreSlot {
    /** Its own namespace, e.g. "<namespace>-pitr". */
    namespace: string;
    /** The fixed Cluster name whose ServiceAccount the archive trusts. */
    clusterName: string;
    /** ObjectStore in `namespace` reading this side's own archive, read-only. */
    objectStore: string;
    /** Go to the PITR Cluster's spec.serviceAccountTemplate.metadata.annotations. */
    serviceAccountAnnotations: Record<string, string>;
    /** Pod labels (Azure workload identity); {} on AWS. */
    podLabels: Record<string, string>;
}

export interface DatabaseSide {
    /** The CNPG Cluster's metadata.name on that side. */
    name: string;
    role: "primary" | "replica";
    instances: number;
    rwService: string;
    /** destinationPath of its own ObjectStore. */
    archive: string;
    /** The Barman server name (folder in `archive`) its Cluster archives under: its archive generation. */
    serverName: string;
    objectStore: string;
    peerObjectStore: string;
    restore: RestoreSlot;
}

export interface DatabaseTopology {
    primaryCloud: CloudName;
    /** The database namespace, the same on both clusters. */
    namespace: string;
    clusters: Record<CloudName, DatabaseSide>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isStringMap = (value: unknown): value is Record<string, string> => isRecord(value) && Object.values(value).every((v) => typeof v === "string");

/**
 * The `database` stack output, or undefined when there is none (app.database.mode
 * external). Throws one message naming every missing or malformed field.
 */
export function databaseFromOutputs(outputs: Record<string, unknown>): DatabaseTopology | undefined {
    const raw = outputs.database;
    if (raw === undefined || raw === null) return undefined;
    const problems: string[] = [];
    const text = (value: unknown, name: string): string => {
        if (typeof value !== "string" || value === "") problems.push(name);
        return typeof value === "string" ? value : "";
    };
    const db = isRecord(raw) ? raw : {};
    const primaryCloud = db.primaryCloud;
    if (primaryCloud !== "aws" && primaryCloud !== "azure") problems.push("database.primaryCloud");
    const namespace = text(db.namespace, "database.namespace");
    const clusters = isRecord(db.clusters) ? db.clusters : {};
    const side = (cloud: CloudName): DatabaseSide => {
        const at = `database.clusters.${cloud}`;
        const c = isRecord(clusters[cloud]) ? (clusters[cloud] as Record<string, unknown>) : {};
        const restore = isRecord(c.restore) ? c.restore : {};
        if (c.role !== "primary" && c.role !== "replica") problems.push(`${at}.role`);
        if (typeof c.instances !== "number") problems.push(`${at}.instances`);
        if (!isStringMap(restore.serviceAccountAnnotations)) problems.push(`${at}.restore.serviceAccountAnnotations`);
        if (!isStringMap(restore.podLabels)) problems.push(`${at}.restore.podLabels`);
        return {
            name: text(c.name, `${at}.name`),
            role: c.role === "primary" ? "primary" : "replica",
            instances: typeof c.instances === "number" ? c.instances : 0,
            rwService: text(c.rwService, `${at}.rwService`),
            archive: text(c.archive, `${at}.archive`),
            serverName: text(c.serverName, `${at}.serverName`),
            objectStore: text(c.objectStore, `${at}.objectStore`),
            peerObjectStore: text(c.peerObjectStore, `${at}.peerObjectStore`),
            restore: {
                namespace: text(restore.namespace, `${at}.restore.namespace`),
                clusterName: text(restore.clusterName, `${at}.restore.clusterName`),
                objectStore: text(restore.objectStore, `${at}.restore.objectStore`),
                serviceAccountAnnotations: isStringMap(restore.serviceAccountAnnotations) ? restore.serviceAccountAnnotations : {},
                podLabels: isStringMap(restore.podLabels) ? restore.podLabels : {},
            },
        };
    };
    const topology: DatabaseTopology = {
        primaryCloud: primaryCloud === "azure" ? "azure" : "aws",
        namespace,
        clusters: { aws: side("aws"), azure: side("azure") },
    };
    if (problems.length) {
        throw new Error(`the stack output "database" lacks or has malformed ${problems.join(", ")}; run \`pulumi up\` with a program that exports the data tier, then retry`);
    }
    if (topology.clusters.aws.name === topology.clusters.azure.name) {
        throw new Error(`the stack output "database" names the same Cluster (${topology.clusters.aws.name}) on both sides; the distributed topology needs distinct names`);
    }
    const primaries = CLOUDS.filter((cloud) => topology.clusters[cloud].role === "primary");
    if (primaries.length !== 1 || primaries[0] !== topology.primaryCloud) {
        throw new Error(`the stack output "database" is inconsistent: primaryCloud is ${topology.primaryCloud} but the primary role is on ${primaries.join(" and ") || "neither side"}`);
    }
    return topology;
}

// ---------------------------------------------------------------- the port

/** A namespace on one Kubernetes cluster, reached with the kubeconfig from the stack outputs. */
export interface KubeTarget {
    cloud: CloudName;
    kubeconfig: string;
    namespace: string;
}

/** What the drill reads of a `clusters.postgresql.cnpg.io` object. */
export interface CnpgCluster {
    name: string;
    namespace: string;
    /** spec.replica. */
    replica?: { primary?: string; source?: string; self?: string; promotionToken?: string };
    /** The parsed `cnpg.io/fencedInstances` annotation ([] when absent or empty). */
    fencedInstances: string[];
    /** RESEED_ANNOTATION: the peer Cluster that diverged when this one was promoted without a token. */
    reseedRequired?: string;
    /** Field managers that own spec.replica.primary (metadata.managedFields). */
    primaryOwners: string[];
    phase?: string;
    phaseReason?: string;
    currentPrimary?: string;
    timelineID?: number;
    demotionToken?: string;
    lastPromotionToken?: string;
    instances?: number;
    readyInstances?: number;
    /** The whole spec, for the point-in-time-recovery manifest. */
    spec: Record<string, unknown>;
}

/** One Postgres instance, from SQL run in its pod. */
export interface InstanceState {
    pod: string;
    inRecovery: boolean;
    /** pg_current_wal_lsn() (primaries only). */
    currentLsn?: string;
    /** pg_last_wal_replay_lsn() (in recovery; static after recovery ended). */
    replayLsn?: string;
    /** pg_last_xact_replay_timestamp(): commit time of the last replayed transaction. */
    lastReplayAt?: string;
    /** The instance's now(). */
    now: string;
    /** pg_stat_archiver (primaries): the last archived file and when, the last failure. */
    lastArchivedWal?: string;
    lastArchivedAt?: string;
    lastFailedAt?: string;
    /** wal_segment_size in bytes. */
    walSegmentBytes: number;
}

/**
 * What the drill owns on a Cluster after a server-side apply: exactly these
 * fields (an absent key releases it). `fenced` is the whole-cluster fence.
 */
export interface ClusterIntent {
    primary?: string;
    promotionToken?: string;
    fenced?: boolean;
    /** RESEED_ANNOTATION: the diverged peer's Cluster name. */
    reseedRequired?: string;
}

/** CloudNativePG through the Kubernetes API of one cluster (kubectl in live-cnpg.ts). */
export interface DatabaseApi {
    /** The Cluster, or undefined when it does not exist; rejects when the API does not answer. */
    getCluster(target: KubeTarget, name: string): Promise<CnpgCluster | undefined>;
    /** Server-side apply of `intent` as FIELD_MANAGER, forcing conflicts (the drill takes the fields it sets). */
    applyIntent(target: KubeTarget, name: string, intent: ClusterIntent): Promise<void>;
    /** Removes spec.replica.promotionToken whoever set it (a JSON patch). */
    removePromotionToken(target: KubeTarget, name: string): Promise<void>;
    /** Reads an instance's recovery state and WAL positions (psql in the pod). */
    instanceState(target: KubeTarget, pod: string): Promise<InstanceState>;
    /** Resolves when the instance commits a write transaction; rejects with Postgres' answer otherwise. */
    probeWrite(target: KubeTarget, pod: string): Promise<void>;
    /** Deletes a Cluster (its PVCs go with it: CloudNativePG owns them). */
    deleteCluster(target: KubeTarget, name: string): Promise<void>;
    /** PVCs that still belong to a Cluster (label cnpg.io/cluster). */
    listPvcs(target: KubeTarget, clusterName: string): Promise<string[]>;
    /** Creates a Cluster from a manifest; rejects when one of that name exists. */
    createCluster(target: KubeTarget, manifest: object): Promise<void>;
    /** Runs read-only SQL in a database of an instance; resolves with psql's unaligned output. */
    query(target: KubeTarget, pod: string, database: string, sql: string): Promise<string>;
}

/** The database namespace on one side, reached with that side's kubeconfig from the stack outputs; throws naming the missing output. */
export function kubeTarget(kubeconfigs: Partial<Record<CloudName, string>>, cloud: CloudName, namespace: string): KubeTarget {
    const kubeconfig = kubeconfigs[cloud];
    if (!kubeconfig) throw new Error(`no kubeconfig for the ${cloud} cluster in the stack outputs (kubeconfigs.${cloud}); the drill reaches its database with it`);
    return { cloud, kubeconfig, namespace };
}

/** "phase: <status.phase>[, <status.phaseReason>]" ("none" before the operator sets one, or for a Cluster that is not there), for poll messages. */
export function describePhase(cluster: Pick<CnpgCluster, "phase" | "phaseReason"> | undefined): string {
    return `phase: ${cluster?.phase ?? "none"}${cluster?.phaseReason ? `, ${cluster.phaseReason}` : ""}`;
}

/** Waits until no PVC belongs to a deleted Cluster any more (CloudNativePG deletes them with it); resolves with the poll's detail. */
export function waitVolumesGone(api: DatabaseApi, target: KubeTarget, clusterName: string, poll: PollOptions): Promise<string> {
    return pollUntil(poll, `the PVCs of ${clusterName} to be deleted`, async () => {
        const left = await api.listPvcs(target, clusterName);
        return { done: left.length === 0, last: left.length ? `${left.length} PVC(s) left: ${left.join(", ")}` : "no PVC left" };
    });
}

// ---------------------------------------------------------------- WAL arithmetic

/** "16/B374D848" → byte position. */
export function parseLsn(lsn: string): number {
    const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
    if (!match) throw new Error(`not a WAL position (LSN): ${JSON.stringify(lsn)}`);
    return parseInt(match[1], 16) * 2 ** 32 + parseInt(match[2], 16);
}

/**
 * The segment number of a WAL file name ("000000010000000A000000FE", with an
 * optional ".partial" or ".<offset>.backup" suffix), or undefined for other
 * archive files (timeline history). 24 hex digits: timeline, log, segment.
 */
export function walFileSegment(fileName: string, segmentBytes: number): number | undefined {
    const match = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial|\.[0-9A-F]{8}\.backup)?$/.exec(fileName);
    if (!match) return undefined;
    return parseInt(match[2], 16) * (2 ** 32 / segmentBytes) + parseInt(match[3], 16);
}

export interface ReplicaLag {
    /** WAL bytes the primary has written that the replica has not replayed. */
    bytes?: number;
    /**
     * 0 when caught up; else the age of the newest replayed transaction (the
     * definition of CloudNativePG's cnpg_pg_replication_lag, which the alerts use).
     */
    seconds?: number;
    /** The replica has replayed every segment the primary has archived: only its open segment is missing. */
    replayedAllArchived?: boolean;
    lastReplayAt?: string;
    /** The primary's last archiving attempt failed (WAL is piling up unshipped). */
    archiveFailing: boolean;
}

/**
 * How far a replica cluster trails its primary. With WAL shipping the replica
 * is always up to one segment behind (the primary's open segment ships within
 * archive_timeout, which the database RPO budget includes), so a replica that
 * has replayed every archived segment is as current as the archive allows,
 * however old its newest transaction (an idle primary writes none).
 */
export function replicaLag(primary: InstanceState | undefined, replica: InstanceState): ReplicaLag {
    const lag: ReplicaLag = { archiveFailing: false };
    if (replica.lastReplayAt) lag.lastReplayAt = replica.lastReplayAt;
    const replayed = replica.replayLsn ? parseLsn(replica.replayLsn) : undefined;
    if (primary?.currentLsn && replayed !== undefined) lag.bytes = Math.max(0, parseLsn(primary.currentLsn) - replayed);
    if (primary?.lastFailedAt && (!primary.lastArchivedAt || Date.parse(primary.lastFailedAt) > Date.parse(primary.lastArchivedAt))) lag.archiveFailing = true;
    if (primary?.lastArchivedWal && replayed !== undefined) {
        const archived = walFileSegment(primary.lastArchivedWal, primary.walSegmentBytes);
        if (archived !== undefined) lag.replayedAllArchived = Math.floor(replayed / primary.walSegmentBytes) >= archived;
    }
    if (lag.bytes === 0) lag.seconds = 0;
    else if (replica.lastReplayAt) lag.seconds = Math.max(0, (Date.parse(replica.now) - Date.parse(replica.lastReplayAt)) / 1000);
    return lag;
}

export function describeBytes(bytes: number): string {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
    if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
    return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

// ---------------------------------------------------------------- tokens

/** The decoded content of a demotion/promotion token (base64 JSON from pg_controldata). */
export interface TokenContent {
    timeline: string;
    redoWalFile: string;
    redoLocation: string;
    systemIdentifier: string;
    checkpointAt?: string;
}

/** Decodes a token as CloudNativePG's webhook does; throws naming what is missing. */
export function decodeToken(token: string): TokenContent {
    let content: Record<string, unknown>;
    try {
        content = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as Record<string, unknown>;
    } catch {
        throw new Error("the demotion token is not base64-encoded JSON");
    }
    const field = (key: string) => (typeof content[key] === "string" ? (content[key] as string) : "");
    const decoded: TokenContent = {
        timeline: field("latestCheckpointTimelineID"),
        redoWalFile: field("redoWalFile"),
        redoLocation: field("latestCheckpointREDOLocation"),
        systemIdentifier: field("databaseSystemIdentifier"),
    };
    const missing = Object.entries(decoded).filter(([, v]) => v === "").map(([k]) => k);
    if (missing.length) throw new Error(`the demotion token lacks ${missing.join(", ")}`);
    if (field("timeOfLatestCheckpoint")) decoded.checkpointAt = field("timeOfLatestCheckpoint");
    return decoded;
}
