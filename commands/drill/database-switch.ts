/**
 * The database steps of a drill, after CloudNativePG 1.30's distributed
 * topology ("Replica clusters": demotion and promotion tokens; "Fencing"):
 *
 *   switchover (planned)  lag pre-check → demote the old primary (replica.primary
 *                         names the new one) → wait for its status.demotionToken →
 *                         set replica.primary + replica.promotionToken on the new
 *                         primary together → wait until it commits a write
 *   failover (disaster)   fence the old side if its API answers → set
 *                         replica.primary on the replica without a token →
 *                         wait until it commits a write → data-loss window from
 *                         the last transaction it replayed
 *   both, after `pulumi up`: hand replica.primary back to Pulumi alone.
 *
 * Each method is the body of one report step: it returns the step's detail and
 * keeps what it learned in `facts` for the report.
 */
import { CloudName } from "../../components/cluster/contract";
import {
    CnpgCluster,
    DatabaseApi,
    DatabaseTopology,
    FENCING_ANNOTATION,
    FIELD_MANAGER,
    InstanceState,
    KubeTarget,
    RESEED_ANNOTATION,
    ReplicaLag,
    TokenContent,
    decodeToken,
    describeBytes,
    describePhase,
    kubeTarget,
    parseLsn,
    replicaLag,
} from "./database";
import { CheckFailure, PollOptions, StepOutcome, StepSkipped, pollUntil } from "./steps";

/** What the report says about the database. */
export interface DatabaseFacts {
    namespace: string;
    from: { cloud: CloudName; cluster: string };
    to: { cloud: CloudName; cluster: string };
    /** Planned: the replica's lag at the pre-check. */
    lag?: ReplicaLag & { budgetSeconds?: number; withinBudget?: boolean };
    /** Planned: the decoded demotion token the new primary was promoted with. */
    demotionToken?: TokenContent;
    promotedWithToken?: boolean;
    /** Disaster: whether the old side was fenced, and why not. */
    fencing?: { fenced: boolean; detail: string };
    /** Disaster: what the promotion may have lost. */
    dataLoss?: {
        /** Commit time of the last transaction the new primary replayed. */
        lastReplayedAt?: string;
        /** From that commit to the promotion: an upper bound of the lost transactions' span. */
        windowSeconds?: number;
        /** WAL the old primary had written beyond what the new one replayed (when the old side answered before fencing). */
        bytes?: number;
        budgetSeconds?: number;
        withinBudget?: boolean;
    };
    /** After up: what the drill released to Pulumi. */
    handOver?: string[];
}

export interface DatabaseSwitchOptions {
    api: DatabaseApi;
    topology: DatabaseTopology;
    kubeconfigs: Partial<Record<CloudName, string>>;
    from: CloudName;
    to: CloudName;
    poll: PollOptions;
    /** The database RPO budget (seconds), when the stack exports one. */
    rpoSeconds?: number;
    clock: { now(): number };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export class DatabaseSwitch {
    readonly facts: DatabaseFacts;
    private token?: string;
    private previousDemotionToken?: string;
    private oldPrimary?: InstanceState;
    private beforePromotion?: InstanceState;
    private promotionStartedMs?: number;

    constructor(private readonly o: DatabaseSwitchOptions) {
        this.facts = {
            namespace: o.topology.namespace,
            from: { cloud: o.from, cluster: this.clusterName(o.from) },
            to: { cloud: o.to, cluster: this.clusterName(o.to) },
        };
    }

    clusterName(cloud: CloudName): string {
        return this.o.topology.clusters[cloud].name;
    }

    target(cloud: CloudName): KubeTarget {
        return kubeTarget(this.o.kubeconfigs, cloud, this.o.topology.namespace);
    }

    private describe(cloud: CloudName): string {
        return `${cloud} Cluster ${this.o.topology.namespace}/${this.clusterName(cloud)}`;
    }

    /** The Cluster; a missing one or a silent API is an error naming the side. */
    async cluster(cloud: CloudName): Promise<CnpgCluster> {
        let cluster: CnpgCluster | undefined;
        try {
            cluster = await this.o.api.getCluster(this.target(cloud), this.clusterName(cloud));
        } catch (err) {
            throw new Error(`cannot read the ${this.describe(cloud)}: ${(err as Error).message}`);
        }
        if (!cluster) throw new Error(`the ${this.describe(cloud)} does not exist; the stack output "database" names it`);
        return cluster;
    }

    /** The instance that acts as (designated) primary of a Cluster. */
    private async designated(cloud: CloudName, cluster: CnpgCluster): Promise<InstanceState> {
        if (!cluster.currentPrimary) throw new Error(`the ${this.describe(cloud)} has no current primary instance (${describePhase(cluster)})`);
        return this.o.api.instanceState(this.target(cloud), cluster.currentPrimary);
    }

    // ------------------------------------------------------------ switchover

    /**
     * Pre-check: the topology is as the stack says and the replica is within the
     * database RPO budget. A wrong topology or a silent side is an error (a
     * planned switchover needs both); a lag over budget is a CheckFailure (--force).
     */
    async precheckLag(): Promise<string> {
        const { from, to } = this.o;
        const [old, next] = [await this.cluster(from), await this.cluster(to)];
        const wrong = [old, next].filter((c) => c.replica?.primary !== this.clusterName(from)).map((c) => `${c.name} has replica.primary=${c.replica?.primary ?? "(unset)"}`);
        if (wrong.length) throw new Error(`the live topology is not the stack's: ${wrong.join(", ")}, expected ${this.clusterName(from)}; fix it (or run with --disaster) before a switchover`);
        const primary = await this.designated(from, old);
        const replica = await this.designated(to, next);
        if (primary.inRecovery) throw new Error(`${primary.pod} on the ${from} side is in recovery: the ${this.describe(from)} is not a working primary (use --disaster)`);
        if (!replica.inRecovery) throw new Error(`${replica.pod} on the ${to} side is not in recovery: two primaries; fence one before anything else`);

        const lag = replicaLag(primary, replica);
        const budget = this.o.rpoSeconds;
        this.facts.lag = { ...lag, ...(budget !== undefined ? { budgetSeconds: budget } : {}) };
        const seconds = lag.seconds === undefined ? "an unknown time" : `${round1(lag.seconds)} s`;
        const behind = `${seconds}${lag.bytes !== undefined ? ` (${describeBytes(lag.bytes)} of WAL)` : ""}`;
        if (lag.archiveFailing) {
            this.facts.lag.withinBudget = false;
            throw new CheckFailure(
                `WAL archiving on the ${from} primary is failing (last failure ${primary.lastFailedAt}, last success ${primary.lastArchivedAt ?? "never"}): the ${to} replica cannot catch up; fix the archive first`,
            );
        }
        if (budget === undefined) {
            throw new CheckFailure(`the stack exports no database RPO budget (drBudget.databaseRpoSeconds); cannot judge the ${to} replica's lag of ${behind}`);
        }
        const within = lag.bytes === 0 || lag.replayedAllArchived === true || (lag.seconds !== undefined && lag.seconds <= budget);
        this.facts.lag.withinBudget = within;
        if (!within) {
            throw new CheckFailure(
                `the ${to} replica trails the ${from} primary by ${behind}, over the ${budget} s database RPO budget` +
                    `${lag.replayedAllArchived === false ? ", and has not replayed every archived WAL segment" : ""}; a switchover now would hold writes until it catches up`,
            );
        }
        const why = lag.bytes === 0 ? "caught up" : lag.replayedAllArchived ? "replayed every archived segment" : `newest replayed transaction ${seconds} old`;
        return `the ${to} replica trails by ${behind}: ${why}, within the ${budget} s database RPO budget`;
    }

    /** Demote: the old primary's replica.primary names the new primary. Writes stop here. */
    async demote(): Promise<string> {
        const { from, to, api } = this.o;
        const old = await this.cluster(from);
        this.previousDemotionToken = old.demotionToken;
        const notes: string[] = [];
        if (old.replica?.promotionToken) {
            // CloudNativePG's webhook rejects a promotion token on a replica cluster: a stale one would block the demotion.
            await api.removePromotionToken(this.target(from), old.name);
            notes.push("removed its stale replica.promotionToken");
        }
        await api.applyIntent(this.target(from), old.name, { primary: this.clusterName(to) });
        return `${this.describe(from)}: replica.primary ${old.replica?.primary ?? "(unset)"} → ${this.clusterName(to)} (field manager ${FIELD_MANAGER})${notes.length ? `; ${notes.join("; ")}` : ""}; it stops taking writes`;
    }

    /** Waits for the demoted cluster's status.demotionToken (a new one, not a leftover). */
    async waitDemotionToken(): Promise<string> {
        const { from } = this.o;
        const detail = await pollUntil(this.o.poll, `the ${this.describe(from)} to publish status.demotionToken`, async () => {
            const cluster = await this.cluster(from);
            const token = cluster.demotionToken;
            if (token && token !== this.previousDemotionToken) {
                this.token = token;
                return { done: true, last: `status.demotionToken published (${describePhase(cluster)})` };
            }
            return { done: false, last: `no new demotion token yet (${describePhase(cluster)})` };
        });
        const content = decodeToken(this.token!);
        this.facts.demotionToken = content;
        return `${detail}: timeline ${content.timeline}, REDO ${content.redoLocation} in ${content.redoWalFile}${content.checkpointAt ? `, checkpoint at ${content.checkpointAt}` : ""}`;
    }

    /**
     * Promotes the new primary: replica.primary names itself, with the demotion
     * token as replica.promotionToken in the same apply (without a token:
     * a failover, which the old primary cannot follow).
     */
    async promote(withToken: boolean): Promise<string> {
        const { to, api } = this.o;
        const next = await this.cluster(to);
        if (withToken && !this.token) throw new Error("no demotion token to promote with");
        if (!withToken) {
            // The last replayed transaction, in case the promoted instance restarts and forgets it.
            this.beforePromotion = await this.designated(to, next).catch(() => undefined);
            if (next.replica?.promotionToken) await api.removePromotionToken(this.target(to), next.name);
        }
        this.promotionStartedMs = this.o.clock.now();
        // Without a token the old primary diverges: the new one carries the mark until a failback re-seeds it.
        const intent = withToken ? { primary: next.name, promotionToken: this.token! } : { primary: next.name, reseedRequired: this.clusterName(this.o.from) };
        await api.applyIntent(this.target(to), next.name, intent);
        this.facts.promotedWithToken = withToken;
        return withToken
            ? `${this.describe(to)}: replica.primary → ${next.name} with replica.promotionToken (CloudNativePG replays up to the token's REDO location, then promotes)`
            : `${this.describe(to)}: replica.primary → ${next.name} without a token: promoted at once; the old primary must be re-seeded before it can follow (marked ${RESEED_ANNOTATION}: ${this.clusterName(this.o.from)}; --failback does it)`;
    }

    /** Waits until the new primary's current primary instance commits a write. */
    async waitWritable(): Promise<string> {
        const { to, api } = this.o;
        return pollUntil(this.o.poll, `the ${this.describe(to)} to accept writes`, async () => {
            const cluster = await this.cluster(to);
            const pod = cluster.currentPrimary;
            if (!pod) return { done: false, last: `no current primary (${describePhase(cluster)})` };
            try {
                await api.probeWrite(this.target(to), pod);
                return { done: true, last: `${pod} commits writes (${describePhase(cluster)})` };
            } catch (err) {
                return { done: false, last: `${pod}: ${(err as Error).message} (${describePhase(cluster)})` };
            }
        });
    }

    // ------------------------------------------------------------ failover

    /** Fences the whole old Cluster when its API answers; an unreachable side is skipped, with the reason. */
    async fence(): Promise<string> {
        const { from, api } = this.o;
        let old: CnpgCluster | undefined;
        try {
            old = await api.getCluster(this.target(from), this.clusterName(from));
        } catch (err) {
            const detail = `the ${from} cluster's API does not answer (${(err as Error).message}): not fenced. Fence it as soon as it is back ` +
                `(\`npm run drill -- --stack <stack> --failback --execute --reseed-only\` fences it first): until then it may still take writes from its own side`;
            this.facts.fencing = { fenced: false, detail };
            throw new StepSkipped(detail);
        }
        if (!old) {
            const detail = `the ${this.describe(from)} does not exist: nothing to fence`;
            this.facts.fencing = { fenced: false, detail };
            throw new StepSkipped(detail);
        }
        // Where the old primary got to, for the data-loss window (it may not answer: it failed).
        if (old.currentPrimary) this.oldPrimary = await api.instanceState(this.target(from), old.currentPrimary).catch(() => undefined);
        await api.applyIntent(this.target(from), old.name, { fenced: true });
        const where = this.oldPrimary?.currentLsn ? `; its primary had written up to ${this.oldPrimary.currentLsn}` : "";
        const detail = `${this.describe(from)} fenced (${FENCING_ANNOTATION}: ["*"]): its Postgres instances shut down and stay down${where}`;
        this.facts.fencing = { fenced: true, detail };
        return detail;
    }

    /** The span of transactions the promotion may have lost: from the last one the new primary replayed to the promotion. */
    async dataLossWindow(): Promise<StepOutcome> {
        const { to } = this.o;
        const after = await this.designated(to, await this.cluster(to)).catch(() => undefined);
        const lastReplayedAt = after?.lastReplayAt ?? this.beforePromotion?.lastReplayAt;
        const replayLsn = after?.replayLsn ?? this.beforePromotion?.replayLsn;
        const budget = this.o.rpoSeconds;
        const loss: NonNullable<DatabaseFacts["dataLoss"]> = {};
        if (budget !== undefined) loss.budgetSeconds = budget;
        if (this.oldPrimary?.currentLsn && replayLsn) loss.bytes = Math.max(0, parseLsn(this.oldPrimary.currentLsn) - parseLsn(replayLsn));
        this.facts.dataLoss = loss;
        if (!lastReplayedAt) return { warning: `the ${to} primary reports no replayed transaction: the data-loss window is unknown` };
        loss.lastReplayedAt = lastReplayedAt;
        loss.windowSeconds = round1(Math.max(0, (this.promotionStartedMs! - Date.parse(lastReplayedAt)) / 1000));
        if (budget !== undefined) loss.withinBudget = loss.windowSeconds <= budget;
        const bytes = loss.bytes !== undefined ? `; ${describeBytes(loss.bytes)} of the old primary's WAL were not replayed` : "";
        const text =
            `last replayed transaction committed at ${lastReplayedAt}: transactions committed after it on the old primary are lost, ` +
            `a window of at most ${loss.windowSeconds} s${bytes}${budget !== undefined ? ` (database RPO budget ${budget} s)` : ""}`;
        return loss.withinBudget === false ? { warning: `${text}: over budget` } : text;
    }

    // ------------------------------------------------------------ after up

    /**
     * Hands replica.primary to Pulumi alone: an empty intent releases every field
     * the drill owns (and removes the promotion token, which only the drill set),
     * once Pulumi's up co-owns replica.primary with the same value. A fenced old
     * side keeps its fence. A side Pulumi has not updated keeps the drill's fields.
     */
    async handOver(): Promise<StepOutcome> {
        const done: string[] = [];
        const kept: string[] = [];
        for (const cloud of [this.o.to, this.o.from]) {
            const keepFence = cloud === this.o.from && this.facts.fencing?.fenced === true;
            const keepMark = cloud === this.o.to && this.facts.promotedWithToken === false;
            let cluster: CnpgCluster;
            try {
                cluster = await this.cluster(cloud);
            } catch (err) {
                kept.push(`${cloud}: ${(err as Error).message}; release the drill's fields later with an empty server-side apply as ${FIELD_MANAGER}`);
                continue;
            }
            const drillOwns = cluster.primaryOwners.includes(FIELD_MANAGER);
            const pulumiOwns = cluster.primaryOwners.some((m) => m !== FIELD_MANAGER);
            if (drillOwns && !pulumiOwns) {
                kept.push(`${cloud}: only ${FIELD_MANAGER} owns replica.primary on ${cluster.name} (Pulumi has not applied it): kept`);
                continue;
            }
            const intent = { ...(keepFence ? { fenced: true } : {}), ...(keepMark ? { reseedRequired: this.clusterName(this.o.from) } : {}) };
            await this.o.api.applyIntent(this.target(cloud), cluster.name, intent);
            done.push(`${cloud}: ${cluster.name} released${keepFence ? " (fence kept)" : ""}${keepMark ? ` (${RESEED_ANNOTATION} kept)` : ""}`);
        }
        this.facts.handOver = [...done, ...kept];
        const text = `replica.primary is Pulumi's alone: ${done.join("; ") || "nothing released"}${kept.length ? `; ${kept.join("; ")}` : ""}`;
        return kept.length ? { warning: text } : text;
    }
}
