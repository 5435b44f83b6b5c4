/**
 * Failover drill.
 *
 *   npm run drill -- --stack <name> --to <aws|azure> [--simulate|--preview|--execute]
 *                    [--failback] [--force] [--report-dir DIR] [--timeout SECONDS] [--set key.path=value ...]
 *
 * Exit codes: 0 done and clean; 1 the drill ran and found a problem (a
 * replacement, a budget over target, refused pre-checks, a failed or timed-out
 * failover); 2 it could not run (bad arguments, unknown stack, missing pulumi
 * CLI or cloud credentials, invalid config).
 */
import { CloudName } from "../../components/cluster/contract";
import { ConfigError } from "../../stacks/config";
import { DrillSetupError, isCloud, resolveTarget } from "./errors";
import { DEFAULT_EXECUTE_TIMING, DrillDeps, DrillReport, DrillStack, executeDrill, previewFlip, systemClock } from "./orchestrator";
import { writeDrillReport } from "./report";
import { budgetFor, renderSimulation, simulate } from "./simulate";

export type DrillMode = "simulate" | "preview" | "execute";

export interface DrillArgs {
    stack: string;
    to?: CloudName;
    mode: DrillMode;
    failback: boolean;
    force: boolean;
    reportDir: string;
    timeoutSeconds: number;
    overrides: string[];
    help: boolean;
}

export const USAGE = `usage: npm run drill -- --stack <name> --to <aws|azure> [--simulate | --preview | --execute] [options]

modes (default --simulate):
  --simulate          offline: evaluate the program with the current and the flipped activeCloud,
                      print every resource change and exit 1 if anything would be replaced
  --preview           real \`pulumi preview\` of the flip (the config change is undone afterwards)
  --execute           pre-checks, set activeCloud, \`pulumi up\`, wait for the global name to
                      serve from the new primary, write JSON + Markdown reports

options:
  --to <aws|azure>    the cloud to make active
  --failback          return to the other cloud (with --to: the cloud the drill moved to)
  --force             --execute despite failed pre-checks (unhealthy target, stale backup)
  --report-dir DIR    where --execute writes drill-<stack>-<timestamp>.{json,md} (default drill-reports)
  --timeout SECONDS   --execute: how long to wait for DNS and for the health URL (default ${DEFAULT_EXECUTE_TIMING.waitTimeoutSeconds})
  --set key=value     --simulate: also apply this config override to the flipped side

exit codes: 0 clean, 1 the drill found a problem, 2 it could not run`;

export class UsageError extends DrillSetupError {}

export function parseDrillArgs(argv: string[]): DrillArgs {
    const args: DrillArgs = {
        stack: "",
        mode: "simulate",
        failback: false,
        force: false,
        reportDir: "drill-reports",
        timeoutSeconds: DEFAULT_EXECUTE_TIMING.waitTimeoutSeconds,
        overrides: [],
        help: false,
    };
    const modes: DrillMode[] = [];
    const given = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const next = argv[i + 1];
            if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
            i++;
            return next;
        };
        given.add(flag);
        switch (flag) {
            case "--stack":
                args.stack = value();
                break;
            case "--to": {
                const to = value();
                if (!isCloud(to)) throw new UsageError(`--to must be aws or azure, got "${to}"`);
                args.to = to;
                break;
            }
            case "--simulate":
            case "--preview":
            case "--execute":
                modes.push(flag.slice(2) as DrillMode);
                break;
            case "--failback":
                args.failback = true;
                break;
            case "--force":
                args.force = true;
                break;
            case "--report-dir":
                args.reportDir = value();
                break;
            case "--timeout": {
                const text = value();
                const seconds = Number(text);
                if (!Number.isInteger(seconds) || seconds < 1) throw new UsageError(`--timeout must be a whole number of seconds, got "${text}"`);
                args.timeoutSeconds = seconds;
                break;
            }
            case "--set":
                args.overrides.push(value());
                break;
            case "-h":
            case "--help":
                args.help = true;
                break;
            default:
                throw new UsageError(`unknown option ${flag}`);
        }
    }
    if (args.help) return args;
    if (modes.length > 1) throw new UsageError(`choose one mode, got ${modes.map((m) => `--${m}`).join(" and ")}`);
    args.mode = modes[0] ?? "simulate";
    if (!args.stack) throw new UsageError("--stack is required");
    if (!args.to && !args.failback) throw new UsageError("--to aws|azure is required (or --failback)");
    if (args.force && args.mode !== "execute") throw new UsageError("--force only applies to --execute");
    if (given.has("--report-dir") && args.mode !== "execute") throw new UsageError("--report-dir only applies to --execute");
    if (given.has("--timeout") && args.mode !== "execute") throw new UsageError("--timeout only applies to --execute");
    if (args.overrides.length && args.mode !== "simulate") throw new UsageError("--set only applies to --simulate (a real drill changes activeCloud only)");
    for (const override of args.overrides) {
        if (override.indexOf("=") <= 0) throw new UsageError(`--set expects key.path=value, got "${override}"`);
    }
    return args;
}

/** Everything the CLI touches, so tests can run it without a cloud. */
export interface CliDeps {
    out: (text: string) => void;
    err: (text: string) => void;
    simulate: typeof simulate;
    requireStackFile: (stack: string) => void;
    requirePulumiCli: () => void;
    requireCredentials: () => void;
    openStack: (stack: string) => Promise<DrillStack>;
    probes: () => Omit<DrillDeps, "stack" | "log">;
    writeReport: (report: DrillReport, dir: string) => { json: string; markdown: string };
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
        requireCredentials: () => live.requireCredentials(),
        openStack: (stack) => live.openStack(stack),
        probes: () => ({ dns: live.liveDns, http: live.liveHttp, backups: live.liveBackups, clock: systemClock }),
        writeReport: writeDrillReport,
    };
}

async function runSimulate(args: DrillArgs, deps: CliDeps): Promise<number> {
    const result = await deps.simulate({ stack: args.stack, to: args.to, failback: args.failback, overrides: args.overrides });
    deps.out(renderSimulation(result));
    return result.replacements.length > 0 || (result.budget?.problems.length ?? 0) > 0 ? 1 : 0;
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
    const replaced = (result.changes.replace ?? 0) + (result.changes["create-replacement"] ?? 0) + (result.changes["delete-replaced"] ?? 0);
    const summary = Object.entries(result.changes).map(([op, n]) => `${n} ${op}`).join(", ");
    deps.out(`\nPreview of activeCloud ${result.from} → ${to} on stack "${args.stack}": ${summary || "no changes"}`);
    deps.out(replaced > 0 ? `${replaced} replacement operation(s): a failover must replace nothing; do not execute this drill.` : "0 replacements.");
    return replaced > 0 ? 1 : 0;
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
    const report = await executeDrill(
        {
            stackName: args.stack,
            to,
            direction: args.failback ? "failback" : "failover",
            force: args.force,
            budget: budget.budget,
            targets: budget.targets,
            waitTimeoutSeconds: args.timeoutSeconds,
            pollSeconds: DEFAULT_EXECUTE_TIMING.pollSeconds,
            probeTimeoutMs: DEFAULT_EXECUTE_TIMING.probeTimeoutMs,
        },
        { ...deps.probes(), stack, log: deps.out },
    );
    const files = deps.writeReport(report, args.reportDir);
    const rto = report.measured.rtoSeconds === undefined ? "" : `; measured RTO ${report.measured.rtoSeconds} s (budget ${report.budget.rtoSeconds} s)`;
    deps.out(`\nDrill ${report.status}${rto}.`);
    report.problems.forEach((p) => deps.out(`  - ${p}`));
    report.notes.forEach((n) => deps.out(`  note: ${n}`));
    deps.out(`Reports: ${files.json}\n         ${files.markdown}`);
    return report.status === "succeeded" ? 0 : 1;
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

if (require.main === module) {
    runCli(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            console.error(err instanceof Error ? err.stack ?? err.message : err);
            process.exitCode = 2;
        },
    );
}
