/**
 * The `--execute` and `--preview` step machines. Every effect goes through an
 * injected port (stack, DNS, HTTP, backups, database, clock), so the same code
 * runs against the real adapters in live.ts / live-cnpg.ts and against fakes
 * in the tests.
 *
 * A switchover (planned) and a failover (`--disaster`) are different
 * operations; both preview the flip with a saved update plan first and apply
 * exactly that plan, and both move DNS only once the new primary database
 * accepts writes:
 *
 *   switchover  pre-checks (health, backup age, replica lag) → activeCloud →
 *               preview + plan (refuse on any replacement) → demote → demotion
 *               token → promote with the token → writable → up --plan → DNS →
 *               health → hand replica.primary back to Pulumi
 *   failover    pre-checks (health, backup age) → activeCloud → preview + plan →
 *               fence the old side if it answers → promote without a token →
 *               writable → data-loss window → up --plan (continuing past the
 *               unreachable side) → DNS → health → hand-over
 *   failback    re-seed the old primary first when it diverged (reseed.ts),
 *               then a switchover back
 */
import { CloudName } from "../../components/cluster/contract";
import { DrBudget, DrTargets, describeDatabaseRpo, describeFullCapacity, describeRpo, describeRto } from "../../stacks/config/dr-budget";
import { DatabaseApi, DatabaseTopology, databaseFromOutputs } from "./database";
import { DatabaseFacts, DatabaseSwitch } from "./database-switch";
import { isCloud } from "./errors";
import { Reseed, ReseedFacts } from "./reseed";
import { CheckFailure, PollOptions, RecordedStep, StepFailure, StepOutcome, StepSkipped, createStepRunner, pollUntil } from "./steps";
import { PlannedStep, describeStep, replacementsIn, summarizeChanges } from "./update-plan";

// ---------------------------------------------------------------- ports

export interface StackUpResult {
    result: "succeeded" | "failed";
    /** Operation counts, e.g. { update: 4, same: 300 }. */
    changes: Record<string, number>;
    /** URNs of the resources whose operation failed (from the engine's events). */
    failedResources: string[];
}

/** A plan saved by `pulumi preview --save-plan`, applied by `pulumi up --plan`. */
export interface SavedPlan {
    file: string;
    sha256: string;
}

export interface StackPreviewResult {
    changes: Record<string, number>;
    stdout: string;
    /** Every step the preview would take ("same" left out), from the engine events. */
    steps: PlannedStep[];
    plan?: SavedPlan;
}

/** The Pulumi stack, as the drill uses it. */
export interface DrillStack {
    readonly name: string;
    getActiveCloud(): Promise<CloudName>;
    setActiveCloud(cloud: CloudName): Promise<void>;
    /** `savePlan`: also save an update plan (`--save-plan`). */
    preview(options?: { savePlan?: boolean }): Promise<StackPreviewResult>;
    /** `plan`: apply exactly this saved plan (`--plan`); `continueOnError`: update what can be updated. */
    up(options?: { plan?: SavedPlan; continueOnError?: boolean }): Promise<StackUpResult>;
    /** `pulumi refresh --target` of these URNs. */
    refresh(urns: string[]): Promise<void>;
    /** database.archive.generation.<cloud> in the stack config (1 when unset). */
    getArchiveGeneration(cloud: CloudName): Promise<number>;
    /** Sets database.archive.generation.<cloud> in Pulumi.<stack>.yaml, as setActiveCloud sets activeCloud. */
    setArchiveGeneration(cloud: CloudName, generation: number): Promise<void>;
    /** The URN of the Kubernetes object of this type, name and namespace in the stack's state. */
    findResource(type: string, name: string, namespace: string): Promise<string | undefined>;
    /** Stack outputs, secrets in plain text. */
    outputs(): Promise<Record<string, unknown>>;
}

export interface DnsProbe {
    /** CNAME targets of a name; rejects when the name has none (NXDOMAIN, ENODATA, timeout). */
    resolveCname(hostname: string): Promise<string[]>;
}

export interface HttpProbe {
    /**
     * GET a URL; status 0 with `error` when no HTTP answer came back. `serverName` sends
     * that name as TLS SNI and Host while connecting to the URL's host: the global name
     * is a CNAME to a cluster whose certificate and Ingress carry the cluster's own name.
     */
    get(url: string, timeoutMs: number, serverName?: string): Promise<{ status: number; error?: string }>;
}

export interface BackupInfo {
    name: string;
    completedAt: Date;
}

export interface BackupProbe {
    /** The newest Velero backup in phase Completed visible on a cluster, or undefined when there is none. */
    latestSuccessfulBackup(cloud: CloudName, kubeconfig: string): Promise<BackupInfo | undefined>;
}

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface DrillDeps {
    stack: DrillStack;
    dns: DnsProbe;
    http: HttpProbe;
    backups: BackupProbe;
    /** CloudNativePG on both clusters; needed when the stack exports a `database`. */
    database?: DatabaseApi;
    clock: Clock;
    /** Progress lines for the terminal. */
    log?: (line: string) => void;
}

// ---------------------------------------------------------------- stack outputs the drill reads

/** What the drill needs from the stack outputs. */
export interface DrillEndpoints {
    globalHostname: string;
    healthCheckPath: string;
    /** Each cluster's own app hostname (the failover records' targets). */
    hostnames: Record<CloudName, string>;
    /** The ingress controller serving each hostname (ingress-nginx or envoy-gateway), when the stack reports it. */
    servedBy?: Partial<Record<CloudName, string>>;
    kubeconfigs: Partial<Record<CloudName, string>>;
}

/**
 * Reads the endpoints from the stack outputs:
 *   failover: { globalHostname, healthCheckPath, targets: { aws: { hostname }, azure: { hostname } } }
 *   kubeconfigs: { aws, azure }
 * Throws one message listing every missing output.
 */
export function endpointsFromOutputs(outputs: Record<string, unknown>): DrillEndpoints {
    type FailoverOutput = { globalHostname?: unknown; healthCheckPath?: unknown; targets?: Partial<Record<CloudName, { hostname?: unknown; ingressController?: unknown }>> };
    const failover = (outputs.failover ?? {}) as FailoverOutput;
    const kubeconfigs = (outputs.kubeconfigs ?? {}) as Record<string, unknown>;
    const missing: string[] = [];
    const text = (value: unknown, name: string) => {
        if (typeof value !== "string" || value === "") missing.push(name);
        return String(value ?? "");
    };
    const endpoints: DrillEndpoints = {
        globalHostname: text(failover.globalHostname, "failover.globalHostname"),
        healthCheckPath: text(failover.healthCheckPath, "failover.healthCheckPath"),
        hostnames: {
            aws: text(failover.targets?.aws?.hostname, "failover.targets.aws.hostname"),
            azure: text(failover.targets?.azure?.hostname, "failover.targets.azure.hostname"),
        },
        servedBy: {
            aws: typeof failover.targets?.aws?.ingressController === "string" ? failover.targets.aws.ingressController : undefined,
            azure: typeof failover.targets?.azure?.ingressController === "string" ? failover.targets.azure.ingressController : undefined,
        },
        kubeconfigs: {
            aws: typeof kubeconfigs.aws === "string" ? kubeconfigs.aws : undefined,
            azure: typeof kubeconfigs.azure === "string" ? kubeconfigs.azure : undefined,
        },
    };
    if (missing.length) {
        throw new Error(`the stack outputs lack ${missing.join(", ")}; run \`pulumi up\` with a program that wires the global failover, then retry`);
    }
    return endpoints;
}

// ---------------------------------------------------------------- report model

export type StepName =
    | "read-stack"
    | "assess-old-primary"
    | "fence-stale-copy"
    | "delete-stale-copy"
    | "refresh-state"
    | "next-archive-generation"
    | "preview-reseed"
    | "up-reseed"
    | "wait-reseeded-replica"
    | "precheck-target-health"
    | "precheck-backup-age"
    | "precheck-database-lag"
    | "set-config"
    | "preview-plan"
    | "fence-old-primary"
    | "demote-old-primary"
    | "wait-demotion-token"
    | "promote-new-primary"
    | "wait-writable"
    | "data-loss-window"
    | "up"
    | "wait-dns"
    | "wait-health"
    | "hand-over";
export type { StepStatus } from "./steps";
export type DrillStep = RecordedStep<StepName>;

/** What the report says about a saved plan. */
export interface PlanRecord {
    sha256?: string;
    changes: Record<string, number>;
    /** Every resource the plan would replace, as "<type> <name> (<keys>)". */
    replacements: string[];
    /** Every other step, as "<op> <type> <name> (<diffs>)". */
    steps: string[];
}

export interface DrillReport {
    kind: "finplat-drill-report";
    version: 2;
    stack: string;
    mode: "execute";
    /** switchover: planned (--execute); failover: unplanned (--execute --disaster). */
    operation: "switchover" | "failover";
    direction: "failover" | "failback";
    from: CloudName;
    to: CloudName;
    forced: boolean;
    /** --failback --reseed-only: the drill stopped after re-seeding. */
    reseedOnly: boolean;
    status: "succeeded" | "failed" | "refused";
    startedAt: string;
    finishedAt: string;
    globalHostname?: string;
    /** The hostname the global name must resolve to when the drill is done. */
    expectedTarget?: string;
    steps: DrillStep[];
    measured: {
        /** From the first step that interrupts service (demotion, fence, or `pulumi up`) until the global name serves from the new primary. */
        rtoSeconds?: number;
        upSeconds?: number;
        /** From the end of `up` until the global name resolved to the new primary. */
        dnsSwitchSeconds?: number;
        /** Switchover: from the demotion until the new primary commits a write (no database accepts writes meanwhile). */
        writeOutageSeconds?: number;
        /** From the promotion until the new primary commits a write. */
        promotionSeconds?: number;
        /** Failback: from the first re-seed step until the re-created replica replays. */
        reseedSeconds?: number;
    };
    budget: DrBudget;
    /** Each budget in words, as the plan and --simulate print them (databaseRpo without an in-cluster database: absent). */
    budgetSummary: BudgetSummary;
    /** The database RPO budget (drBudget.databaseRpoSeconds), when the stack exports one. */
    databaseRpoSeconds?: number;
    targets?: DrTargets;
    verdict: { rtoWithinBudget?: boolean; rtoWithinTarget?: boolean; lagWithinBudget?: boolean; dataLossWithinBudget?: boolean; dataLossWithinTarget?: boolean };
    backup?: { name: string; completedAt: string; ageMinutes: number; limitMinutes: number };
    /** Absent when the stack has no in-cluster database (app.database.mode external). */
    database?: DatabaseFacts;
    reseed?: ReseedFacts;
    /** The flip's saved plan. */
    plan?: PlanRecord;
    /** The re-seed's saved plan (failback). */
    reseedPlan?: PlanRecord;
    /** Why the drill refused or failed. */
    problems: string[];
    notes: string[];
}

export interface BudgetSummary {
    serviceRestored: string;
    fullCapacity: string;
    objectsRpo: string;
    databaseRpo?: string;
}

export function budgetSummaryOf(budget: DrBudget): BudgetSummary {
    const databaseRpo = describeDatabaseRpo(budget);
    return {
        serviceRestored: describeRto(budget),
        fullCapacity: describeFullCapacity(budget),
        objectsRpo: describeRpo(budget),
        ...(databaseRpo === undefined ? {} : { databaseRpo }),
    };
}

export interface ExecuteOptions {
    stackName: string;
    to: CloudName;
    direction: "failover" | "failback";
    /** --disaster: an unplanned failover (fence, promote without a token). */
    disaster: boolean;
    /** --reseed-only (with failback): stop once the old primary is a replica again. */
    reseedOnly: boolean;
    /** Go on although a pre-check failed. */
    force: boolean;
    budget: DrBudget;
    targets?: DrTargets;
    /** How long to wait for each thing the drill waits for (seconds each). */
    waitTimeoutSeconds: number;
    pollSeconds: number;
    probeTimeoutMs: number;
}

export const DEFAULT_EXECUTE_TIMING = { waitTimeoutSeconds: 900, pollSeconds: 5, probeTimeoutMs: 10_000 };

const TITLES: Record<StepName, string> = {
    "read-stack": "Read the stack's active cloud and outputs",
    "assess-old-primary": "Failback: does the old primary's database need a re-seed?",
    "fence-stale-copy": "Failback: fence the old primary's stale database",
    "delete-stale-copy": "Failback: delete the stale Cluster and its volumes",
    "refresh-state": "Failback: refresh the deleted Cluster in the Pulumi state",
    "next-archive-generation": "Failback: move the re-created Cluster to its next archive generation (stack config)",
    "preview-reseed": "Failback: preview the re-creation and save the plan",
    "up-reseed": "Failback: pulumi up --plan (re-create the Cluster as a replica)",
    "wait-reseeded-replica": "Failback: wait until the re-created Cluster replays the primary's WAL",
    "precheck-target-health": "Pre-check: the target cluster's health URL answers 200",
    "precheck-backup-age": "Pre-check: the latest successful backup is younger than the RPO",
    "precheck-database-lag": "Pre-check: the replica database's lag is within the database RPO budget",
    "set-config": "Set activeCloud in the stack config",
    "preview-plan": "pulumi preview --save-plan (refuse any replacement)",
    "fence-old-primary": "Fence the old primary database (if its cluster answers)",
    "demote-old-primary": "Demote the old primary database",
    "wait-demotion-token": "Wait for the old primary's demotion token",
    "promote-new-primary": "Promote the new primary database",
    "wait-writable": "Wait until the new primary database accepts writes",
    "data-loss-window": "Data-loss window from the last replayed transaction",
    up: "pulumi up --plan (DNS, sizes, replica.primary)",
    "wait-dns": "Wait until the global name resolves to the new primary",
    "wait-health": "Wait until the global health URL answers 200",
    "hand-over": "Hand replica.primary back to Pulumi",
};

const RESEED_STEPS: StepName[] = [
    "assess-old-primary",
    "fence-stale-copy",
    "delete-stale-copy",
    "refresh-state",
    "next-archive-generation",
    "preview-reseed",
    "up-reseed",
    "wait-reseeded-replica",
];
const SWITCHOVER_DB: StepName[] = ["demote-old-primary", "wait-demotion-token", "promote-new-primary", "wait-writable"];
const FAILOVER_DB: StepName[] = ["fence-old-primary", "promote-new-primary", "wait-writable", "data-loss-window"];
const PRECHECKS: StepName[] = ["precheck-target-health", "precheck-backup-age"];
const AFTER_UP: StepName[] = ["up", "wait-dns", "wait-health"];
/** The first of these that ran is where service was interrupted: the measured RTO starts there. */
const INTERRUPTING: StepName[] = ["demote-old-primary", "fence-old-primary", "promote-new-primary", "up"];

/** The steps of a drill, in order: what the report lists (steps that did not run show as skipped). */
export function stepOrder(options: { disaster: boolean; failback: boolean; reseedOnly: boolean; database: boolean }): StepName[] {
    if (!options.database) return ["read-stack", ...PRECHECKS, "set-config", "preview-plan", ...AFTER_UP];
    const reseed = options.failback ? RESEED_STEPS : [];
    if (options.reseedOnly) return ["read-stack", ...reseed];
    if (options.disaster) return ["read-stack", ...PRECHECKS, "set-config", "preview-plan", ...FAILOVER_DB, ...AFTER_UP, "hand-over"];
    return ["read-stack", ...reseed, ...PRECHECKS, "precheck-database-lag", "set-config", "preview-plan", ...SWITCHOVER_DB, ...AFTER_UP, "hand-over"];
}

/** Without a database: the order of a drill that moves traffic and compute only. */
export const STEP_ORDER: StepName[] = stepOrder({ disaster: false, failback: false, reseedOnly: false, database: false });

export function normalizeHost(name: string): string {
    return name.trim().replace(/\.$/, "").toLowerCase();
}

function planRecord(preview: StackPreviewResult): PlanRecord {
    const replaced = replacementsIn(preview.steps);
    const replacedUrns = new Set(replaced.map((r) => r.urn));
    return {
        ...(preview.plan ? { sha256: preview.plan.sha256 } : {}),
        changes: preview.changes,
        replacements: replaced.map(describeStep),
        steps: preview.steps.filter((s) => !replacedUrns.has(s.urn)).map((s) => `${s.op} ${describeStep(s)}`),
    };
}

/**
 * Runs a switchover, failover or failback drill. Always returns a report, also
 * when it refuses or fails; never throws for a drill failure.
 */
export async function executeDrill(options: ExecuteOptions, deps: DrillDeps): Promise<DrillReport> {
    const { clock } = deps;
    const log = deps.log ?? (() => undefined);
    const iso = (ms: number) => new Date(ms).toISOString();
    const startedMs = clock.now();
    const notes: string[] = [];
    const failback = options.direction === "failback";
    const poll: PollOptions = { clock, timeoutSeconds: options.waitTimeoutSeconds, pollSeconds: options.pollSeconds };
    const rpoSeconds = options.budget.databaseRpoSeconds;
    let from: CloudName = options.to === "aws" ? "azure" : "aws";
    let endpoints: DrillEndpoints | undefined;
    let topology: DatabaseTopology | undefined;
    let database: DatabaseSwitch | undefined;
    let reseed: Reseed | undefined;
    let backup: DrillReport["backup"];
    let plan: PlanRecord | undefined;
    let reseedPlan: PlanRecord | undefined;
    let order = stepOrder({ disaster: options.disaster, failback, reseedOnly: options.reseedOnly, database: false });

    const runner = createStepRunner<StepName>({ titles: TITLES, order: () => order, clock, log, force: options.force });
    const { step, times, problems } = runner;
    const ok = (name: StepName) => runner.steps.find((s) => s.name === name)?.status === "ok";
    const ran = (name: StepName) => runner.steps.some((s) => s.name === name && s.status !== "skipped");

    const finish = (status: DrillReport["status"]): DrillReport => {
        if (ok("read-stack") && !topology) notes.push("The stack has no in-cluster database (app.database.mode external): the drill moved traffic and compute only.");
        const steps = runner.fillSkipped();
        const measured: DrillReport["measured"] = {};
        const span = (a: StepName | undefined, b: StepName) => (a && times[a] && times[b] ? (times[b]!.end - times[a]!.start) / 1000 : undefined);
        if (times.up) measured.upSeconds = (times.up.end - times.up.start) / 1000;
        if (times.up && times["wait-dns"] && ok("wait-dns")) measured.dnsSwitchSeconds = (times["wait-dns"].end - times.up.end) / 1000;
        const interrupted = INTERRUPTING.find(ran);
        if (status === "succeeded" && ok("wait-health")) measured.rtoSeconds = span(interrupted, "wait-health");
        if (ok("wait-writable")) {
            if (ran("demote-old-primary")) measured.writeOutageSeconds = span("demote-old-primary", "wait-writable");
            measured.promotionSeconds = span("promote-new-primary", "wait-writable");
        }
        const firstReseed = (["fence-stale-copy", "delete-stale-copy", "refresh-state"] as StepName[]).find(ran);
        if (ok("wait-reseeded-replica")) measured.reseedSeconds = span(firstReseed, "wait-reseeded-replica");
        for (const key of Object.keys(measured) as (keyof DrillReport["measured"])[]) if (measured[key] === undefined) delete measured[key];
        const verdict: DrillReport["verdict"] = {};
        if (measured.rtoSeconds !== undefined) {
            verdict.rtoWithinBudget = measured.rtoSeconds <= options.budget.rtoSeconds;
            if (options.targets) verdict.rtoWithinTarget = measured.rtoSeconds <= options.targets.rtoSeconds;
        }
        if (database?.facts.lag?.withinBudget !== undefined) verdict.lagWithinBudget = database.facts.lag.withinBudget;
        if (database?.facts.dataLoss?.withinBudget !== undefined) verdict.dataLossWithinBudget = database.facts.dataLoss.withinBudget;
        const window = database?.facts.dataLoss?.windowSeconds;
        if (window !== undefined && options.targets?.databaseRpoSeconds !== undefined) verdict.dataLossWithinTarget = window <= options.targets.databaseRpoSeconds;
        return {
            kind: "finplat-drill-report",
            version: 2,
            stack: options.stackName,
            mode: "execute",
            operation: options.disaster ? "failover" : "switchover",
            direction: options.direction,
            from,
            to: options.to,
            forced: options.force,
            reseedOnly: options.reseedOnly,
            status,
            startedAt: iso(startedMs),
            finishedAt: iso(clock.now()),
            globalHostname: endpoints?.globalHostname,
            expectedTarget: endpoints?.hostnames[options.to],
            steps,
            measured,
            budget: options.budget,
            budgetSummary: budgetSummaryOf(options.budget),
            ...(rpoSeconds !== undefined ? { databaseRpoSeconds: rpoSeconds } : {}),
            targets: options.targets,
            verdict,
            backup,
            ...(database ? { database: database.facts } : {}),
            ...(reseed ? { reseed: reseed.facts } : {}),
            ...(plan ? { plan } : {}),
            ...(reseedPlan ? { reseedPlan } : {}),
            problems,
            notes,
        };
    };

    /** Previews (saving the plan) and refuses on any replacement, naming each. */
    const previewWithPlan = async (record: (p: PlanRecord) => void): Promise<{ plan: SavedPlan; detail: string }> => {
        const preview = await deps.stack.preview({ savePlan: true });
        const recorded = planRecord(preview);
        record(recorded);
        if (recorded.replacements.length) {
            throw new Error(
                `the plan would replace ${recorded.replacements.length} resource${recorded.replacements.length === 1 ? "" : "s"}: ${recorded.replacements.join("; ")}; ` +
                    "a failover must replace nothing (nothing was applied)",
            );
        }
        if (!preview.plan) throw new Error("the preview saved no update plan");
        return { plan: preview.plan, detail: `${summarizeChanges(preview.changes)}, 0 replacements; plan saved (sha256 ${preview.plan.sha256.slice(0, 12)}…)` };
    };

    try {
        let kubeconfigs: Partial<Record<CloudName, string>> = {};
        await step("read-stack", async () => {
            const active = await deps.stack.getActiveCloud();
            if (!isCloud(active)) throw new Error(`activeCloud is ${JSON.stringify(active)}, expected aws or azure`);
            from = active;
            if (active === options.to) throw new Error(`activeCloud is already ${options.to}; nothing to fail over`);
            const outputs = await deps.stack.outputs();
            endpoints = endpointsFromOutputs(outputs);
            kubeconfigs = endpoints.kubeconfigs;
            topology = databaseFromOutputs(outputs);
            if (topology && topology.primaryCloud !== from) {
                throw new Error(`the stack output database.primaryCloud is ${topology.primaryCloud} but activeCloud is ${from}: run \`pulumi up\` so the outputs match the config`);
            }
            if (topology && !deps.database) throw new Error("the stack has a database but the drill was given no database port (kubectl)");
            if (!topology && options.reseedOnly) throw new Error("--reseed-only: the stack has no in-cluster database (no `database` output) to re-seed");
            const db = topology ? `; database ${topology.namespace}/${topology.clusters[from].name} (primary) → ${topology.clusters[options.to].name}` : "; no in-cluster database";
            return `activeCloud=${active}; global name ${endpoints.globalHostname}; new primary ${endpoints.hostnames[options.to]}${db}`;
        });
        const target = endpoints!;
        order = stepOrder({ disaster: options.disaster, failback, reseedOnly: options.reseedOnly, database: topology !== undefined });
        if (topology) {
            database = new DatabaseSwitch({ api: deps.database!, topology, kubeconfigs, from, to: options.to, poll, rpoSeconds, clock });
            if (failback) reseed = new Reseed({ api: deps.database!, stack: deps.stack, topology, kubeconfigs, active: from, stale: options.to, poll });
        }

        // ---- failback: re-seed the old primary when it diverged
        if (reseed) {
            const r = reseed;
            await step("assess-old-primary", () => r.assess());
            await step("fence-stale-copy", () => r.fence());
            await step("delete-stale-copy", () => r.deleteStale());
            await step("refresh-state", () => r.refreshState());
            await step("next-archive-generation", () => r.nextArchiveGeneration());
            const generation = r.facts.archiveGeneration;
            if (generation?.changed) {
                notes.push(
                    `Pulumi.${options.stackName}.yaml now sets database.archive.generation.${options.to}: ${generation.to} (${r.facts.cluster} archives under ${generation.serverName}); ` +
                        "commit this change: a `pulumi up` from a checkout without it would point the Cluster back at its diverged archive.",
                );
            }
            let saved: SavedPlan | undefined;
            try {
                await step("preview-reseed", async () => {
                    if (!r.facts.needed) throw new StepSkipped("not needed");
                    const { plan: p, detail } = await previewWithPlan((record) => (reseedPlan = record));
                    saved = p;
                    return detail;
                });
            } catch (err) {
                notes.push(`The stale Cluster ${r.facts.cluster} is deleted; once the preview is fixed, \`pulumi up\` re-creates it as a replica.`);
                throw err;
            }
            await step("up-reseed", async () => {
                if (!saved) throw new StepSkipped("not needed");
                const outcome = await deps.stack.up({ plan: saved });
                if (outcome.result !== "succeeded") throw new Error(`pulumi up ${outcome.result} (${summarizeChanges(outcome.changes)})`);
                return `succeeded: ${summarizeChanges(outcome.changes)}`;
            });
            await step("wait-reseeded-replica", () => r.waitReplica());
            if (options.reseedOnly) {
                notes.push(`--reseed-only: the ${options.to} database is a replica of the ${from} primary again; run \`--failback --execute\` to switch back.`);
                return finish("succeeded");
            }
        }

        // ---- pre-checks
        const healthy = await step(
            "precheck-target-health",
            async () => {
                const url = `https://${target.hostnames[options.to]}${target.healthCheckPath}`;
                const answer = await deps.http.get(url, options.probeTimeoutMs);
                if (answer.status !== 200) {
                    throw new CheckFailure(`the ${options.to} cluster is not healthy: ${url} answered ${answer.status || answer.error || "nothing"}, expected 200`);
                }
                const servedBy = target.servedBy?.[options.to];
                return `${url} answered 200${servedBy ? ` (served by ${servedBy})` : ""}`;
            },
            true,
        );

        const limitMinutes = options.targets?.rpoMinutes ?? options.budget.rpoMinutes;
        const fresh = await step(
            "precheck-backup-age",
            async () => {
                const kubeconfig = target.kubeconfigs[options.to];
                if (!kubeconfig) throw new CheckFailure(`no kubeconfig for the ${options.to} cluster in the stack outputs (kubeconfigs.${options.to}); cannot list its Velero backups`);
                let latest: BackupInfo | undefined;
                try {
                    latest = await deps.backups.latestSuccessfulBackup(options.to, kubeconfig);
                } catch (err) {
                    throw new CheckFailure(`cannot list Velero backups on the ${options.to} cluster: ${(err as Error).message}`);
                }
                if (!latest) throw new CheckFailure(`no successful (Completed) Velero backup is visible on the ${options.to} cluster; the restore path has nothing to restore`);
                const ageMinutes = (clock.now() - latest.completedAt.getTime()) / 60_000;
                backup = { name: latest.name, completedAt: latest.completedAt.toISOString(), ageMinutes: Math.round(ageMinutes * 10) / 10, limitMinutes };
                if (ageMinutes > limitMinutes) {
                    throw new CheckFailure(
                        `the latest successful backup ${latest.name} is ${Math.round(ageMinutes)} min old, older than the ${limitMinutes} min RPO; failing over now would lose more data than promised`,
                    );
                }
                return `latest successful backup ${latest.name} is ${Math.round(ageMinutes)} min old (RPO ${limitMinutes} min)`;
            },
            true,
        );

        let inBudget = true;
        if (database && !options.disaster) inBudget = await step("precheck-database-lag", () => database!.precheckLag(), true);

        if (!(healthy && fresh && inBudget)) {
            if (!options.force) {
                notes.push("Refused before changing anything: fix the pre-checks above, or re-run with --force to fail over anyway.");
                return finish("refused");
            }
            notes.push("Pre-checks failed and --force was given: the drill went ahead anyway.");
        }

        // ---- the flip's plan: exactly what `up` will apply
        await step("set-config", async () => {
            await deps.stack.setActiveCloud(options.to);
            return `activeCloud ${from} → ${options.to}`;
        });
        let saved: SavedPlan;
        try {
            await step("preview-plan", async () => {
                try {
                    const { plan: p, detail } = await previewWithPlan((record) => (plan = record));
                    saved = p;
                    return detail;
                } catch (err) {
                    await deps.stack.setActiveCloud(from);
                    throw err;
                }
            });
        } catch (err) {
            notes.push(`activeCloud is back to ${from}: nothing was applied.`);
            if (plan?.replacements.length) {
                notes.push("Refused: an update plan that replaces a resource is never applied, also with --force; `npm run drill -- --simulate` shows which input triggers each.");
                return finish("refused");
            }
            throw err;
        }

        // ---- the database moves first; DNS only once the new primary accepts writes
        const stuck = () =>
            notes.push(
                `activeCloud is ${options.to} in the stack config and the database is mid-switch: see the steps above. ` +
                    `To finish by hand: set spec.replica.primary=${database!.facts.to.cluster} (with spec.replica.promotionToken = the ${from} Cluster's status.demotionToken for a switchover) ` +
                    `on the ${options.to} Cluster, wait until it accepts writes, then \`pulumi up\`.`,
            );
        if (database) {
            const db = database;
            try {
                if (options.disaster) {
                    await step("fence-old-primary", () => db.fence());
                    await step("promote-new-primary", () => db.promote(false));
                    await step("wait-writable", () => db.waitWritable());
                    await step("data-loss-window", () => db.dataLossWindow());
                } else {
                    await step("demote-old-primary", () => db.demote());
                    await step("wait-demotion-token", () => db.waitDemotionToken());
                    await step("promote-new-primary", () => db.promote(true));
                    await step("wait-writable", () => db.waitWritable());
                }
            } catch (err) {
                stuck();
                throw err;
            }
        }

        await step("up", async (): Promise<StepOutcome> => {
            let outcome: StackUpResult;
            try {
                outcome = await deps.stack.up({ plan: saved!, continueOnError: options.disaster });
            } catch (err) {
                notes.push(
                    `activeCloud stays ${options.to} in the stack config while the stack is only partly updated: fix the error and run \`pulumi up\`` +
                        (database ? "; the database already switched, so do not set activeCloud back without switching the database back." : `, or set activeCloud back to ${from} and run \`pulumi up\`.`),
                );
                throw err;
            }
            const summary = summarizeChanges(outcome.changes);
            if (outcome.result === "succeeded") return `succeeded with the saved plan: ${summary}`;
            const failed = outcome.failedResources.length ? `; failed: ${outcome.failedResources.join(", ")}` : "";
            if (options.disaster && database?.facts.fencing?.fenced === false) {
                notes.push(`pulumi up could not update everything on the unreachable ${from} side; run \`pulumi up\` again once it answers (the failback re-seed does).`);
                return { warning: `pulumi up finished with errors, expected while the ${from} cluster is unreachable (${summary}${failed})` };
            }
            throw new Error(`pulumi up ${outcome.result} (${summary}${failed})`);
        });

        const wanted = normalizeHost(target.hostnames[options.to]);
        await step("wait-dns", () =>
            pollUntil(poll, `${target.globalHostname} to resolve to ${wanted}`, async () => {
                try {
                    const answers = (await deps.dns.resolveCname(target.globalHostname)).map(normalizeHost);
                    return { done: answers.includes(wanted), last: `${target.globalHostname} → ${answers.join(", ") || "(no CNAME)"}` };
                } catch (err) {
                    return { done: false, last: `${target.globalHostname}: ${(err as Error).message}` };
                }
            }),
        );

        // Through the global name (so DNS really routes there), speaking TLS as the new primary.
        const healthUrl = `https://${target.globalHostname}${target.healthCheckPath}`;
        await step("wait-health", () =>
            pollUntil(poll, `${healthUrl} to answer 200`, async () => {
                const answer = await deps.http.get(healthUrl, options.probeTimeoutMs, target.hostnames[options.to]);
                return { done: answer.status === 200, last: `${healthUrl} answered ${answer.status || answer.error || "nothing"}` };
            }),
        );
        if (database) await step("hand-over", () => database!.handOver());
        if (options.disaster && database) {
            notes.push(`The ${from} database diverged (failover without a token): before failing back, \`npm run drill -- --stack ${options.stackName} --failback --execute\` re-seeds it.`);
        }
        return finish("succeeded");
    } catch (err) {
        if (!(err instanceof StepFailure)) problems.push((err as Error).message);
        return finish("failed");
    }
}

/**
 * `--preview`: a real preview of the flip that leaves the stack config as it
 * was: set activeCloud, preview, restore (also when the preview fails).
 */
export async function previewFlip(stack: DrillStack, to: CloudName, log: (line: string) => void = () => undefined): Promise<StackPreviewResult & { from: CloudName }> {
    const from = await stack.getActiveCloud();
    log(`Previewing activeCloud ${from} → ${to} on stack "${stack.name}" (the config change is undone afterwards)`);
    await stack.setActiveCloud(to);
    try {
        return { ...(await stack.preview()), from };
    } finally {
        await stack.setActiveCloud(from);
        log(`activeCloud restored to ${from}`);
    }
}
