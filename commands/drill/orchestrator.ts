/**
 * The `--execute` and `--preview` step machines. Every effect goes through an
 * injected port (stack, DNS, HTTP, backups, clock), so the same code runs
 * against the real adapters in live.ts and against fakes in the tests.
 */
import { CloudName } from "../../components/cluster/contract";
import { DrBudget, DrTargets } from "../../stacks/config/dr-budget";
import { isCloud } from "./errors";
import { CheckFailure, RecordedStep, StepFailure, createStepRunner } from "./steps";

// ---------------------------------------------------------------- ports

export interface StackUpResult {
    result: "succeeded" | "failed";
    /** Operation counts, e.g. { update: 4, same: 300 }. */
    changes: Record<string, number>;
}

export interface StackPreviewResult {
    changes: Record<string, number>;
    stdout: string;
}

/** The Pulumi stack, as the drill uses it. */
export interface DrillStack {
    readonly name: string;
    getActiveCloud(): Promise<CloudName>;
    setActiveCloud(cloud: CloudName): Promise<void>;
    preview(): Promise<StackPreviewResult>;
    up(): Promise<StackUpResult>;
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

export type StepName = "read-stack" | "precheck-target-health" | "precheck-backup-age" | "set-config" | "up" | "wait-dns" | "wait-health";
export type { StepStatus } from "./steps";
export type DrillStep = RecordedStep<StepName>;

export interface DrillReport {
    kind: "finplat-drill-report";
    version: 1;
    stack: string;
    mode: "execute";
    direction: "failover" | "failback";
    from: CloudName;
    to: CloudName;
    forced: boolean;
    status: "succeeded" | "failed" | "refused";
    startedAt: string;
    finishedAt: string;
    globalHostname?: string;
    /** The hostname the global name must resolve to when the drill is done. */
    expectedTarget?: string;
    steps: DrillStep[];
    measured: {
        /** From the start of `pulumi up` until the global name serves from the new primary. */
        rtoSeconds?: number;
        upSeconds?: number;
        /** From the end of `up` until the global name resolved to the new primary. */
        dnsSwitchSeconds?: number;
    };
    budget: DrBudget;
    targets?: DrTargets;
    verdict: { rtoWithinBudget?: boolean; rtoWithinTarget?: boolean };
    backup?: { name: string; completedAt: string; ageMinutes: number; limitMinutes: number };
    /** Why the drill refused or failed. */
    problems: string[];
    notes: string[];
}

export interface ExecuteOptions {
    stackName: string;
    to: CloudName;
    direction: "failover" | "failback";
    /** Go on although a pre-check failed. */
    force: boolean;
    budget: DrBudget;
    targets?: DrTargets;
    /** How long to wait for DNS, then for the health URL (seconds each). */
    waitTimeoutSeconds: number;
    pollSeconds: number;
    probeTimeoutMs: number;
}

export const DEFAULT_EXECUTE_TIMING = { waitTimeoutSeconds: 900, pollSeconds: 5, probeTimeoutMs: 10_000 };

const TITLES: Record<StepName, string> = {
    "read-stack": "Read the stack's active cloud and outputs",
    "precheck-target-health": "Pre-check: the target cluster's health URL answers 200",
    "precheck-backup-age": "Pre-check: the latest successful backup is younger than the RPO",
    "set-config": "Set activeCloud in the stack config",
    up: "pulumi up",
    "wait-dns": "Wait until the global name resolves to the new primary",
    "wait-health": "Wait until the global health URL answers 200",
};

export const STEP_ORDER: StepName[] = ["read-stack", "precheck-target-health", "precheck-backup-age", "set-config", "up", "wait-dns", "wait-health"];

export function normalizeHost(name: string): string {
    return name.trim().replace(/\.$/, "").toLowerCase();
}

/**
 * Runs a failover (or failback) drill: pre-checks, config, up, then waits for
 * the global name to serve from the new primary. Always returns a report,
 * also when it refuses or fails; never throws for a drill failure.
 */
export async function executeDrill(options: ExecuteOptions, deps: DrillDeps): Promise<DrillReport> {
    const { clock } = deps;
    const log = deps.log ?? (() => undefined);
    const iso = (ms: number) => new Date(ms).toISOString();
    const startedMs = clock.now();
    const notes: string[] = [];
    let from: CloudName = options.to === "aws" ? "azure" : "aws";
    let endpoints: DrillEndpoints | undefined;
    let backup: DrillReport["backup"];

    /** Runs one step; a CheckFailure is a failed pre-check (warning when forced), anything else stops the drill. */
    const { step, times, problems, fillSkipped } = createStepRunner<StepName>({ titles: TITLES, order: STEP_ORDER, clock, log, force: options.force });

    const finish = (status: DrillReport["status"]): DrillReport => {
        const steps = fillSkipped();
        const measured: DrillReport["measured"] = {};
        if (times.up) measured.upSeconds = (times.up.end - times.up.start) / 1000;
        if (times.up && times["wait-dns"] && steps.find((s) => s.name === "wait-dns")?.status === "ok") {
            measured.dnsSwitchSeconds = (times["wait-dns"].end - times.up.end) / 1000;
        }
        if (status === "succeeded" && times.up && times["wait-health"]) {
            measured.rtoSeconds = (times["wait-health"].end - times.up.start) / 1000;
        }
        const verdict: DrillReport["verdict"] = {};
        if (measured.rtoSeconds !== undefined) {
            verdict.rtoWithinBudget = measured.rtoSeconds <= options.budget.rtoSeconds;
            if (options.targets) verdict.rtoWithinTarget = measured.rtoSeconds <= options.targets.rtoSeconds;
        }
        return {
            kind: "finplat-drill-report",
            version: 1,
            stack: options.stackName,
            mode: "execute",
            direction: options.direction,
            from,
            to: options.to,
            forced: options.force,
            status,
            startedAt: iso(startedMs),
            finishedAt: iso(clock.now()),
            globalHostname: endpoints?.globalHostname,
            expectedTarget: endpoints?.hostnames[options.to],
            steps,
            measured,
            budget: options.budget,
            targets: options.targets,
            verdict,
            backup,
            problems,
            notes,
        };
    };

    /** Polls until `probe` returns a success message or the wait times out. */
    const waitFor = async (what: string, probe: () => Promise<{ done: boolean; last: string }>): Promise<string> => {
        const deadline = clock.now() + options.waitTimeoutSeconds * 1000;
        let attempts = 0;
        for (;;) {
            attempts++;
            const { done, last } = await probe();
            if (done) return `${last} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`;
            if (clock.now() >= deadline) throw new Error(`timed out after ${options.waitTimeoutSeconds} s waiting for ${what}; last answer: ${last}`);
            await clock.sleep(options.pollSeconds * 1000);
        }
    };

    try {
        await step("read-stack", async () => {
            const active = await deps.stack.getActiveCloud();
            if (!isCloud(active)) throw new Error(`activeCloud is ${JSON.stringify(active)}, expected aws or azure`);
            from = active;
            if (active === options.to) throw new Error(`activeCloud is already ${options.to}; nothing to fail over`);
            endpoints = endpointsFromOutputs(await deps.stack.outputs());
            return `activeCloud=${active}; global name ${endpoints.globalHostname}; new primary ${endpoints.hostnames[options.to]}`;
        });
        const target = endpoints!;

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

        if (!(healthy && fresh)) {
            if (!options.force) {
                notes.push("Refused before changing anything: fix the pre-checks above, or re-run with --force to fail over anyway.");
                return finish("refused");
            }
            notes.push("Pre-checks failed and --force was given: the drill went ahead anyway.");
        }

        await step("set-config", async () => {
            await deps.stack.setActiveCloud(options.to);
            return `activeCloud ${from} → ${options.to}`;
        });

        await step("up", async () => {
            let outcome: StackUpResult;
            try {
                outcome = await deps.stack.up();
            } catch (err) {
                notes.push(`activeCloud stays ${options.to} in the stack config while the stack is only partly updated: fix the error and run \`pulumi up\`, or set activeCloud back to ${from} and run \`pulumi up\`.`);
                throw err;
            }
            const summary = Object.entries(outcome.changes).filter(([op]) => op !== "same").map(([op, n]) => `${n} ${op}`).join(", ") || "no changes";
            if (outcome.result !== "succeeded") throw new Error(`pulumi up ${outcome.result} (${summary})`);
            return `succeeded: ${summary}`;
        });

        const wanted = normalizeHost(target.hostnames[options.to]);
        await step("wait-dns", () =>
            waitFor(`${target.globalHostname} to resolve to ${wanted}`, async () => {
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
            waitFor(`${healthUrl} to answer 200`, async () => {
                const answer = await deps.http.get(healthUrl, options.probeTimeoutMs, target.hostnames[options.to]);
                return { done: answer.status === 200, last: `${healthUrl} answered ${answer.status || answer.error || "nothing"}` };
            }),
        );
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
