/**
 * One measured offline evaluation in a fresh process (spawned by tools/bench.ts):
 * prints {ms, rssMb, resources} as JSON. Usage:
 *   node -r <loader> tools/bench/evaluate-once.ts stack <dev|prod>
 *   node -r <loader> tools/bench/evaluate-once.ts apps <count>
 */
import { performance } from "perf_hooks";

async function main(): Promise<void> {
    const [mode, arg] = process.argv.slice(2);
    const start = performance.now();
    let resources: number;
    if (mode === "stack") {
        const { evaluateStack } = await import("../../commands/offline/evaluate-stack");
        resources = (await evaluateStack(arg, { placeholderSecrets: true })).resources.length;
    } else if (mode === "apps") {
        const { evaluateApps } = await import("./app-instances");
        resources = (await evaluateApps(Number(arg))).resources.length;
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
