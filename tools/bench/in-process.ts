/**
 * The in-process measurement: one offline evaluation under Pulumi's mock runtime
 * (the harness the tests, `npm run plan` and the drill use), in a fresh process
 * started with the Pulumi.yaml loader (./evaluate-once.ts does the work).
 */
import { spawnSync } from "child_process";
import { performance } from "perf_hooks";
import { ROOT } from "./runner-path";

export interface InProcessSample {
    /** From just before the harness loads to the end of the evaluation (module loading included, Node start-up not). */
    ms: number;
    rssMb: number;
    resources: number;
    /** Spawn to exit. */
    wallMs: number;
}

export function evaluateInProcess(args: string[], loader = "./runtime/ts-transpile.js"): InProcessSample {
    const start = performance.now();
    const child = spawnSync(process.execPath, ["-r", loader, "tools/bench/evaluate-once.ts", ...args], { cwd: ROOT, encoding: "utf8" });
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`in-process evaluation failed (${args.join(" ")}):\n${child.stderr}`);
    const lines = child.stdout.trim().split("\n");
    return { ...JSON.parse(lines[lines.length - 1]), wallMs };
}
