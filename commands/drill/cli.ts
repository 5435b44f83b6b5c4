/**
 * Failover drill.
 *
 *   npm run drill -- --stack <name> --to <aws|azure> [--simulate|--preview|--execute [--disaster]]
 *                    [--failback [--reseed-only]] [--force] [--report-dir DIR] [--timeout SECONDS] [--set key.path=value ...] [--with key.path=value ...]
 *   npm run drill -- --stack <name> --restore --to <aws|azure> [--backup NAME] [--namespaces a,b]
 *                    [--execute] [--force] [--report-dir DIR] [--timeout SECONDS]
 *   npm run drill -- --stack <name> --restore --pitr <RFC 3339 time> [--to <aws|azure>] [--execute]
 *                    [--keep] [--verify-sql SQL] [--report-dir DIR] [--timeout SECONDS]
 *
 * Exit codes: 0 done and clean; 1 the drill ran and found a problem (a
 * replacement, a budget over target, refused pre-checks, a failed or timed-out
 * failover, a refused, failed or partially failed restore or recovery); 2 it could not run (bad arguments, unknown stack, missing pulumi
 * CLI, kubectl or cloud credentials, invalid config).
 */
import { CloudName } from "../../components/cluster/contract";
import { ConfigError } from "../../stacks/config";
import { DatabaseApi } from "./database";
import { UsageError, checkOverrides, parseFlags, runIfMain } from "../command-line";
import { DrillSetupError, isCloud, resolveTarget } from "./errors";
import { Clock, DEFAULT_EXECUTE_TIMING, DrillDeps, DrillReport, DrillStack, executeDrill, previewFlip, systemClock } from "./orchestrator";
import { DEFAULT_PITR_TIMING, PitrReport, parsePitrTime, renderPitrPlan, runPitr } from "./pitr";
import { writeDrillReport, writePitrReport, writeRestoreReport } from "./report";
import { DEFAULT_RESTORE_TIMING, RestoreOptions, RestoreReport, VeleroRestoreApi, parseNamespaces, renderRestorePlan, runRestore } from "./restore";
import { budgetFor, renderSimulation, simulate } from "./simulate";
import { REPLACE_OPS, describeStep, replacementsIn } from "./update-plan";

/** "dry-run": `--restore` without `--execute`. */
export type DrillMode = "simulate" | "preview" | "execute" | "dry-run";

export interface DrillArgs {
    stack: string;
    to?: CloudName;
    mode: DrillMode;
    failback: boolean;
    force: boolean;
    reportDir: string;
    timeoutSeconds: number;
    overrides: string[];
    /** `--with key=value`: config applied to both sides of a simulated flip (the stack as if configured so). */
    baseOverrides: string[];
    help: boolean;
    /** `--restore`: restore the peer cluster's backup into `to` instead of failing over. */
    restore: boolean;
    /** `--backup NAME` (with --restore). */
    backup?: string;
    /** `--namespaces a,b` (with --restore). */
    namespaces?: string[];
    /** `--disaster` (with --execute): an unplanned failover: fence, promote without a token. */
    disaster: boolean;
    /** `--reseed-only` (with --failback --execute): re-seed the old primary as a replica, do not switch back. */
    reseedOnly: boolean;
    /** `--pitr TIME` (with --restore): point-in-time recovery of the database to this time (UTC ISO). */
    pitr?: string;
    /** `--keep` (with --pitr): leave the recovered Cluster in place. */
    keep: boolean;
    /** `--verify-sql SQL` (with --pitr): a read-only query run in the recovered application database. */
    verifySql?: string;
}

export const USAGE = `usage: npm run drill -- --stack <name> --to <aws|azure> [--simulate | --preview | --execute [--disaster]] [options]
       npm run drill -- --stack <name> --failback [--execute [--reseed-only]] [options]
       npm run drill -- --stack <name> --restore --to <aws|azure> [--backup NAME] [--namespaces a,b] [--execute] [options]
       npm run drill -- --stack <name> --restore --pitr <RFC 3339 time> [--to <aws|azure>] [--execute] [--keep] [--verify-sql SQL]

modes (default --simulate):
  --simulate          offline: evaluate the program with the current and the flipped activeCloud,
                      print every resource change and exit 1 if anything would be replaced
  --preview           real \`pulumi preview\` of the flip (the config change is undone afterwards),
                      naming every resource it would replace
  --execute           planned switchover: pre-checks (health, backup age, database replica lag),
                      set activeCloud, \`pulumi preview --save-plan\` (refused if it replaces anything),
                      demote the old primary database, promote the new one with the demotion token,
                      wait until it accepts writes, \`pulumi up --plan\`, wait for the global name to
                      serve from the new primary, write JSON + Markdown reports
  --execute --disaster
                      unplanned failover: fence the old primary database if its cluster answers,
                      promote the replica without a token, report the data-loss window, then the plan

options:
  --to <aws|azure>    the cloud to make active
  --failback          return to the other cloud (with --to: the cloud the drill moved to); with
                      --execute, first re-seeds the old primary database as a replica when it
                      diverged (after --disaster), then switches over
  --reseed-only       --failback --execute: stop once the old primary is a replica again
  --force             --execute despite failed pre-checks (unhealthy target, stale backup, replica lag);
                      never despite a plan that replaces a resource
  --report-dir DIR    where --execute writes drill-<stack>-<timestamp>.{json,md} (default drill-reports)
  --timeout SECONDS   --execute: how long to wait for each thing the drill waits for: the demotion token,
                      writes on the new primary, the re-seeded replica, DNS, the health URL (default ${DEFAULT_EXECUTE_TIMING.waitTimeoutSeconds} each)
  --set key=value     --simulate: also apply this config override to the flipped side
  --with key=value    --simulate: apply this config override to both sides (simulate the flip of the
                      stack as if so configured, e.g. --with platform.ingress.controller=envoy-gateway)

restore (instead of a failover):
  --restore           restore the other cloud's Velero backup (location "peer", read-only) into the
                      --to cluster; without --execute a dry run: reads the stack outputs and the backups,
                      prints the backup, the cluster and the Restore manifest, creates nothing
  --execute           create the Restore with kubectl, wait for it, write restore-<stack>-<timestamp>.{json,md}
  --backup NAME       restore this backup (Completed, in location "peer"); default: the newest Completed one
  --namespaces a,b    restore only these namespaces (default: all but velero and the kube-* system ones)
  --force             --execute a backup older than the RPO
  --timeout SECONDS   how long to wait for the Restore (default ${DEFAULT_RESTORE_TIMING.waitTimeoutSeconds})

point-in-time recovery of the database (with --restore):
  --pitr TIME         recover the archive to TIME (RFC 3339 with an offset, e.g. 2025-03-01T09:45:00Z) into
                      a new Cluster in the side's restore namespace; without --execute a dry run that
                      prints the manifest; with --execute it creates it, waits, verifies, deletes it and
                      writes pitr-<stack>-<timestamp>.{json,md}
  --to <aws|azure>    whose archive (default: the primary side's)
  --keep              leave the recovered Cluster in place for inspection
  --verify-sql SQL    also run this read-only query in the recovered application database
  --timeout SECONDS   how long to wait for the recovery (default ${DEFAULT_PITR_TIMING.waitTimeoutSeconds})

exit codes: 0 clean, 1 the drill found a problem, 2 it could not run`;

const DRILL_FLAGS = {
    "--stack": "value",
    "--to": "value",
    "--simulate": "switch",
    "--preview": "switch",
    "--execute": "switch",
    "--failback": "switch",
    "--force": "switch",
    "--report-dir": "value",
    "--timeout": "value",
    "--set": "list",
    "--with": "list",
    "--restore": "switch",
    "--disaster": "switch",
    "--reseed-only": "switch",
    "--pitr": "value",
    "--keep": "switch",
    "--verify-sql": "value",
    "--backup": "value",
    "--namespaces": "value",
    "-h": "switch",
    "--help": "switch",
} as const;

const MODES = ["simulate", "preview", "execute"] as const;

/** A value the drill parses further (a time, a list): its complaint becomes a usage error. */
function parsedValue<T>(parse: () => T): T {
    try {
        return parse();
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
}

export function parseDrillArgs(argv: string[]): DrillArgs {
    const { flags, given } = parseFlags(argv, DRILL_FLAGS);
    const to = flags["--to"];
    if (to !== undefined && !isCloud(to)) throw new UsageError(`--to must be aws or azure, got "${to}"`);
    const timeout = flags["--timeout"];
    if (timeout !== undefined && !(Number.isInteger(Number(timeout)) && Number(timeout) >= 1)) throw new UsageError(`--timeout must be a whole number of seconds, got "${timeout}"`);
    const pitr = flags["--pitr"];
    const namespaces = flags["--namespaces"];
    const args: DrillArgs = {
        stack: flags["--stack"] ?? "",
        to,
        mode: "simulate",
        failback: flags["--failback"],
        force: flags["--force"],
        reportDir: flags["--report-dir"] ?? "drill-reports",
        timeoutSeconds: timeout === undefined ? DEFAULT_EXECUTE_TIMING.waitTimeoutSeconds : Number(timeout),
        overrides: flags["--set"],
        baseOverrides: flags["--with"],
        help: flags["-h"] || flags["--help"],
        restore: flags["--restore"],
        backup: flags["--backup"],
        namespaces: namespaces === undefined ? undefined : parsedValue(() => parseNamespaces(namespaces)),
        disaster: flags["--disaster"],
        reseedOnly: flags["--reseed-only"],
        pitr: pitr === undefined ? undefined : parsedValue(() => parsePitrTime(pitr, Date.now())),
        keep: flags["--keep"],
        verifySql: flags["--verify-sql"],
    };
    const modes = MODES.filter((mode) => flags[`--${mode}`]);
    if (args.help) return args;
    if (modes.length > 1) throw new UsageError(`choose one mode, got ${modes.map((m) => `--${m}`).join(" and ")}`);
    if (args.restore) {
        if (args.failback) throw new UsageError("--restore cannot be combined with --failback: a restore goes into the cluster named by --to");
        if (args.disaster) throw new UsageError("--disaster only applies to a failover (--execute without --restore)");
        const other = modes.find((m) => m !== "execute");
        if (other) throw new UsageError(`--restore cannot be combined with --${other}: without --execute it is a dry run, with --execute it restores`);
        if (args.pitr) {
            for (const flag of ["--backup", "--namespaces", "--force"]) {
                if (given.has(flag)) throw new UsageError(`${flag} applies to the Velero restore, not to --pitr (a point-in-time recovery goes into its own namespace)`);
            }
        }
    } else {
        for (const flag of ["--backup", "--namespaces", "--pitr"]) {
            if (given.has(flag)) throw new UsageError(`${flag} only applies to --restore`);
        }
    }
    if (!args.pitr) {
        for (const flag of ["--keep", "--verify-sql"]) {
            if (given.has(flag)) throw new UsageError(`${flag} only applies to --restore --pitr`);
        }
    }
    args.mode = modes[0] ?? (args.restore ? "dry-run" : "simulate");
    if (!args.stack) throw new UsageError("--stack is required");
    if (args.restore && !args.to && !args.pitr) throw new UsageError("--restore needs --to aws|azure: the cluster to restore into");
    if (args.restore && !given.has("--timeout")) args.timeoutSeconds = args.pitr ? DEFAULT_PITR_TIMING.waitTimeoutSeconds : DEFAULT_RESTORE_TIMING.waitTimeoutSeconds;
    if (!args.restore && !args.to && !args.failback) throw new UsageError("--to aws|azure is required (or --failback)");
    if (args.disaster && args.mode !== "execute") throw new UsageError("--disaster only applies to --execute: it fences and promotes for real (use --simulate or --preview to see the flip)");
    if (args.disaster && args.failback) throw new UsageError("--disaster cannot be combined with --failback: a failback is planned (it re-seeds, then switches over)");
    if (args.reseedOnly && !(args.failback && args.mode === "execute")) throw new UsageError("--reseed-only only applies to --failback --execute");
    if (args.force && args.mode !== "execute") throw new UsageError("--force only applies to --execute");
    if (given.has("--report-dir") && args.mode !== "execute") throw new UsageError("--report-dir only applies to --execute");
    if (given.has("--timeout") && args.mode !== "execute") throw new UsageError("--timeout only applies to --execute");
    if (args.overrides.length && args.mode !== "simulate") throw new UsageError("--set only applies to --simulate (a real drill changes activeCloud only)");
    if (args.baseOverrides.length && args.mode !== "simulate") throw new UsageError("--with only applies to --simulate");
    checkOverrides("--set", args.overrides);
    checkOverrides("--with", args.baseOverrides);
    return args;
}

/** Everything the CLI touches, so tests can run it without a cloud. */
export interface CliDeps {
    out: (text: string) => void;
    err: (text: string) => void;
    simulate: typeof simulate;
    requireStackFile: (stack: string) => void;
    requirePulumiCli: () => void;
    /** Only `clouds` when given (a restore talks to one cluster), else both. */
    requireCredentials: (clouds?: readonly CloudName[]) => void;
    requireKubectl: () => void;
    openStack: (stack: string) => Promise<DrillStack>;
    probes: () => Omit<DrillDeps, "stack" | "log">;
    restoreProbes: () => { velero: VeleroRestoreApi; clock: Clock };
    /** CloudNativePG through kubectl. */
    database: () => DatabaseApi;
    writeReport: (report: DrillReport, dir: string) => { json: string; markdown: string };
    writeRestoreReport: (report: RestoreReport, dir: string) => { json: string; markdown: string };
    writePitrReport: (report: PitrReport, dir: string) => { json: string; markdown: string };
}

function liveDeps(): CliDeps {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const live = require("./live") as typeof import("./live");
    return {
        out: (text) => console.log(text),
        err: (text) => console.error(text),
        simulate,
        requireStackFile: (stack) => live.requireStackFile(stack),
        requirePulumiCli: () => live.requirePulumiCli(),
        requireCredentials: (clouds) => live.requireCredentials(undefined, clouds),
        requireKubectl: () => live.requireKubectl(),
        openStack: (stack) => live.openStack(stack),
        probes: () => ({ dns: live.liveDns, http: live.liveHttp, backups: live.liveBackups, clock: systemClock }),
        restoreProbes: () => ({ velero: live.liveVelero, clock: systemClock }),
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        database: () => (require("./live-cnpg") as typeof import("./live-cnpg")).liveCnpg,
        writeReport: writeDrillReport,
        writeRestoreReport,
        writePitrReport,
    };
}

async function runSimulate(args: DrillArgs, deps: CliDeps): Promise<number> {
    const result = await deps.simulate({ stack: args.stack, to: args.to, failback: args.failback, overrides: args.overrides, baseOverrides: args.baseOverrides });
    deps.out(renderSimulation(result));
    return result.replacements.length > 0 || result.refusals.length > 0 || (result.budget?.problems.length ?? 0) > 0 || result.database?.problem ? 1 : 0;
}

async function openLive(args: DrillArgs, deps: CliDeps): Promise<{ stack: DrillStack; from: CloudName; to: CloudName }> {
    deps.requirePulumiCli();
    deps.requireCredentials();
    const stack = await deps.openStack(args.stack);
    const { from, to } = resolveTarget(await stack.getActiveCloud(), args.to, args.failback, args.stack);
    return { stack, from, to };
}

async function runPreview(args: DrillArgs, deps: CliDeps): Promise<number> {
    const { stack, to } = await openLive(args, deps);
    const result = await previewFlip(stack, to, deps.out);
    const replaced = replacementsIn(result.steps);
    const counted = REPLACE_OPS.reduce((n, op) => n + (result.changes[op] ?? 0), 0);
    const summary = Object.entries(result.changes).map(([op, n]) => `${n} ${op}`).join(", ");
    deps.out(`\nPreview of activeCloud ${result.from} → ${to} on stack "${args.stack}": ${summary || "no changes"}`);
    if (replaced.length > 0 || counted > 0) {
        deps.out(`${Math.max(replaced.length, counted)} replacement(s): a failover must replace nothing; --execute would refuse:`);
        replaced.forEach((r) => deps.out(`  replace ${describeStep(r)}`));
        return 1;
    }
    deps.out("0 replacements.");
    return 0;
}

async function runExecute(args: DrillArgs, deps: CliDeps): Promise<number> {
    const { stack, to } = await openLive(args, deps);
    const outputs = await stack.outputs();
    let budget;
    try {
        budget = budgetFor(args.stack, outputs);
    } catch (err) {
        throw new DrillSetupError(`cannot compute the DR budget for stack "${args.stack}": ${(err as Error).message}`);
    }
    const hasDatabase = outputs.database !== undefined && outputs.database !== null;
    if (hasDatabase) deps.requireKubectl();
    const report = await executeDrill(
        {
            stackName: args.stack,
            to,
            direction: args.failback ? "failback" : "failover",
            disaster: args.disaster,
            reseedOnly: args.reseedOnly,
            force: args.force,
            budget: budget.budget,
            targets: budget.targets,
            waitTimeoutSeconds: args.timeoutSeconds,
            pollSeconds: DEFAULT_EXECUTE_TIMING.pollSeconds,
            probeTimeoutMs: DEFAULT_EXECUTE_TIMING.probeTimeoutMs,
        },
        { ...deps.probes(), ...(hasDatabase ? { database: deps.database() } : {}), stack, log: deps.out },
    );
    const files = deps.writeReport(report, args.reportDir);
    const rto = report.measured.rtoSeconds === undefined ? "" : `; measured RTO ${report.measured.rtoSeconds} s (budget ${report.budget.rtoSeconds} s)`;
    deps.out(`\n${report.operation === "failover" ? "Failover" : "Switchover"} drill ${report.status}${rto}.`);
    const db = report.database;
    if (report.measured.writeOutageSeconds !== undefined) deps.out(`  writes paused ${report.measured.writeOutageSeconds} s (demotion to a writable new primary)`);
    if (db?.lag?.seconds !== undefined) deps.out(`  replica lag at the pre-check: ${db.lag.seconds} s (database RPO budget ${db.lag.budgetSeconds ?? "unknown"} s)`);
    if (db?.dataLoss?.windowSeconds !== undefined) deps.out(`  data-loss window: at most ${db.dataLoss.windowSeconds} s (last replayed transaction ${db.dataLoss.lastReplayedAt})`);
    return printOutcome(deps, report, files);
}

/** The end of every executed drill: its problems and notes, where the reports are; exit 0 only when it succeeded. */
function printOutcome(deps: CliDeps, report: { status: string; problems: string[]; notes: string[] }, files: { json: string; markdown: string }): number {
    report.problems.forEach((p) => deps.out(`  - ${p}`));
    report.notes.forEach((n) => deps.out(`  note: ${n}`));
    deps.out(`Reports: ${files.json}\n         ${files.markdown}`);
    return report.status === "succeeded" ? 0 : 1;
}

async function runPitrCommand(args: DrillArgs, deps: CliDeps): Promise<number> {
    deps.requirePulumiCli();
    deps.requireCredentials(args.to ? [args.to] : undefined);
    deps.requireKubectl();
    const stack = await deps.openStack(args.stack);
    const { clock } = deps.restoreProbes();
    const report = await runPitr(
        {
            stackName: args.stack,
            cloud: args.to,
            targetTime: args.pitr!,
            execute: args.mode === "execute",
            keep: args.keep,
            verifySql: args.verifySql,
            waitTimeoutSeconds: args.timeoutSeconds,
            pollSeconds: DEFAULT_PITR_TIMING.pollSeconds,
        },
        { stack, database: deps.database(), clock, log: deps.out },
    );
    if (report.mode === "dry-run") {
        deps.out(`\n${renderPitrPlan(report)}`);
        return report.status === "planned" ? 0 : 1;
    }
    const files = deps.writePitrReport(report, args.reportDir);
    const stopped = report.recovered?.stopReason ? `: recovery stopped ${report.recovered.stopReason}` : "";
    deps.out(`\nPoint-in-time recovery to ${report.targetTime} ${report.status}${stopped}.`);
    return printOutcome(deps, report, files);
}

async function runRestoreCommand(args: DrillArgs, deps: CliDeps): Promise<number> {
    const to = args.to!;
    deps.requirePulumiCli();
    deps.requireCredentials([to]);
    deps.requireKubectl();
    const stack = await deps.openStack(args.stack);
    let budget;
    try {
        budget = budgetFor(args.stack, await stack.outputs());
    } catch (err) {
        throw new DrillSetupError(`cannot compute the DR budget (the RPO) for stack "${args.stack}": ${(err as Error).message}`);
    }
    const options: RestoreOptions = {
        stackName: args.stack,
        to,
        backupName: args.backup,
        namespaces: args.namespaces,
        execute: args.mode === "execute",
        force: args.force,
        budget: budget.budget,
        targets: budget.targets,
        waitTimeoutSeconds: args.timeoutSeconds,
        pollSeconds: DEFAULT_RESTORE_TIMING.pollSeconds,
    };
    const report = await runRestore(options, { ...deps.restoreProbes(), stack, log: deps.out });
    if (!options.execute) {
        deps.out(`\n${renderRestorePlan(report, options)}`);
        return report.status === "planned" ? 0 : 1;
    }
    const files = deps.writeRestoreReport(report, args.reportDir);
    const facts = [
        report.restore ? `Restore ${report.restore.name} ${report.restore.phase ?? "(no phase)"}, ${report.restore.warnings} warnings, ${report.restore.errors} errors` : "",
        report.backup ? `backup ${report.backup.name} ${report.backup.ageMinutes} min old (RPO ${report.backup.limitMinutes} min)` : "",
        report.measured.totalSeconds !== undefined ? `restore took ${report.measured.totalSeconds} s` : "",
    ].filter(Boolean);
    deps.out(`\nRestore into ${to} ${report.status}${facts.length ? `: ${facts.join("; ")}` : ""}.`);
    return printOutcome(deps, report, files);
}

/** Runs the drill CLI; returns the exit code. */
export async function runCli(argv: string[], overrides: Partial<CliDeps> = {}): Promise<number> {
    const deps: CliDeps = { ...liveDeps(), ...overrides };
    let args: DrillArgs;
    try {
        args = parseDrillArgs(argv);
    } catch (err) {
        deps.err(`error: ${(err as Error).message}\n\n${USAGE}`);
        return 2;
    }
    if (args.help) {
        deps.out(USAGE);
        return 0;
    }
    try {
        deps.requireStackFile(args.stack);
        if (args.restore && args.pitr) return await runPitrCommand(args, deps);
        if (args.restore) return await runRestoreCommand(args, deps);
        if (args.mode === "simulate") return await runSimulate(args, deps);
        if (args.mode === "preview") return await runPreview(args, deps);
        return await runExecute(args, deps);
    } catch (err) {
        if (err instanceof DrillSetupError || err instanceof ConfigError) {
            deps.err(`error: ${(err as Error).message}`);
            return 2;
        }
        throw err;
    }
}

// A bug (anything runCli does not turn into an exit code) prints its stack trace and exits 2: the drill could not run.
runIfMain(module, () => runCli(process.argv.slice(2)), { failureCode: 2 });
