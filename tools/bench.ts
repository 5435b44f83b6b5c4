/**
 * Benchmarks, written into the README (between the bench markers). Every figure
 * comes from fresh processes, measured two ways:
 *  - runner path: the program's process as `pulumi up` starts it — Node with
 *    Pulumi.yaml's runtime options, Pulumi's own runner, gRPC to an engine (a
 *    mock, ./bench/mock-engine.ts) — timed from spawn to exit;
 *  - in-process: one evaluation under Pulumi's mock runtime (the offline harness
 *    of the tests, the plan and the drill), module loading included.
 * Measured: (a) dev and prod; (b) N FinancialApp instances (1, 10, 50) and the
 * marginal cost of one; (c) Pulumi's default TypeScript runtime for comparison.
 *
 *   npm run bench [-- --runs N] [--quick] [--no-readme] [--profile DIR]
 *   npm run bench -- --breakdown [--runs N] [--counts SMALL,LARGE] [--only a,b]
 *
 * --quick: one prod evaluation each way and 1 and 2 apps on the runner path (a smoke
 * run for tests). --profile DIR: also writes a --cpu-prof of one runner-path prod
 * evaluation to DIR and prints where its time went. --breakdown: only the cost per
 * resource by shape and pattern (./bench/breakdown.ts), printed, not written.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseFlags, runIfMain } from "../commands/command-line";
import { stackRunConfig } from "../commands/offline/evaluate-stack";
import { InProcessSample } from "./bench/in-process";
import { runBreakdown } from "./bench/breakdown";
import { summarizeProfile } from "./bench/profile-summary";
import { RunnerSample, repeatInProcess, repeatRunner, runnerRun } from "./bench/repeat";
import { ROOT, RunnerRun, benchProgramRun } from "./bench/runner-path";

/** Least-squares line through (x, y): slope, intercept and R². */
function fit(points: [number, number][]) {
    const n = points.length;
    const mx = points.reduce((a, [x]) => a + x, 0) / n;
    const my = points.reduce((a, [, y]) => a + y, 0) / n;
    const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
    const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    const slope = sxy / sxx;
    const intercept = my - slope * mx;
    const ssTot = points.reduce((a, [, y]) => a + (y - my) ** 2, 0);
    const ssRes = points.reduce((a, [x, y]) => a + (y - (slope * x + intercept)) ** 2, 0);
    return { slope, intercept, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

const stackRun = (stack: string): RunnerRun => {
    const { project, config, secretKeys } = stackRunConfig(stack, { placeholderSecrets: true });
    return { project, stack, config, secretKeys };
};
const appsRun = (count: number): RunnerRun => benchProgramRun(["tools/bench/apps-program.ts", String(count)]);

const ms = (x: number) => `${x.toFixed(0)} ms`;
const mb = (x: number | undefined) => (x === undefined ? "n/a" : `${x.toFixed(0)} MB`);
const perSecond = (resources: number, wallMs: number) => `${((resources * 1000) / wallMs).toFixed(0)} resources/s`;
const runnerCell = (s: RunnerSample) => `**${ms(s.wallMs)}**, ${perSecond(s.resources, s.wallMs)}, peak RSS ${mb(s.rssMb)}${s.cpuMs === undefined ? "" : `, CPU ${ms(s.cpuMs)}`}`;
const inProcessCell = (s: InProcessSample) => `${ms(s.ms)}, peak RSS ${mb(s.rssMb)}`;

const FLAGS = { "--runs": "value", "--quick": "switch", "--no-readme": "switch", "--profile": "value", "--breakdown": "switch", "--counts": "value", "--only": "value" } as const;

async function main(argv: string[]): Promise<void> {
    // A mistyped flag stops here, instead of starting a full run that rewrites the README.
    const { flags } = parseFlags(argv, FLAGS);
    const runs = Number(flags["--runs"]) || 3;
    const quick = flags["--quick"];
    const profileDir = flags["--profile"];
    const load = os.loadavg()[0];
    if (flags["--breakdown"]) {
        const [small, large] = (flags["--counts"] ?? "50,400").split(",").map(Number);
        const only = (flags["--only"] ?? "").split(",").filter(Boolean);
        console.log(`1-minute load average ${load.toFixed(1)} when it started.\n`);
        console.log(await runBreakdown({ runs, counts: [small, large], only }));
        return;
    }
    const machine = `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    const rows: string[] = [];
    const row = (measurement: string, runner: string, inProcess: string, target: string) => rows.push(`| ${measurement} | ${runner} | ${inProcess} | ${target} |`);

    console.error("(a) stack evaluations…");
    const stacks = quick ? ["prod"] : ["dev", "prod"];
    for (const stack of stacks) {
        const runner = await repeatRunner(runs, stackRun(stack));
        const inProcess = repeatInProcess(runs, ["stack", stack]);
        // Twice CDK EKS Blueprints' ~85 resources/s, whatever the stack's size; ≤ 300 MB.
        const target = stack === "prod" ? `≥ 170 resources/s (≤ ${Math.round((runner.resources / 170) * 1000)} ms), ≤ 300 MB` : "—";
        row(`(a) ${stack} evaluation (${runner.resources} resources)`, runnerCell(runner), inProcessCell(inProcess), target);
    }

    console.error("(b) app instances…");
    const counts = quick ? [1, 2] : [1, 10, 50];
    const apps: RunnerSample[] = [];
    for (const n of counts) apps.push(await repeatRunner(runs, appsRun(n)));
    const inProcessApps = quick ? [] : counts.map((n) => repeatInProcess(runs, ["apps", String(n)]));
    counts.forEach((n, i) => {
        row(`(b) ${n} app instance${n > 1 ? "s" : ""} (${apps[i].resources} resources)`, runnerCell(apps[i]), inProcessApps[i] ? ms(inProcessApps[i].ms) : "—", "—");
    });
    const runnerLine = fit(counts.map((n, i) => [n, apps[i].wallMs]));
    const inProcessLine = inProcessApps.length ? fit(counts.map((n, i) => [n, inProcessApps[i].ms])) : undefined;
    row(
        "(b) marginal cost per app instance",
        `**${runnerLine.slope.toFixed(1)} ms** (linear fit R² = ${runnerLine.r2.toFixed(3)})`,
        inProcessLine ? `${inProcessLine.slope.toFixed(1)} ms (R² = ${inProcessLine.r2.toFixed(3)})` : "—",
        "≤ 30 ms, linear",
    );

    if (!quick) {
        console.error("(c) Pulumi's default TypeScript runtime…");
        // What Pulumi runs without our runtime options: ts-node, type-checking every file it loads.
        const tsNode = await repeatRunner(1, { ...stackRun("prod"), runtime: { typescript: true, nodeargs: [] } });
        row("(c) prod with Pulumi's default runtime (ts-node, type-checking; one run)", `${ms(tsNode.wallMs)}, peak RSS ${mb(tsNode.rssMb)}`, "—", "—");
    }

    const header = [
        `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; median of ${runs} fresh process${runs > 1 ? "es" : ""}; ` +
            `1-minute load average ${load.toFixed(1)} when it started (other work on the machine inflates the times).`,
        "",
        "| measurement | runner path (the process `pulumi up` starts) | in-process (offline harness) | target (runner path) |",
        "|---|---|---|---|",
    ];
    const table = [...header, ...rows].join("\n");
    console.log(table);

    if (profileDir) {
        console.error(`profiling one runner-path prod evaluation into ${profileDir}…`);
        fs.mkdirSync(profileDir, { recursive: true });
        await runnerRun({ ...stackRun("prod"), extraNodeArgs: ["--cpu-prof", `--cpu-prof-dir=${path.resolve(profileDir)}`] });
        const newest = fs.readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(profileDir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
        console.log(summarizeProfile(JSON.parse(fs.readFileSync(newest, "utf8")), ROOT));
    }

    if (!flags["--no-readme"]) {
        const readme = path.join(ROOT, "README.md");
        const text = fs.readFileSync(readme, "utf8");
        fs.writeFileSync(readme, text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`));
        console.error("README.md updated.");
    }
}

runIfMain(module, () => main(process.argv.slice(2)));
