/**
 * The step runner shared by the drill (orchestrator.ts) and the restore
 * (restore.ts): times each step, logs it, records it for the report, turns a
 * failed pre-check into a failed (or, with --force, warning) step, and fills
 * in the steps that never ran.
 */

export type StepStatus = "ok" | "failed" | "warning" | "skipped";

/** One row of a report's step list. */
export interface RecordedStep<Name extends string> {
    name: Name;
    title: string;
    status: StepStatus;
    startedAt?: string;
    endedAt?: string;
    durationSeconds?: number;
    detail: string;
}

/** Clock readings (ms) at the start and the end of a step. */
export interface StepTimes {
    start: number;
    end: number;
}

/** A pre-check did not pass: the step fails (or warns, when forced) and the run decides whether to go on. */
export class CheckFailure extends Error {}

/** A step failed and stopped the run; its message is already in `problems`. */
export class StepFailure extends Error {}

export interface StepRunnerOptions<Name extends string> {
    titles: Record<Name, string>;
    order: readonly Name[];
    clock: { now(): number };
    log: (line: string) => void;
    /** --force: a failed pre-check is recorded as a warning. */
    force: boolean;
}

export interface StepRunner<Name extends string> {
    /**
     * Runs one step and records it. Resolves true when it passed; a
     * CheckFailure from a pre-check resolves false; anything else rejects
     * with a StepFailure.
     */
    step(name: Name, body: () => Promise<string>, precheck?: boolean): Promise<boolean>;
    readonly steps: RecordedStep<Name>[];
    readonly times: Partial<Record<Name, StepTimes>>;
    readonly problems: string[];
    /** Adds the steps that did not run as skipped (detail "not run" unless `detailFor` says otherwise), sorts by the step order and returns the steps. */
    fillSkipped(detailFor?: (name: Name) => string): RecordedStep<Name>[];
}

export function createStepRunner<Name extends string>(options: StepRunnerOptions<Name>): StepRunner<Name> {
    const { titles, order, clock, log, force } = options;
    const iso = (ms: number) => new Date(ms).toISOString();
    const steps: RecordedStep<Name>[] = [];
    const times: Partial<Record<Name, StepTimes>> = {};
    const problems: string[] = [];

    const step = async (name: Name, body: () => Promise<string>, precheck = false): Promise<boolean> => {
        const start = clock.now();
        log(`▶ ${titles[name]}`);
        const record = (status: StepStatus, detail: string) => {
            const end = clock.now();
            times[name] = { start, end };
            steps.push({ name, title: titles[name], status, startedAt: iso(start), endedAt: iso(end), durationSeconds: (end - start) / 1000, detail });
            log(`  ${status}: ${detail} (${((end - start) / 1000).toFixed(1)} s)`);
        };
        try {
            record("ok", await body());
            return true;
        } catch (err) {
            const message = (err as Error).message;
            if (precheck && err instanceof CheckFailure) {
                record(force ? "warning" : "failed", message);
                problems.push(message);
                return false;
            }
            record("failed", message);
            problems.push(message);
            throw new StepFailure(message);
        }
    };

    const fillSkipped = (detailFor: (name: Name) => string = () => "not run"): RecordedStep<Name>[] => {
        for (const name of order) {
            if (!steps.some((s) => s.name === name)) steps.push({ name, title: titles[name], status: "skipped", detail: detailFor(name) });
        }
        steps.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
        return steps;
    };

    return { step, steps, times, problems, fillSkipped };
}
