/**
 * One measured offline evaluation in a fresh process (spawned by tools/bench.ts):
 * prints {ms, rssMb, resources} as JSON. Usage:
 *   node -r <loader> tools/bench/evaluate-once.ts stack <dev|prod>
 *   node -r <loader> tools/bench/evaluate-once.ts apps <count>
 *   node -r <loader> tools/bench/evaluate-once.ts breakdown <scenario> <count>
 *   node -r <loader> tools/bench/evaluate-once.ts breakdown-bare <scenario> <count>
 * (breakdown: through the offline harness, which records every registration;
 * breakdown-bare: Pulumi's mock runtime alone, for the harness's own share).
 */
import { performance } from "perf_hooks";

async function main(): Promise<void> {
    const [mode, arg, count] = process.argv.slice(2);
    const start = performance.now();
    let resources: number;
    if (mode === "stack") {
        const { evaluateStack } = await import("../../commands/offline/evaluate-stack");
        resources = (await evaluateStack(arg, { placeholderSecrets: true })).resources.length;
    } else if (mode === "apps") {
        const { evaluateApps } = await import("./app-instances");
        resources = (await evaluateApps(Number(arg))).resources.length;
    } else if (mode === "breakdown") {
        const [{ evaluate }, { scenarioNamed }] = await Promise.all([import("../../commands/offline/harness"), import("./breakdown-scenarios")]);
        const scenario = scenarioNamed(arg);
        resources = (await evaluate({ project: "bench", stack: "bench", config: {}, program: () => scenario.declare(Number(count)) })).resources.length;
    } else if (mode === "breakdown-bare") {
        const { evaluateBare } = await import("./bare-mocks");
        const { scenarioNamed } = await import("./breakdown-scenarios");
        const scenario = scenarioNamed(arg);
        resources = await evaluateBare(() => scenario.declare(Number(count)));
    } else {
        throw new Error(`unknown mode ${mode}`);
    }
    const ms = performance.now() - start;
    // maxRSS is in kilobytes: the process's peak resident memory, module loading included.
    const rssMb = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ ms, rssMb, resources }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
