/**
 * `npm run bench -- --breakdown`: the cost of one resource, by shape and by the
 * program's patterns (./breakdown-scenarios.ts), from the difference between a
 * small and a large count in fresh processes (start-up and module loading cancel
 * out). Three ways: Pulumi's runner against the mock engine (wall, the program's
 * CPU time and the engine's), the offline harness in-process, and Pulumi's mock runtime
 * without the harness's recording.
 */
import { SCENARIOS } from "./breakdown-scenarios";
import { repeatInProcess, repeatRunner } from "./repeat";
import { benchProgramRun } from "./runner-path";

export interface BreakdownOptions {
    runs: number;
    /** Units in the small and the large program. */
    counts: [number, number];
    /** Only these scenarios (all when empty); "app" is the FinancialApp row. */
    only: string[];
}

interface Point {
    resources: number;
    wallMs: number;
    cpuMs?: number;
    engineCpuMs?: number;
}

const runnerPoint = (program: string[], runs: number): Promise<Point> => repeatRunner(runs, benchProgramRun(program));

function inProcessPoint(args: string[], runs: number): Point {
    const { resources, ms } = repeatInProcess(runs, args);
    return { resources, wallMs: ms };
}

const slope = (a: Point, b: Point, key: "wallMs" | "cpuMs" | "engineCpuMs") =>
    a[key] === undefined || b[key] === undefined ? undefined : (b[key]! - a[key]!) / (b.resources - a.resources);
const cell = (x: number | undefined) => (x === undefined ? "n/a" : `${x.toFixed(2)} ms`);

/** Markdown table: per scenario, milliseconds per extra resource each way. */
export async function runBreakdown(options: BreakdownOptions): Promise<string> {
    const [small, large] = options.counts;
    const wanted = (name: string) => options.only.length === 0 || options.only.includes(name);
    const rows: string[] = [];
    const row = (name: string, what: string, runner: [Point, Point], harness: [Point, Point], bare?: [Point, Point]) =>
        rows.push(`| ${name} | ${what} | ${cell(slope(...runner, "wallMs"))} | ${cell(slope(...runner, "cpuMs"))} | ${cell(slope(...runner, "engineCpuMs"))} | ${cell(slope(...harness, "wallMs"))} | ${bare ? cell(slope(...bare, "wallMs")) : "—"} |`);

    for (const scenario of SCENARIOS.filter((s) => wanted(s.name))) {
        console.error(`breakdown: ${scenario.name}…`);
        const points = async (count: number) => ({
            runner: await runnerPoint(["tools/bench/breakdown-program.ts", scenario.name, String(count)], options.runs),
            harness: inProcessPoint(["breakdown", scenario.name, String(count)], options.runs),
            bare: inProcessPoint(["breakdown-bare", scenario.name, String(count)], options.runs),
        });
        const [a, b] = [await points(small), await points(large)];
        row(scenario.name, scenario.what, [a.runner, b.runner], [a.harness, b.harness], [a.bare, b.bare]);
    }
    if (wanted("app")) {
        console.error("breakdown: app…");
        // FinancialApp instances: far fewer units, each ~32 resources.
        const apps = [Math.max(1, Math.round(small / 25)), Math.max(2, Math.round(large / 25))];
        const runner: Point[] = [];
        for (const n of apps) runner.push(await runnerPoint(["tools/bench/apps-program.ts", String(n)], options.runs));
        const harness = apps.map((n) => inProcessPoint(["apps", String(n)], options.runs));
        row("app", `a FinancialApp's resources (${apps[0]} vs ${apps[1]} apps)`, [runner[0], runner[1]], [harness[0], harness[1]]);
    }
    return [
        `Milliseconds per extra resource (${small} vs ${large} units, median of ${options.runs} fresh processes each):`,
        "",
        "| scenario | one unit | runner path, wall | runner path, program CPU | mock engine CPU | in-process (harness) | mock runtime alone |",
        "|---|---|---|---|---|---|---|",
        ...rows,
    ].join("\n");
}
