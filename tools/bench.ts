/**
 * Benchmarks, written into the README (between the bench markers):
 *  (a) offline evaluation time and peak memory of dev and prod, each in a fresh process;
 *  (b) how evaluation time grows with N FinancialApp instances (1, 10, 50);
 *  (c) cold start of the program as the language host runs it: our runtime options
 *      (ts-node transpile-only) against Pulumi's default (ts-node with type-checking).
 *
 *   npm run bench [-- --runs N] [--no-readme]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

const ROOT = path.resolve(__dirname, "..");
/** Our runtime option (Pulumi.yaml nodeargs): TypeScript transpiled without checks or source maps. */
const TRANSPILE_ONLY = "./runtime/ts-transpile.js";
/** Pulumi's default for a TypeScript program: ts-node, type-checking every file it loads. */
const TYPE_CHECK = "ts-node/register";

interface Sample {
    ms: number;
    rssMb: number;
    resources: number;
    wallMs: number;
}

function run(loader: string, args: string[]): Sample {
    const start = performance.now();
    const child = spawnSync(process.execPath, ["-r", loader, "tools/bench/evaluate-once.ts", ...args], { cwd: ROOT, encoding: "utf8" });
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`bench child failed (${args.join(" ")}):\n${child.stderr}`);
    const lines = child.stdout.trim().split("\n");
    return { ...JSON.parse(lines[lines.length - 1]), wallMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function repeat(runs: number, loader: string, args: string[]): Sample {
    const samples = Array.from({ length: runs }, () => run(loader, args));
    return {
        ms: median(samples.map((s) => s.ms)),
        rssMb: median(samples.map((s) => s.rssMb)),
        resources: samples[0].resources,
        wallMs: median(samples.map((s) => s.wallMs)),
    };
}

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
    return { slope, intercept, r2: 1 - ssRes / ssTot };
}

function main(): void {
    const argv = process.argv.slice(2);
    const runs = Number(argv[argv.indexOf("--runs") + 1]) || 3;
    const f = (x: number) => x.toFixed(0);
    const lines: string[] = [];
    const machine = `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

    console.error("(a) stack evaluations…");
    const dev = repeat(runs, TRANSPILE_ONLY, ["stack", "dev"]);
    const prod = repeat(runs, TRANSPILE_ONLY, ["stack", "prod"]);

    console.error("(b) app instances…");
    const counts = [1, 10, 50];
    const apps = counts.map((n) => repeat(runs, TRANSPILE_ONLY, ["apps", String(n)]));
    const line = fit(counts.map((n, i) => [n, apps[i].ms]));

    console.error("(c) cold start…");
    const fast = repeat(runs, TRANSPILE_ONLY, ["stack", "prod"]);
    const checked = repeat(1, TYPE_CHECK, ["stack", "prod"]);

    lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; median of ${runs} fresh processes.`, "");
    lines.push("| measurement | result | target |", "|---|---|---|");
    lines.push(`| (a) dev evaluation (${dev.resources} resources) | ${f(dev.ms)} ms, peak RSS ${f(dev.rssMb)} MB | — |`);
    lines.push(`| (a) prod evaluation (${prod.resources} resources) | ${f(prod.ms)} ms, peak RSS ${f(prod.rssMb)} MB | ≤ 2000 ms, ≤ 300 MB |`);
    counts.forEach((n, i) => lines.push(`| (b) ${n} app instance${n > 1 ? "s" : ""} (${apps[i].resources} resources) | ${f(apps[i].ms)} ms | — |`));
    lines.push(`| (b) marginal cost per app instance | ${line.slope.toFixed(1)} ms (linear fit R² = ${line.r2.toFixed(3)}) | ≤ 15 ms, linear |`);
    lines.push(`| (c) cold start, transpile-only (our Pulumi.yaml) | ${f(fast.wallMs)} ms | — |`);
    lines.push(`| (c) cold start, ts-node type-checking (Pulumi default) | ${f(checked.wallMs)} ms | — |`);
    lines.push(`| (c) speed-up | ${(checked.wallMs / fast.wallMs).toFixed(1)}× | ≥ 5× |`);
    const table = lines.join("\n");
    console.log(table);

    if (!argv.includes("--no-readme")) {
        const readme = path.join(ROOT, "README.md");
        const text = fs.readFileSync(readme, "utf8");
        const updated = text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`);
        fs.writeFileSync(readme, updated);
        console.error("README.md updated.");
    }
}

main();
