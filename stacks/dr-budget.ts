/**
 * The disaster-recovery budget, computed from config. Pure functions: no
 * Pulumi, no I/O, so config validation, stack outputs, the plan and the drill
 * tool all compute the same numbers.
 *
 *   RTO = detection (health-check interval × failure threshold)
 *       + switch (the global record's DNS TTL: resolvers may keep the old answer that long)
 *       + scale-up allowance (standby → full size on the new active cluster)
 *   RPO = the interval between two scheduled backups (Velero's cron schedule)
 */

export interface DrBudgetInput {
    /** dr.healthCheck.intervalSeconds: Route53 checks every 10 or 30 s. */
    intervalSeconds: number;
    /** dr.healthCheck.failureThreshold: consecutive failures before Route53 fails over. */
    failureThreshold: number;
    /** dr.healthCheck.ttlSeconds: TTL of the global failover record. */
    ttlSeconds: number;
    /** dr.scaleUpAllowanceSeconds: time for the new active side to grow from standby size. */
    scaleUpAllowanceSeconds: number;
    /** platform.velero.schedule: cron of the scheduled full backup. */
    backupScheduleCron: string;
}

export interface DrBudget {
    detectionSeconds: number;
    switchSeconds: number;
    scaleUpSeconds: number;
    /** detection + switch + scale-up. */
    rtoSeconds: number;
    /** Worst-case gap between two scheduled backups, in minutes. */
    rpoMinutes: number;
    /** The values the budget was computed from (for messages and reports). */
    inputs: DrBudgetInput;
}

export interface DrTargets {
    /** dr.rtoSeconds */
    rtoSeconds: number;
    /** dr.rpoMinutes */
    rpoMinutes: number;
}

/** The cron forms backupIntervalMinutes understands, for error messages and docs. */
export const SUPPORTED_CRON_FORMS = [
    `"M * * * *" (hourly at minute M)`,
    `"M */N * * *" (every N hours)`,
    `"*/N * * * *" (every N minutes)`,
    `"M H * * *" (daily at H:M)`,
    `"M H1,H2,... * * *" (several times a day)`,
    `"@hourly", "@daily", "@midnight", "@every <N>m|<N>h"`,
];

export class CronIntervalError extends Error {
    constructor(cron: string, why: string) {
        super(
            `platform.velero.schedule: cannot derive the backup interval (the RPO) from ${JSON.stringify(cron)}: ${why}; ` +
                `supported forms: ${SUPPORTED_CRON_FORMS.join(", ")}`,
        );
        this.name = "CronIntervalError";
    }
}

function parseIntIn(text: string, min: number, max: number): number | undefined {
    if (!/^\d+$/.test(text)) return undefined;
    const n = Number(text);
    return n >= min && n <= max ? n : undefined;
}

/** Largest gap between consecutive points on a circle of `period` units (the worst-case wait). */
function largestCircularGap(points: number[], period: number): number {
    const sorted = [...new Set(points)].sort((a, b) => a - b);
    let largest = 0;
    sorted.forEach((point, i) => {
        const next = i + 1 < sorted.length ? sorted[i + 1] : sorted[0] + period;
        largest = Math.max(largest, next - point);
    });
    return largest;
}

/** Points of a step field `*\/N` within [0, period): 0, N, 2N, ... (the last gap wraps and is never longer than N). */
function stepPoints(step: number, period: number): number[] {
    const points: number[] = [];
    for (let p = 0; p < period; p += step) points.push(p);
    return points;
}

/**
 * The worst-case interval, in minutes, between two runs of a Velero schedule
 * (standard 5-field cron, or the @-macros Velero's cron library accepts).
 * Throws a CronIntervalError naming platform.velero.schedule for anything else.
 */
export function backupIntervalMinutes(cron: string): number {
    const text = cron.trim();
    if (text.startsWith("@")) {
        if (text === "@hourly") return 60;
        if (text === "@daily" || text === "@midnight") return 24 * 60;
        const every = /^@every\s+(\d+)([mh])$/.exec(text);
        if (every) {
            const minutes = Number(every[1]) * (every[2] === "h" ? 60 : 1);
            if (minutes > 0) return minutes;
        }
        throw new CronIntervalError(cron, "unsupported macro");
    }
    const fields = text.split(/\s+/);
    if (fields.length !== 5) throw new CronIntervalError(cron, `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
    const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
    if (dayOfMonth !== "*" || month !== "*" || dayOfWeek !== "*") {
        throw new CronIntervalError(cron, "day-of-month, month and day-of-week must be * (a schedule that skips days has no fixed interval here)");
    }

    // "*/N * * * *": every N minutes of every hour.
    const minuteStep = /^\*\/(\d+)$/.exec(minute);
    if (minuteStep) {
        const step = parseIntIn(minuteStep[1], 1, 59);
        if (step === undefined) throw new CronIntervalError(cron, `minute step must be 1-59, got ${minuteStep[1]}`);
        if (hour !== "*") throw new CronIntervalError(cron, `a minute step needs hour "*", got ${JSON.stringify(hour)}`);
        return largestCircularGap(stepPoints(step, 60), 60);
    }
    if (minute === "*") throw new CronIntervalError(cron, `minute "*" runs every minute; give a fixed minute, e.g. "0 * * * *"`);
    const minutes = minute.split(",").map((m) => parseIntIn(m, 0, 59));
    if (minutes.some((m) => m === undefined)) throw new CronIntervalError(cron, `minute must be 0-59 or a list of them, got ${JSON.stringify(minute)}`);
    const minutePoints = minutes as number[];

    let hourPoints: number[];
    if (hour === "*") {
        hourPoints = stepPoints(1, 24);
    } else {
        const hourStep = /^\*\/(\d+)$/.exec(hour);
        if (hourStep) {
            const step = parseIntIn(hourStep[1], 1, 23);
            if (step === undefined) throw new CronIntervalError(cron, `hour step must be 1-23, got ${hourStep[1]}`);
            hourPoints = stepPoints(step, 24);
        } else {
            const hours = hour.split(",").map((h) => parseIntIn(h, 0, 23));
            if (hours.some((h) => h === undefined)) throw new CronIntervalError(cron, `hour must be 0-23, */N or a list, got ${JSON.stringify(hour)}`);
            hourPoints = hours as number[];
        }
    }
    const runs = hourPoints.flatMap((h) => minutePoints.map((m) => h * 60 + m));
    return largestCircularGap(runs, 24 * 60);
}

/** The config keys the budget reads (a structural slice of the stack config, to keep this module free of it). */
export interface DrBudgetConfig {
    dr: { healthCheck: { intervalSeconds: number; failureThreshold: number; ttlSeconds: number }; scaleUpAllowanceSeconds: number };
    platform: { velero: { schedule: string } };
}

/** The budget of a stack configuration: validation, stack outputs and the drill all use this one. */
export function drBudgetOf(config: DrBudgetConfig): DrBudget {
    const { intervalSeconds, failureThreshold, ttlSeconds } = config.dr.healthCheck;
    return computeDrBudget({
        intervalSeconds,
        failureThreshold,
        ttlSeconds,
        scaleUpAllowanceSeconds: config.dr.scaleUpAllowanceSeconds,
        backupScheduleCron: config.platform.velero.schedule,
    });
}

/** The RTO/RPO budget the configuration buys. Throws CronIntervalError for a schedule it cannot read. */
export function computeDrBudget(input: DrBudgetInput): DrBudget {
    const detectionSeconds = input.intervalSeconds * input.failureThreshold;
    const switchSeconds = input.ttlSeconds;
    const scaleUpSeconds = input.scaleUpAllowanceSeconds;
    return {
        detectionSeconds,
        switchSeconds,
        scaleUpSeconds,
        rtoSeconds: detectionSeconds + switchSeconds + scaleUpSeconds,
        rpoMinutes: backupIntervalMinutes(input.backupScheduleCron),
        inputs: { ...input },
    };
}

/** One line: "270 s (detection 3×30 s + DNS TTL 60 s + scale-up 120 s)". */
export function describeRto(budget: DrBudget): string {
    const { failureThreshold, intervalSeconds } = budget.inputs;
    return `${budget.rtoSeconds} s (detection ${failureThreshold}×${intervalSeconds} s + DNS TTL ${budget.switchSeconds} s + scale-up ${budget.scaleUpSeconds} s)`;
}

/** One line: "360 min (platform.velero.schedule "0 *\/6 * * *")". */
export function describeRpo(budget: DrBudget): string {
    return `${budget.rpoMinutes} min (platform.velero.schedule ${JSON.stringify(budget.inputs.backupScheduleCron)})`;
}

/**
 * Problems when the budget exceeds the declared targets, each naming the key
 * that declares the target and the keys that move the budget.
 */
export function drBudgetProblems(budget: DrBudget, targets: DrTargets): string[] {
    const problems: string[] = [];
    if (budget.rtoSeconds > targets.rtoSeconds) {
        problems.push(
            `dr.rtoSeconds: the failover budget is ${describeRto(budget)}, above the ${targets.rtoSeconds} s target; ` +
                `lower dr.healthCheck.intervalSeconds, dr.healthCheck.failureThreshold, dr.healthCheck.ttlSeconds or dr.scaleUpAllowanceSeconds`,
        );
    }
    if (budget.rpoMinutes > targets.rpoMinutes) {
        problems.push(
            `dr.rpoMinutes: the backup interval is ${describeRpo(budget)}, above the ${targets.rpoMinutes} min target; ` +
                `schedule platform.velero.schedule at least every ${targets.rpoMinutes} min (e.g. ${JSON.stringify(suggestCron(targets.rpoMinutes))})`,
        );
    }
    return problems;
}

/** A schedule that meets an RPO target, for the suggestion in the message. */
function suggestCron(rpoMinutes: number): string {
    if (rpoMinutes >= 24 * 60) return "0 0 * * *";
    if (rpoMinutes >= 60) {
        const hours = [12, 8, 6, 4, 3, 2, 1].find((h) => h * 60 <= rpoMinutes)!;
        return hours === 1 ? "0 * * * *" : `0 */${hours} * * *`;
    }
    const step = [30, 20, 15, 10, 5, 1].find((m) => m <= rpoMinutes)!;
    return `*/${step} * * * *`;
}
