/**
 * Repeated fresh-process measurements and their medians, shared by the bench table
 * (tools/bench.ts) and `--breakdown` (./breakdown.ts).
 */
import { InProcessSample, evaluateInProcess } from "./in-process";
import { RunnerResult, RunnerRun, runThroughRunner } from "./runner-path";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The median of the samples that have the value (CPU and RSS are missing when the process could not be sampled). */
const medianOf = <T>(samples: T[], key: (s: T) => number | undefined) => {
    const values = samples.map(key).filter((v): v is number => v !== undefined);
    return values.length ? median(values) : undefined;
};

/** Medians of repeated runner-path runs. */
export interface RunnerSample {
    wallMs: number;
    /** The program's process. */
    cpuMs?: number;
    rssMb?: number;
    /** The mock engine's (the bench's own process). */
    engineCpuMs: number;
    resources: number;
}

/** One runner-path run, which must succeed: a failed run's time measures nothing. */
export async function runnerRun(run: RunnerRun): Promise<RunnerResult> {
    const result = await runThroughRunner(run);
    if (result.exitCode !== 0) {
        const program = run.program ? `, ${run.program.join(" ")}` : "";
        throw new Error(`runner-path run failed (exit ${result.exitCode}${program}):\n${result.diagnostics.join("\n")}\n${result.stderr}`);
    }
    return result;
}

export async function repeatRunner(runs: number, run: RunnerRun): Promise<RunnerSample> {
    const samples: RunnerResult[] = [];
    for (let i = 0; i < runs; i++) samples.push(await runnerRun(run));
    return {
        wallMs: median(samples.map((s) => s.wallMs)),
        cpuMs: medianOf(samples, (s) => s.sample?.cpuMs),
        rssMb: medianOf(samples, (s) => s.sample?.peakRssMb),
        engineCpuMs: median(samples.map((s) => s.engineCpuMs)),
        resources: samples[0].resources,
    };
}

export function repeatInProcess(runs: number, args: string[]): InProcessSample {
    const samples = Array.from({ length: runs }, () => evaluateInProcess(args));
    return {
        ms: median(samples.map((s) => s.ms)),
        rssMb: median(samples.map((s) => s.rssMb)),
        resources: samples[0].resources,
        wallMs: median(samples.map((s) => s.wallMs)),
    };
}
