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

/** A step that had nothing to do, or could not be done and need not be (an unreachable cluster to fence): recorded as skipped with this reason. */
export class StepSkipped extends Error {}

/** What a step body returns: its detail, or a detail with a warning (the run goes on, the report shows it). */
export type StepOutcome = string | { warning: string };

export interface StepRunnerOptions<Name extends string> {
    titles: Record<Name, string>;
    /** The steps in report order (a function when the run learns it on the way). */
    order: readonly Name[] | (() => readonly Name[]);
    clock: { now(): number };
    log: (line: string) => void;
    /** --force: a failed pre-check is recorded as a warning. */
    force: boolean;
}

export interface StepRunner<Name extends string> {
    /**
     * Runs one step and records it. Resolves true when it passed (or warned);
     * a StepSkipped, or a CheckFailure from a pre-check, resolves false;
     * anything else rejects with a StepFailure.
     */
    step(name: Name, body: () => Promise<StepOutcome>, precheck?: boolean): Promise<boolean>;
    readonly steps: RecordedStep<Name>[];
    readonly times: Partial<Record<Name, StepTimes>>;
    readonly problems: string[];
    /** Adds the steps that did not run as skipped (detail "not run" unless `detailFor` says otherwise), sorts by the step order and returns the steps. */
    fillSkipped(detailFor?: (name: Name) => string): RecordedStep<Name>[];
}

export function createStepRunner<Name extends string>(options: StepRunnerOptions<Name>): StepRunner<Name> {
    const { titles, clock, log, force } = options;
    const currentOrder = () => (typeof options.order === "function" ? options.order() : options.order);
    const iso = (ms: number) => new Date(ms).toISOString();
    const steps: RecordedStep<Name>[] = [];
    const times: Partial<Record<Name, StepTimes>> = {};
    const problems: string[] = [];

    const step = async (name: Name, body: () => Promise<StepOutcome>, precheck = false): Promise<boolean> => {
        const start = clock.now();
        log(`▶ ${titles[name]}`);
        const record = (status: StepStatus, detail: string) => {
            const end = clock.now();
            times[name] = { start, end };
            steps.push({ name, title: titles[name], status, startedAt: iso(start), endedAt: iso(end), durationSeconds: (end - start) / 1000, detail });
            log(`  ${status}: ${detail} (${((end - start) / 1000).toFixed(1)} s)`);
        };
        try {
            const outcome = await body();
            if (typeof outcome === "string") record("ok", outcome);
            else record("warning", outcome.warning);
            return true;
        } catch (err) {
            const message = (err as Error).message;
            if (err instanceof StepSkipped) {
                record("skipped", message);
                return false;
            }
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
        const order = currentOrder();
        for (const name of order) {
            if (!steps.some((s) => s.name === name)) steps.push({ name, title: titles[name], status: "skipped", detail: detailFor(name) });
        }
        steps.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
        return steps;
    };

    return { step, steps, times, problems, fillSkipped };
}

export interface PollOptions {
    clock: { now(): number; sleep(ms: number): Promise<void> };
    timeoutSeconds: number;
    pollSeconds: number;
}

/**
 * Polls until `probe` says done; resolves with its last message and the attempt
 * count, rejects with a timeout naming `what` and the last answer.
 */
export async function pollUntil(options: PollOptions, what: string, probe: () => Promise<{ done: boolean; last: string }>): Promise<string> {
    const { clock, timeoutSeconds, pollSeconds } = options;
    const deadline = clock.now() + timeoutSeconds * 1000;
    let attempts = 0;
    for (;;) {
        attempts++;
        const { done, last } = await probe();
        if (done) return `${last} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`;
        if (clock.now() >= deadline) throw new Error(`timed out after ${timeoutSeconds} s waiting for ${what}; last answer: ${last}`);
        await clock.sleep(pollSeconds * 1000);
    }
}
