/**
 * Failback's first half: re-seeding the old primary as a replica.
 *
 * After a failover without a token the new primary runs on a new timeline and
 * the old one holds transactions that never reached it: CloudNativePG cannot
 * make it follow ("Replica clusters": a former primary must be re-cloned). The
 * drill fences the stale copy, deletes its Cluster (CloudNativePG owns its
 * PVCs, which go with it; its archive stays in the object store, with the
 * diverged transactions, for reconciliation), refreshes that one resource in
 * the Pulumi state, and lets `pulumi up` (with a saved plan) create it again
 * from the program: the passive side's Cluster, bootstrapped from the active
 * side's archive and replaying its WAL. Then it waits until the copy is a
 * replica that has caught up with the active side's archive, and clears the
 * mark the failover left on the active primary.
 *
 * Whether a re-seed is needed: the failover marked the promoted primary
 * (RESEED_ANNOTATION), fenced the old one when it could, and an old primary
 * out of recovery still acts as one. CloudNativePG's status.timelineID cannot
 * tell: a replica cluster keeps the timeline of its last time as a primary.
 * A planned switchover leaves the old primary a healthy replica: no re-seed.
 */
import { CloudName } from "../../components/cluster/contract";
import { serverNameOf } from "../../components/database/names";
import {
    CLUSTER_RESOURCE_TYPE,
    CnpgCluster,
    DatabaseApi,
    DatabaseTopology,
    FENCING_ANNOTATION,
    FIELD_MANAGER,
    HEALTHY_PHASE,
    KubeTarget,
    RESEED_ANNOTATION,
    describePhase,
    kubeTarget,
    replicaLag,
    waitVolumesGone,
} from "./database";
import { PollOptions, StepSkipped, pollUntil } from "./steps";

export interface ReseedFacts {
    cloud: CloudName;
    cluster: string;
    needed: boolean;
    reasons: string[];
    /** The URN of the Cluster in the Pulumi state (refreshed, then re-created by up). */
    urn?: string;
    /** database.archive.generation of the re-seeded side: `changed` false when an earlier run already moved it. */
    archiveGeneration?: { from: number; to: number; serverName: string; changed: boolean };
}

export interface ReseedStack {
    findResource(type: string, name: string, namespace: string): Promise<string | undefined>;
    refresh(urns: string[]): Promise<void>;
    getArchiveGeneration(cloud: CloudName): Promise<number>;
    setArchiveGeneration(cloud: CloudName, generation: number): Promise<void>;
}

export interface ReseedOptions {
    api: DatabaseApi;
    stack: ReseedStack;
    topology: DatabaseTopology;
    kubeconfigs: Partial<Record<CloudName, string>>;
    /** The side that is primary now. */
    active: CloudName;
    /** The old primary, to re-seed. */
    stale: CloudName;
    poll: PollOptions;
}

export class Reseed {
    readonly facts: ReseedFacts;
    private existing?: CnpgCluster;

    constructor(private readonly o: ReseedOptions) {
        this.facts = { cloud: o.stale, cluster: o.topology.clusters[o.stale].name, needed: false, reasons: [] };
    }

    private target(cloud: CloudName): KubeTarget {
        return kubeTarget(this.o.kubeconfigs, cloud, this.o.topology.namespace);
    }

    private get name(): string {
        return this.facts.cluster;
    }

    private notNeeded(): void {
        if (!this.facts.needed) throw new StepSkipped("not needed: the old primary follows the new one");
    }

    /** Decides whether the old primary must be re-seeded, and says why. */
    async assess(): Promise<string> {
        const { api, active, stale, topology } = this.o;
        const activeName = topology.clusters[active].name;
        let current: CnpgCluster | undefined;
        try {
            current = await api.getCluster(this.target(stale), this.name);
        } catch (err) {
            throw new Error(`the ${stale} cluster's API does not answer (${(err as Error).message}): a failback needs it back`);
        }
        const primary = await api.getCluster(this.target(active), activeName);
        if (!primary) throw new Error(`the ${active} Cluster ${activeName} does not exist: nothing to fail back from`);
        const reasons: string[] = [];
        if (primary.reseedRequired === this.name) reasons.push(`the ${active} primary ${activeName} was promoted without a token (${RESEED_ANNOTATION}: ${this.name}): ${this.name} diverged`);
        if (!current) {
            reasons.push(`the ${stale} Cluster ${this.name} does not exist (an earlier re-seed deleted it)`);
        } else {
            this.existing = current;
            if (current.fencedInstances.length) reasons.push(`it is fenced (${FENCING_ANNOTATION}: ${JSON.stringify(current.fencedInstances)})`);
            if (!current.fencedInstances.length && current.currentPrimary) {
                const state = await api.instanceState(this.target(stale), current.currentPrimary).catch(() => undefined);
                if (state && !state.inRecovery) reasons.push(`${state.pod} is not in recovery: it still acts as a primary`);
            }
        }
        this.facts.needed = reasons.length > 0;
        this.facts.reasons = reasons;
        if (!this.facts.needed) return `${this.name} on ${stale} is a replica of the ${active} primary and nothing marks it diverged: no re-seed needed`;
        return `${this.name} on ${stale} must be re-seeded: ${reasons.join("; ")}`;
    }

    /** Fences the stale copy so it takes no write while it is replaced. */
    async fence(): Promise<string> {
        this.notNeeded();
        if (!this.existing) throw new StepSkipped("the Cluster does not exist");
        if (this.existing.fencedInstances.includes("*")) throw new StepSkipped(`already fenced (${JSON.stringify(this.existing.fencedInstances)})`);
        await this.o.api.applyIntent(this.target(this.o.stale), this.name, { fenced: true });
        return `${this.name} fenced (${FENCING_ANNOTATION}: ["*"])`;
    }

    /** Deletes the stale Cluster and waits until its PVCs are gone. Its archive stays in the object store. */
    async deleteStale(): Promise<string> {
        this.notNeeded();
        const target = this.target(this.o.stale);
        if (this.existing) await this.o.api.deleteCluster(target, this.name);
        const detail = await waitVolumesGone(this.o.api, target, this.name, this.o.poll);
        return `${this.existing ? "deleted" : "already gone:"} Cluster ${this.o.topology.namespace}/${this.name} on ${this.o.stale}; ${detail}; its archive (${this.o.topology.clusters[this.o.stale].archive}) is kept`;
    }

    /** Refreshes the deleted Cluster in the Pulumi state, so the next up creates it. */
    async refreshState(): Promise<string> {
        this.notNeeded();
        const urn = await this.o.stack.findResource(CLUSTER_RESOURCE_TYPE, this.name, this.o.topology.namespace);
        if (!urn) throw new StepSkipped(`no ${CLUSTER_RESOURCE_TYPE} named ${this.name} in the Pulumi state: the next up creates it`);
        this.facts.urn = urn;
        await this.o.stack.refresh([urn]);
        return `pulumi refresh --target ${urn}: the state no longer holds the deleted Cluster`;
    }

    /**
     * Moves the re-created Cluster to its next archive generation (database.archive.generation in
     * the stack config): it bootstraps from the peer's archive and then archives under a new, empty
     * server folder, because the old one holds the diverged timeline and the Barman Cloud plugin
     * refuses a non-empty destination ("Expected empty archive"). The old folder stays for
     * reconciliation. When the config is already past the deployed generation (an earlier run
     * bumped it, its `up` did not happen), it stays.
     */
    async nextArchiveGeneration(): Promise<string> {
        this.notNeeded();
        const { stack, stale, topology } = this.o;
        const deployed = topology.clusters[stale].serverName;
        const configured = await stack.getArchiveGeneration(stale);
        const key = `database.archive.generation.${stale}`;
        if (serverNameOf(stale, configured) !== deployed) {
            this.facts.archiveGeneration = { from: configured, to: configured, serverName: serverNameOf(stale, configured), changed: false };
            return `${key} is already ${configured} (server ${serverNameOf(stale, configured)}), past the deployed ${deployed}: kept`;
        }
        const next = configured + 1;
        await stack.setArchiveGeneration(stale, next);
        const serverName = serverNameOf(stale, next);
        this.facts.archiveGeneration = { from: configured, to: next, serverName, changed: true };
        return `${key} ${configured} → ${next}: ${this.name} archives under ${serverName}; ${deployed} keeps the diverged WAL`;
    }

    /**
     * Waits until the re-created Cluster is healthy and its designated primary has
     * replayed every segment the active primary archived, then clears the mark on
     * the active primary (the drill's annotation: an empty server-side apply).
     */
    async waitReplica(): Promise<string> {
        this.notNeeded();
        const { api, active, stale, topology } = this.o;
        const activeName = topology.clusters[active].name;
        const detail = await pollUntil(this.o.poll, `${this.name} on ${stale} to catch up with the ${active} primary's archive`, async () => {
            const copy = await api.getCluster(this.target(stale), this.name);
            if (!copy) return { done: false, last: `${this.name} does not exist yet` };
            const phase = describePhase(copy);
            if (copy.phase !== HEALTHY_PHASE || !copy.currentPrimary) return { done: false, last: `${this.name} is not ready (${phase})` };
            const primary = await api.getCluster(this.target(active), activeName);
            const [state, primaryState] = [
                await api.instanceState(this.target(stale), copy.currentPrimary),
                primary?.currentPrimary ? await api.instanceState(this.target(active), primary.currentPrimary) : undefined,
            ];
            if (!state.inRecovery) return { done: false, last: `${state.pod} is not in recovery: it is not a replica (${phase})` };
            const lag = replicaLag(primaryState, state);
            if (!(lag.bytes === 0 || lag.replayedAllArchived)) return { done: false, last: `${state.pod} replayed up to ${state.replayLsn ?? "nothing yet"}, the primary is at ${primaryState?.currentLsn ?? "?"}` };
            return { done: true, last: `${state.pod} replays the ${active} primary's WAL (up to ${state.replayLsn ?? "?"}: caught up with the archive)` };
        });
        const primary = await api.getCluster(this.target(active), activeName);
        if (primary?.reseedRequired === this.name) {
            // Release the mark; keep replica.primary if the drill still owns it alone (a hand-over that did not happen).
            const alone = primary.primaryOwners.includes(FIELD_MANAGER) && primary.primaryOwners.every((m) => m === FIELD_MANAGER);
            await api.applyIntent(this.target(active), activeName, alone && primary.replica?.primary ? { primary: primary.replica.primary } : {});
            return `${detail}; cleared ${RESEED_ANNOTATION} on ${activeName}`;
        }
        return detail;
    }
}
