import { worstCaseIntervalMinutes } from "./cron-interval";

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

export { CronIntervalError } from "./cron-interval";

/**
 * The worst-case interval, in minutes, between two runs of the Velero schedule
 * (any five-field cron, or a macro Velero's cron library accepts). Throws a
 * CronIntervalError naming platform.velero.schedule for anything else.
 */
export function backupIntervalMinutes(cron: string): number {
    return worstCaseIntervalMinutes(cron, "platform.velero.schedule");
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

/** The RTO/RPO budget the configuration buys. Throws a CronIntervalError for a schedule it cannot read. */
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
