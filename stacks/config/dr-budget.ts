import { worstCaseIntervalMinutes } from "./cron-interval";

/**
 * The disaster-recovery budget, computed from config. Pure functions: no
 * Pulumi, no I/O, so config validation, stack outputs, the plan and the drill
 * tool all compute the same numbers.
 *
 *   RTO, service restored (writable on the other cloud)
 *       = detection (health-check interval × failure threshold)
 *       + switch (the global record's DNS TTL: resolvers may keep the old answer that long)
 *       + promotion allowance (an unplanned failover: the on-call decision, then the drill fences
 *         the old side and promotes the replica; nothing writes before that)
 *   RTO, full capacity = service restored + scale-up allowance (standby → full size)
 *   RPO, database = archive_timeout (a WAL segment is closed at least that often while there are
 *         writes) + the upload allowance (it reaches the object store the other cloud replays from)
 *   RPO, objects = the interval between two scheduled Velero backups (volumes other than the database)
 *
 * The sums are deliberately conservative: DNS and promotion overlap in practice.
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
    /** dr.promotionAllowanceSeconds: decision + fenced promotion of an unplanned failover (absent: 0). */
    promotionAllowanceSeconds?: number;
    /** database.archive.timeoutSeconds; absent without an in-cluster database (app.database.mode external). */
    archiveTimeoutSeconds?: number;
    /** database.archive.uploadAllowanceSeconds; absent without an in-cluster database. */
    archiveUploadAllowanceSeconds?: number;
}

export interface DrBudget {
    detectionSeconds: number;
    switchSeconds: number;
    promotionSeconds: number;
    scaleUpSeconds: number;
    /** Service restored, writable: detection + switch + promotion. */
    rtoSeconds: number;
    /** Full capacity: service restored + scale-up. */
    fullCapacitySeconds: number;
    /** Objects and volumes other than the database: worst-case gap between two Velero backups, in minutes. */
    rpoMinutes: number;
    /** The database: archive timeout + upload allowance, in seconds; absent without an in-cluster database. */
    databaseRpoSeconds?: number;
    /** The values the budget was computed from (for messages and reports). */
    inputs: DrBudgetInput;
}

export interface DrTargets {
    /** dr.rtoSeconds: service restored. */
    rtoSeconds: number;
    /** dr.rpoMinutes: objects (Velero). */
    rpoMinutes: number;
    /** dr.fullCapacitySeconds (not checked when absent). */
    fullCapacitySeconds?: number;
    /** dr.databaseRpoSeconds (not checked when absent, or when the budget has no database). */
    databaseRpoSeconds?: number;
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
    dr: {
        healthCheck: { intervalSeconds: number; failureThreshold: number; ttlSeconds: number };
        scaleUpAllowanceSeconds: number;
        promotionAllowanceSeconds: number;
        rtoSeconds: number;
        fullCapacitySeconds: number;
        rpoMinutes: number;
        databaseRpoSeconds: number;
    };
    platform: { velero: { schedule: string } };
    app: { enabled: boolean; database: { mode: "in-cluster" | "external" } };
    database: { archive: { timeoutSeconds: number; uploadAllowanceSeconds: number } };
}

/** True when the stack runs its own PostgreSQL on both sides (the data tier exists). */
export function hasInClusterDatabase(config: Pick<DrBudgetConfig, "app">): boolean {
    return config.app.enabled && config.app.database.mode === "in-cluster";
}

/** The budget of a stack configuration: validation, stack outputs and the drill all use this one. */
export function drBudgetOf(config: DrBudgetConfig): DrBudget {
    const { intervalSeconds, failureThreshold, ttlSeconds } = config.dr.healthCheck;
    const archive = hasInClusterDatabase(config)
        ? { archiveTimeoutSeconds: config.database.archive.timeoutSeconds, archiveUploadAllowanceSeconds: config.database.archive.uploadAllowanceSeconds }
        : {};
    return computeDrBudget({
        intervalSeconds,
        failureThreshold,
        ttlSeconds,
        scaleUpAllowanceSeconds: config.dr.scaleUpAllowanceSeconds,
        backupScheduleCron: config.platform.velero.schedule,
        promotionAllowanceSeconds: config.dr.promotionAllowanceSeconds,
        ...archive,
    });
}

/** The declared targets of a stack configuration. */
export function drTargetsOf(config: Pick<DrBudgetConfig, "dr">): DrTargets {
    const { rtoSeconds, fullCapacitySeconds, rpoMinutes, databaseRpoSeconds } = config.dr;
    return { rtoSeconds, fullCapacitySeconds, rpoMinutes, databaseRpoSeconds };
}

/** The RTO/RPO budget the configuration buys. Throws a CronIntervalError for a schedule it cannot read. */
export function computeDrBudget(input: DrBudgetInput): DrBudget {
    const detectionSeconds = input.intervalSeconds * input.failureThreshold;
    const switchSeconds = input.ttlSeconds;
    const promotionSeconds = input.promotionAllowanceSeconds ?? 0;
    const scaleUpSeconds = input.scaleUpAllowanceSeconds;
    const rtoSeconds = detectionSeconds + switchSeconds + promotionSeconds;
    const databaseRpoSeconds = input.archiveTimeoutSeconds === undefined ? undefined : input.archiveTimeoutSeconds + (input.archiveUploadAllowanceSeconds ?? 0);
    return {
        detectionSeconds,
        switchSeconds,
        promotionSeconds,
        scaleUpSeconds,
        rtoSeconds,
        fullCapacitySeconds: rtoSeconds + scaleUpSeconds,
        rpoMinutes: backupIntervalMinutes(input.backupScheduleCron),
        ...(databaseRpoSeconds === undefined ? {} : { databaseRpoSeconds }),
        inputs: { ...input },
    };
}

/** One line: "270 s (detection 3×30 s + DNS TTL 60 s + promotion 120 s)": writable service restored. */
export function describeRto(budget: DrBudget): string {
    const { failureThreshold, intervalSeconds } = budget.inputs;
    return `${budget.rtoSeconds} s (detection ${failureThreshold}×${intervalSeconds} s + DNS TTL ${budget.switchSeconds} s + promotion ${budget.promotionSeconds} s)`;
}

/** One line: "450 s (service restored 270 s + scale-up 180 s)". */
export function describeFullCapacity(budget: DrBudget): string {
    return `${budget.fullCapacitySeconds} s (service restored ${budget.rtoSeconds} s + scale-up ${budget.scaleUpSeconds} s)`;
}

/** One line: "360 min (platform.velero.schedule "0 *\/6 * * *")": objects other than the database. */
export function describeRpo(budget: DrBudget): string {
    return `${budget.rpoMinutes} min (platform.velero.schedule ${JSON.stringify(budget.inputs.backupScheduleCron)})`;
}

/** One line: "60 s (archive_timeout 30 s + upload 30 s)", or undefined without an in-cluster database. */
export function describeDatabaseRpo(budget: DrBudget): string | undefined {
    if (budget.databaseRpoSeconds === undefined) return undefined;
    return `${budget.databaseRpoSeconds} s (archive_timeout ${budget.inputs.archiveTimeoutSeconds} s + upload ${budget.inputs.archiveUploadAllowanceSeconds ?? 0} s)`;
}

/**
 * Problems when the budget exceeds the declared targets, each naming the key
 * that declares the target and the keys that move the budget.
 */
export function drBudgetProblems(budget: DrBudget, targets: DrTargets): string[] {
    const problems: string[] = [];
    if (budget.rtoSeconds > targets.rtoSeconds) {
        problems.push(
            `dr.rtoSeconds: the service-restored budget is ${describeRto(budget)}, above the ${targets.rtoSeconds} s target; ` +
                `lower dr.healthCheck.intervalSeconds, dr.healthCheck.failureThreshold, dr.healthCheck.ttlSeconds or dr.promotionAllowanceSeconds`,
        );
    }
    if (targets.fullCapacitySeconds !== undefined && budget.fullCapacitySeconds > targets.fullCapacitySeconds) {
        problems.push(
            `dr.fullCapacitySeconds: the full-capacity budget is ${describeFullCapacity(budget)}, above the ${targets.fullCapacitySeconds} s target; ` +
                `lower dr.scaleUpAllowanceSeconds or the service-restored budget (dr.healthCheck.*, dr.promotionAllowanceSeconds)`,
        );
    }
    if (budget.rpoMinutes > targets.rpoMinutes) {
        problems.push(
            `dr.rpoMinutes: the backup interval is ${describeRpo(budget)}, above the ${targets.rpoMinutes} min target; ` +
                `schedule platform.velero.schedule at least every ${targets.rpoMinutes} min (e.g. ${JSON.stringify(suggestCron(targets.rpoMinutes))})`,
        );
    }
    if (targets.databaseRpoSeconds !== undefined && budget.databaseRpoSeconds !== undefined && budget.databaseRpoSeconds > targets.databaseRpoSeconds) {
        problems.push(
            `dr.databaseRpoSeconds: the database RPO is ${describeDatabaseRpo(budget)}, above the ${targets.databaseRpoSeconds} s target; ` +
                `lower database.archive.timeoutSeconds or database.archive.uploadAllowanceSeconds`,
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
