/**
 * A fake CloudNativePG on two clusters that behaves like the operator in the
 * ways the drill depends on:
 *   - setting replica.primary to the other Cluster on a primary demotes it: it
 *     stops taking writes and publishes status.demotionToken a few polls later;
 *   - setting replica.primary to itself on a replica promotes it, waiting for
 *     the token when one is given; it accepts writes a few probes later, on a
 *     new timeline;
 *   - the fence annotation stops the instances;
 *   - field ownership of replica.primary is tracked per manager, the drill's
 *     server-side apply releases what its intent omits, and Pulumi's `up`
 *     (wired through World.onUp) applies replica.primary as "pulumi-kubernetes-…".
 * Every change is logged to `calls` as "cnpg: …" so tests can assert the order.
 */
import { CloudName } from "../../components/cluster/contract";
import { BARMAN_PLUGIN, CLUSTER_RESOURCE_TYPE, ClusterIntent, CnpgCluster, DatabaseApi, FIELD_MANAGER, InstanceState, KubeTarget } from "../../commands/drill/database";
import { clusterIntentManifest } from "../../commands/drill/live-cnpg";
import { validateFields } from "../support/field-validation";
import { registeredFieldList, typeToApiVersionKind, gvk } from "../support/k8s-schema";
import { modelFields } from "../support/model-fields";
import { DrBudget, computeDrBudget } from "../../stacks/config/dr-budget";
import { databaseNamesFor, serverNameOf } from "../../components/database/names";
import { BUDGET, FakeClock, OUTPUTS, T0, World, WorldOptions, world } from "./fakes";

/** A namespace other than the default, so the names below are seen to follow it. */
export const NAMESPACE = "finplat-db";
export const PULUMI_MANAGER = "pulumi-kubernetes-5f3a9c1e";
const SEGMENT = 16 * 1024 * 1024;

/** Archive locations in the program's format (components/database/object-store.ts destinationPath). */
export const FAKE_ARCHIVES: Record<CloudName, string> = {
    aws: "s3://pair-aws-pg-archive-5e1c07a2/",
    azure: "https://pairazurebk5e1c07a2.blob.core.windows.net/pg-archive/",
};

/**
 * One side of the `database` stack output, named exactly as the program names it
 * (components/database/names.ts); tests/drill/contract.test.ts checks its shape
 * against a real evaluation of the prod stack.
 */
function databaseSide(cloud: CloudName, role: "primary" | "replica", instances: number, identity: { serviceAccountAnnotations: Record<string, string>; podLabels: Record<string, string> }) {
    const names = databaseNamesFor(cloud, NAMESPACE);
    return {
        name: names.clusterName,
        role,
        instances,
        rwService: names.rwService,
        archive: FAKE_ARCHIVES[cloud],
        serverName: names.serverName,
        objectStore: names.objectStore,
        peerObjectStore: databaseNamesFor(cloud === "aws" ? "azure" : "aws", NAMESPACE).objectStore,
        restore: { ...names.restore, ...identity },
    };
}

export const DATABASE_OUTPUT = {
    primaryCloud: "aws",
    namespace: NAMESPACE,
    clusters: {
        aws: databaseSide("aws", "primary", 3, {
            serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/pair-aws-database-pitr-irsa-4650416" },
            podLabels: {},
        }),
        azure: databaseSide("azure", "replica", 2, {
            serviceAccountAnnotations: { "azure.workload.identity/client-id": "3f1c2a4b-9d7e-4c1a-8b2f-6e5d4c3b2a19" },
            podLabels: { "azure.workload.identity/use": "true" },
        }),
    },
};

export const DB_OUTPUTS = { ...OUTPUTS, database: DATABASE_OUTPUT };

/** The drill's budget with a database: archive_timeout 60 s + 5 s upload allowance = a 65 s database RPO; 270 s to service restored. */
export const DB_BUDGET: DrBudget & { databaseRpoSeconds: number } = computeDrBudget({ ...BUDGET.inputs, archiveTimeoutSeconds: 60, archiveUploadAllowanceSeconds: 5 }) as DrBudget & { databaseRpoSeconds: number };

/**
 * What the pinned CloudNativePG Cluster CRD (tests/crd-fields) finds wrong in an object the drill
 * applies server-side: a partial Cluster, so nothing in it is required, but every field it sets
 * must exist there with its type. [] when it is valid.
 */
export function clusterApplyErrors(manifest: object): string[] {
    const { apiVersion, kind } = typeToApiVersionKind(CLUSTER_RESOURCE_TYPE)!;
    const root = registeredFieldList(gvk(apiVersion, kind));
    if (!root) throw new Error(`no field list registered for ${CLUSTER_RESOURCE_TYPE}`);
    const objectMeta = modelFields({ specifier: "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta", kind: "ObjectMeta" });
    return validateFields({ ...root, partial: true }, manifest, { objectMeta });
}

/** A token as CloudNativePG encodes it: base64 of pg_controldata facts. */
export function demotionToken(timeline: number, redo: string): string {
    return Buffer.from(
        JSON.stringify({
            latestCheckpointTimelineID: String(timeline),
            redoWalFile: `0000000${timeline}000000000000000${redo.slice(2, 3)}`,
            databaseSystemIdentifier: "7412345678901234567",
            latestCheckpointREDOLocation: redo,
            timeOfLatestCheckpoint: "Sat Mar  1 10:00:12 2025",
            operatorVersion: "1.30.0",
        }),
    ).toString("base64");
}

interface Side {
    cluster?: CnpgCluster;
    state: InstanceState;
    reachable: boolean;
    /** The instance does not answer SQL (crashed) although the API does. */
    sqlDown?: boolean;
    demoting?: { pollsLeft: number };
    /** Re-created by Pulumi after a re-seed: healthy after this many polls. */
    reseeding?: { pollsLeft: number };
    promoting?: { probesLeft: number; token?: string };
    writable: boolean;
    /** The drill owns these ClusterIntent fields. */
    drillOwns: ClusterIntent;
}

export interface FakeCnpgOptions {
    /** getCluster polls on the old primary after the demotion until the token shows (default 3). */
    tokenAfterPolls?: number;
    /** probeWrite calls after the promotion until the new primary is writable (default 4). */
    writableAfterProbes?: number;
    /** The replica's replay position and its newest replayed commit (seconds before T0). */
    replayLsn?: string;
    replayAgeSeconds?: number;
    /** The primary's current position and its last archived WAL file. */
    primaryLsn?: string;
    lastArchivedWal?: string;
    /** The primary's last archive failure, seconds before T0 (after its last success: failing). */
    archiveFailedSecondsAgo?: number;
    unreachable?: CloudName[];
    /** The old primary's instance does not answer SQL. */
    sqlDown?: CloudName[];
    /** Start state (default: aws primary, azure replica on timeline 1). */
    primary?: CloudName;
    /** A failover happened before: the old primary is fenced on its own timeline. */
    diverged?: boolean;
    /** The re-created Cluster needs this many polls until it replays (default 2). */
    reseedPolls?: number;
    /** A stale promotion token in the old primary's spec. */
    staleTokenOn?: CloudName;
}

export class FakeCnpg implements DatabaseApi {
    readonly sides: Record<CloudName, Side>;
    readonly created: { target: KubeTarget; manifest: Record<string, any> }[] = [];
    readonly deleted: string[] = [];
    /** Clusters in other namespaces (PITR slots), by "<cloud>/<namespace>/<name>". */
    readonly extra = new Map<string, { cluster: CnpgCluster; pollsLeft: number; pvcs: number }>();

    constructor(
        private readonly calls: string[],
        private readonly clock: FakeClock,
        private readonly o: FakeCnpgOptions = {},
    ) {
        const primary = o.primary ?? "aws";
        const replica: CloudName = primary === "aws" ? "azure" : "aws";
        const name = (cloud: CloudName) => DATABASE_OUTPUT.clusters[cloud].name;
        const cluster = (cloud: CloudName, timeline: number): CnpgCluster => ({
            name: name(cloud),
            namespace: NAMESPACE,
            replica: { primary: name(primary), source: name(cloud === "aws" ? "azure" : "aws"), self: name(cloud) },
            fencedInstances: [],
            primaryOwners: [PULUMI_MANAGER],
            phase: "Cluster in healthy state",
            currentPrimary: `${name(cloud)}-1`,
            timelineID: timeline,
            instances: DATABASE_OUTPUT.clusters[cloud].instances,
            readyInstances: DATABASE_OUTPUT.clusters[cloud].instances,
            spec: {
                instances: DATABASE_OUTPUT.clusters[cloud].instances,
                imageName: "ghcr.io/cloudnative-pg/postgresql:17.5-standard-bookworm",
                postgresql: { parameters: { max_connections: "400", archive_timeout: "60s" } },
                storage: { size: "100Gi" },
                resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } },
                bootstrap: { initdb: { database: "ledger", owner: "ledger" } },
                plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: DATABASE_OUTPUT.clusters[cloud].objectStore, serverName: DATABASE_OUTPUT.clusters[cloud].serverName } }],
            },
        });
        const now = new Date(T0).toISOString();
        const diverged = o.diverged ?? false;
        this.sides = {
            [primary]: {
                cluster: cluster(primary, diverged ? 2 : 1),
                state: {
                    pod: `${name(primary)}-1`,
                    inRecovery: false,
                    currentLsn: o.primaryLsn ?? "0/5000100",
                    now,
                    lastArchivedWal: o.lastArchivedWal ?? "000000010000000000000004",
                    lastArchivedAt: new Date(T0 - 30_000).toISOString(),
                    ...(o.archiveFailedSecondsAgo !== undefined ? { lastFailedAt: new Date(T0 - o.archiveFailedSecondsAgo * 1000).toISOString(), lastArchivedAt: new Date(T0 - 900_000).toISOString() } : {}),
                    walSegmentBytes: SEGMENT,
                },
                reachable: true,
                writable: true,
                drillOwns: {},
            },
            [replica]: {
                cluster: cluster(replica, 1),
                state: {
                    pod: `${name(replica)}-1`,
                    inRecovery: !diverged,
                    ...(diverged ? { currentLsn: "0/6000000" } : { replayLsn: o.replayLsn ?? "0/4FFFFD8", lastReplayAt: new Date(T0 - (o.replayAgeSeconds ?? 20) * 1000).toISOString() }),
                    now,
                    walSegmentBytes: SEGMENT,
                },
                reachable: true,
                writable: diverged,
                drillOwns: {},
            },
        } as Record<CloudName, Side>;
        if (diverged) {
            // The old primary kept its own timeline, fenced by the failover drill; the replica.primary Pulumi applied names the new primary.
            this.sides[replica].cluster!.fencedInstances = ["*"];
            this.sides[primary].cluster!.reseedRequired = name(replica);
            this.sides[primary].drillOwns = { reseedRequired: name(replica) };
        }
        if (o.staleTokenOn) this.sides[o.staleTokenOn].cluster!.replica!.promotionToken = demotionToken(1, "0/3000028");
        for (const cloud of o.unreachable ?? []) this.sides[cloud].reachable = false;
        for (const cloud of o.sqlDown ?? []) this.sides[cloud].sqlDown = true;
    }

    private side(target: KubeTarget): Side {
        const side = this.sides[target.cloud];
        if (!side.reachable) throw new Error("Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout");
        return side;
    }

    private log(line: string): void {
        this.calls.push(`cnpg: ${line}`);
    }

    private copy(cluster: CnpgCluster): CnpgCluster {
        return JSON.parse(JSON.stringify(cluster)) as CnpgCluster;
    }

    /** Pulumi's up: applies replica.primary = the active side's name on every reachable side (wired to World.onUp). */
    pulumiApplies(active: CloudName): void {
        for (const cloud of ["aws", "azure"] as CloudName[]) {
            const side = this.sides[cloud];
            if (!side.reachable || !side.cluster) continue;
            const want = DATABASE_OUTPUT.clusters[active].name;
            if (side.cluster.replica!.primary !== want && side.cluster.primaryOwners.includes(FIELD_MANAGER)) {
                throw new Error(`Apply failed with 1 conflict: conflict with "${FIELD_MANAGER}": .spec.replica.primary`);
            }
            side.cluster.replica!.primary = want;
            side.cluster.primaryOwners = [...new Set([...side.cluster.primaryOwners, PULUMI_MANAGER])];
            this.log(`${cloud} Pulumi applied replica.primary=${want}`);
        }
    }

    async getCluster(target: KubeTarget, name: string): Promise<CnpgCluster | undefined> {
        this.calls.push(`db.getCluster ${target.cloud} ${target.namespace}/${name}`);
        const side = this.side(target);
        if (target.namespace !== NAMESPACE) {
            const entry = this.extra.get(`${target.cloud}/${target.namespace}/${name}`);
            if (!entry) return undefined;
            if (entry.pollsLeft > 0 && --entry.pollsLeft === 0) {
                entry.cluster.phase = "Cluster in healthy state";
                entry.cluster.currentPrimary = `${name}-1`;
                entry.cluster.readyInstances = 1;
            }
            return this.copy(entry.cluster);
        }
        if (!side.cluster) return undefined;
        if (side.reseeding && side.reseeding.pollsLeft > 0 && --side.reseeding.pollsLeft === 0) {
            side.cluster.phase = "Cluster in healthy state";
            this.log(`${target.cloud} ${name} replays the primary's WAL`);
        }
        if (side.demoting && side.demoting.pollsLeft > 0 && --side.demoting.pollsLeft === 0) {
            side.cluster.demotionToken = demotionToken(side.cluster.timelineID ?? 1, "0/5000128");
            this.log(`${target.cloud} ${name} published status.demotionToken`);
        }
        return this.copy(side.cluster);
    }

    async applyIntent(target: KubeTarget, name: string, intent: ClusterIntent): Promise<void> {
        this.calls.push(`db.applyIntent ${target.cloud} ${name} ${JSON.stringify(intent)}`);
        // What kubectl would send: every field the drill sets must be in the pinned CRD.
        const invalid = clusterApplyErrors(clusterIntentManifest(name, target.namespace, intent));
        if (invalid.length) throw new Error(`the API server would reject the drill's apply of ${name}: ${invalid.join("; ")}`);
        const side = this.side(target);
        const cluster = side.cluster!;
        const self = cluster.name;
        // What the drill owned and no longer mentions is released: removed when no one else owns it.
        if (side.drillOwns.primary !== undefined && intent.primary === undefined) {
            cluster.primaryOwners = cluster.primaryOwners.filter((m) => m !== FIELD_MANAGER);
            if (!cluster.primaryOwners.length) delete cluster.replica!.primary;
        }
        if (side.drillOwns.promotionToken !== undefined && intent.promotionToken === undefined) delete cluster.replica!.promotionToken;
        const wasFenced = cluster.fencedInstances.includes("*");
        if (side.drillOwns.fenced && !intent.fenced) cluster.fencedInstances = [];
        if (side.drillOwns.reseedRequired !== undefined && intent.reseedRequired === undefined) delete cluster.reseedRequired;
        if (intent.reseedRequired !== undefined) cluster.reseedRequired = intent.reseedRequired;
        side.drillOwns = { ...intent };
        if (intent.fenced && !wasFenced) {
            cluster.fencedInstances = ["*"];
            side.writable = false;
            side.sqlDown = true;
            this.log(`${target.cloud} ${self} fenced`);
        }
        if (intent.primary !== undefined) {
            if (cluster.replica!.primary !== intent.primary || !cluster.primaryOwners.includes(FIELD_MANAGER)) {
                cluster.primaryOwners = [FIELD_MANAGER]; // --force-conflicts takes the field
            }
            if (intent.promotionToken !== undefined && intent.primary !== self) throw new Error('admission webhook denied: promotionToken is only allowed for primary clusters');
            if (cluster.replica!.promotionToken && intent.primary !== self) throw new Error('admission webhook denied: spec.replicaCluster.token: promotionToken is only allowed for primary clusters');
            const wasPrimary = cluster.replica!.primary === self;
            cluster.replica!.primary = intent.primary;
            if (wasPrimary && intent.primary !== self) {
                side.writable = false;
                side.state = { ...side.state, inRecovery: true };
                side.demoting = { pollsLeft: this.o.tokenAfterPolls ?? 3 };
                this.log(`${target.cloud} ${self} demoted (replica.primary=${intent.primary})`);
            }
            if (!wasPrimary && intent.primary === self) {
                if (intent.promotionToken !== undefined) cluster.replica!.promotionToken = intent.promotionToken;
                side.promoting = { probesLeft: this.o.writableAfterProbes ?? 4, token: intent.promotionToken };
                this.log(`${target.cloud} ${self} promoting ${intent.promotionToken ? "with the demotion token" : "without a token"}`);
            }
        }
    }

    async removePromotionToken(target: KubeTarget, name: string): Promise<void> {
        this.calls.push(`db.removePromotionToken ${target.cloud} ${name}`);
        delete this.side(target).cluster!.replica!.promotionToken;
    }

    async instanceState(target: KubeTarget, pod: string): Promise<InstanceState> {
        this.calls.push(`db.instanceState ${target.cloud} ${pod}`);
        const side = this.side(target);
        if (target.namespace !== NAMESPACE) throw new Error("no such pod");
        if (side.sqlDown) throw new Error(`error: unable to upgrade connection: container not found ("postgres")`);
        return { ...side.state, now: new Date(this.clock.now()).toISOString() };
    }

    async probeWrite(target: KubeTarget, pod: string): Promise<void> {
        this.calls.push(`db.probeWrite ${target.cloud} ${pod}`);
        const side = this.side(target);
        if (side.promoting && side.promoting.probesLeft > 0 && --side.promoting.probesLeft === 0) {
            const cluster = side.cluster!;
            side.writable = true;
            side.state = { ...side.state, inRecovery: false, currentLsn: "0/6000060" };
            cluster.timelineID = (cluster.timelineID ?? 1) + 1;
            if (side.promoting.token) cluster.lastPromotionToken = side.promoting.token;
            side.promoting = undefined;
            this.log(`${target.cloud} ${cluster.name} accepts writes`);
        }
        if (!side.writable) throw new Error("ERROR:  cannot assign TransactionIds during recovery");
    }

    async deleteCluster(target: KubeTarget, name: string): Promise<void> {
        this.calls.push(`db.deleteCluster ${target.cloud} ${target.namespace}/${name}`);
        this.side(target);
        if (target.namespace !== NAMESPACE) {
            this.extra.delete(`${target.cloud}/${target.namespace}/${name}`);
            this.log(`${target.cloud} ${target.namespace}/${name} deleted`);
            return;
        }
        this.sides[target.cloud].cluster = undefined;
        this.deleted.push(`${target.cloud}/${name}`);
        this.log(`${target.cloud} ${name} deleted`);
    }

    async listPvcs(target: KubeTarget, clusterName: string): Promise<string[]> {
        this.calls.push(`db.listPvcs ${target.cloud} ${target.namespace}/${clusterName}`);
        this.side(target);
        const entry = this.extra.get(`${target.cloud}/${target.namespace}/${clusterName}`);
        if (entry) return [`${clusterName}-1`];
        return [];
    }

    async createCluster(target: KubeTarget, manifest: object): Promise<void> {
        const m = manifest as { metadata: { name: string; namespace: string } };
        this.calls.push(`db.createCluster ${target.cloud} ${m.metadata.namespace}/${m.metadata.name}`);
        this.side(target);
        const key = `${target.cloud}/${m.metadata.namespace}/${m.metadata.name}`;
        if (this.extra.has(key)) throw new Error(`Error from server (AlreadyExists): clusters.postgresql.cnpg.io "${m.metadata.name}" already exists`);
        this.created.push({ target, manifest: manifest as Record<string, any> });
        this.extra.set(key, {
            cluster: { name: m.metadata.name, namespace: m.metadata.namespace, fencedInstances: [], primaryOwners: [], phase: "Setting up primary", spec: {} },
            pollsLeft: 4,
            pvcs: 1,
        });
        this.log(`${target.cloud} ${m.metadata.namespace}/${m.metadata.name} created`);
    }

    /** Answers for `query`, by SQL prefix. */
    readonly answers: { match: RegExp; output: string | Error }[] = [];

    async query(target: KubeTarget, pod: string, database: string, sql: string): Promise<string> {
        this.calls.push(`db.query ${target.cloud} ${pod} ${database} ${sql.slice(0, 40)}`);
        this.side(target);
        const answer = this.answers.find((a) => a.match.test(sql));
        if (!answer) throw new Error(`no fake answer for ${sql}`);
        if (answer.output instanceof Error) throw answer.output;
        return answer.output;
    }

    /** Pulumi's up after a re-seed: the Cluster comes back as a replica of `active`, replaying after a few polls. */
    pulumiRecreates(stale: CloudName, active: CloudName, archiveGeneration = 1): void {
        const side = this.sides[stale];
        if (side.cluster || !side.reachable) return;
        const name = DATABASE_OUTPUT.clusters[stale].name;
        const timeline = this.sides[active].cluster?.timelineID ?? 2;
        const polls = this.o.reseedPolls ?? 2;
        const cluster: CnpgCluster = {
            name,
            namespace: NAMESPACE,
            replica: { primary: DATABASE_OUTPUT.clusters[active].name, source: DATABASE_OUTPUT.clusters[active].name, self: name },
            fencedInstances: [],
            primaryOwners: [PULUMI_MANAGER],
            phase: polls > 0 ? "Setting up primary" : "Cluster in healthy state",
            currentPrimary: `${name}-1`,
            timelineID: timeline,
            spec: { plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: DATABASE_OUTPUT.clusters[stale].objectStore, serverName: serverNameOf(stale, archiveGeneration) } }] },
        };
        side.cluster = cluster;
        side.sqlDown = false;
        side.writable = false;
        side.state = { pod: `${name}-1`, inRecovery: true, replayLsn: "0/6000100", lastReplayAt: new Date(this.clock.now() - 5000).toISOString(), now: "", walSegmentBytes: SEGMENT };
        side.reseeding = { pollsLeft: polls };
        this.log(`${stale} ${name} re-created by Pulumi as a replica of ${DATABASE_OUTPUT.clusters[active].name}`);
    }
}

export interface DbWorld extends World {
    cnpg: FakeCnpg;
}

/** A drill world with the database: Pulumi's up applies replica.primary (and re-creates a deleted Cluster). */
export function dbWorld(options: WorldOptions & FakeCnpgOptions = {}): DbWorld {
    const base = world({ outputs: { ...DB_OUTPUTS, database: { ...DATABASE_OUTPUT, primaryCloud: options.active ?? "aws", clusters: roles(options.active ?? "aws") } }, ...options });
    const cnpg = new FakeCnpg(base.calls, base.clock, { primary: options.active ?? "aws", ...options });
    const state = base as DbWorld;
    state.cnpg = cnpg;
    state.deps = { ...base.deps, database: cnpg };
    state.onUp = () => {
        const other: CloudName = state.active === "aws" ? "azure" : "aws";
        cnpg.pulumiRecreates(other, state.active, state.archiveGeneration[other]);
        cnpg.pulumiApplies(state.active);
    };
    return state;
}

function roles(primary: CloudName) {
    const other: CloudName = primary === "aws" ? "azure" : "aws";
    return {
        [primary]: { ...DATABASE_OUTPUT.clusters[primary], role: "primary" },
        [other]: { ...DATABASE_OUTPUT.clusters[other], role: "replica" },
    } as typeof DATABASE_OUTPUT.clusters;
}
