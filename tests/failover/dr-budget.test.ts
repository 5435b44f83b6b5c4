import { strict as assert } from "assert";
import { CronIntervalError, backupIntervalMinutes, computeDrBudget, drBudgetOf, drBudgetProblems, drTargetsOf } from "../../stacks/config/dr-budget";

const base = { intervalSeconds: 30 as const, failureThreshold: 3, ttlSeconds: 60, scaleUpAllowanceSeconds: 120, promotionAllowanceSeconds: 90, backupScheduleCron: "0 * * * *" };
const withDatabase = { ...base, archiveTimeoutSeconds: 30, archiveUploadAllowanceSeconds: 20 };

/** The config slice drBudgetOf reads, as parseStackConfig returns it. */
function budgetConfig(mode: "in-cluster" | "external") {
    return {
        dr: { healthCheck: { intervalSeconds: 10, failureThreshold: 3, ttlSeconds: 60 }, scaleUpAllowanceSeconds: 180, promotionAllowanceSeconds: 180, rtoSeconds: 300, fullCapacitySeconds: 600, rpoMinutes: 60, databaseRpoSeconds: 60 },
        platform: { velero: { schedule: "0 * * * *" } },
        app: { enabled: true, database: { mode } },
        database: { archive: { timeoutSeconds: 30, uploadAllowanceSeconds: 30 } },
    };
}

describe("DR budget", () => {
    it("service restored = interval × threshold + TTL + promotion allowance; full capacity adds the scale-up allowance; RPO = the backup interval", () => {
        const budget = computeDrBudget(base);
        assert.deepEqual(
            { d: budget.detectionSeconds, s: budget.switchSeconds, p: budget.promotionSeconds, u: budget.scaleUpSeconds, rto: budget.rtoSeconds, full: budget.fullCapacitySeconds, rpo: budget.rpoMinutes },
            { d: 90, s: 60, p: 90, u: 120, rto: 240, full: 360, rpo: 60 },
        );
        const lean = computeDrBudget({ ...base, intervalSeconds: 10, failureThreshold: 2, ttlSeconds: 30, scaleUpAllowanceSeconds: 0, promotionAllowanceSeconds: 0 });
        assert.deepEqual([lean.rtoSeconds, lean.fullCapacitySeconds], [50, 50]);
        assert.deepEqual(budget.inputs, base, "the inputs travel with the budget for messages and reports");
        assert.equal(budget.databaseRpoSeconds, undefined, "no database RPO without an archive timeout");
    });

    it("database RPO = archive timeout + upload allowance, only with the in-cluster database", () => {
        assert.equal(computeDrBudget(withDatabase).databaseRpoSeconds, 50);
        const prod = drBudgetOf(budgetConfig("in-cluster"));
        assert.deepEqual([prod.databaseRpoSeconds, prod.rtoSeconds, prod.fullCapacitySeconds], [60, 270, 450], "prod defaults: database RPO ≤ 1 min, writable ≤ 5 min");
        assert.equal(drBudgetOf(budgetConfig("external")).databaseRpoSeconds, undefined, "an external database's RPO is not ours to promise");
        assert.deepEqual(drTargetsOf(budgetConfig("in-cluster")), { rtoSeconds: 300, fullCapacitySeconds: 600, rpoMinutes: 60, databaseRpoSeconds: 60 });
    });

    describe("backup interval from the Velero cron (cron-parser, worst-case gap)", () => {
        const day = 24 * 60;
        const cases: [string, number][] = [
            ["0 * * * *", 60], // hourly
            ["15 * * * *", 60],
            ["0 */6 * * *", 360], // every N hours
            ["30 */4 * * *", 240],
            ["0 */5 * * *", 300], // 5 does not divide 24: the longest gap is still 5 h (20:00 → 00:00 is 4 h)
            ["*/15 * * * *", 15], // every N minutes
            ["*/45 * * * *", 45], // :00 and :45 → the longest gap is 45 min
            ["*/7 * * * *", 7], // :56 → :00 is only 4 min; the worst gap is 7
            ["* * * * *", 1],
            ["0 2 * * *", day], // daily
            ["30 23 * * *", day],
            ["0 0,12 * * *", 720], // a list of hours
            ["0 1,7 * * *", 1080], // uneven list: 07:00 → 01:00 next day is 18 h
            ["0 1-5 * * *", 20 * 60], // a range: 05:00 → 01:00
            ["0,30 * * * *", 30],
            ["0 22 * * 1-5", 3 * day], // weekdays: Friday 22:00 → Monday 22:00
            ["0 0 * * 0", 7 * day], // weekly
            ["0 0 * * 7", 7 * day], // 7 is Sunday too
            ["5 4 * * sun", 7 * day],
            ["0 2 * * 0,3", 4 * day], // Sunday → Wednesday is 3 days, Wednesday → Sunday 4
            ["0 0 1 * *", 31 * day], // monthly: the longest month
            ["0 0 1 * 1", 7 * day], // both day fields restricted: the 1st OR a Monday
            ["0 0 1 */3 *", 92 * day], // quarterly: Jul 1 → Oct 1 is 92 days
            ["0 0 1 jan,jul *", 184 * day], // Jul 1 → Jan 1
            ["0 0 29 2 *", (4 * 365 + 1) * day], // leap days only
            ["@hourly", 60],
            ["@daily", day],
            ["@midnight", day],
            ["@weekly", 7 * day],
            ["@monthly", 31 * day],
            ["@yearly", 366 * day],
            ["@every 2h", 120],
            ["@every 90m", 90],
            ["@every 1h30m", 90],
            ["@every 45s", 1], // rounded up to whole minutes
        ];
        for (const [cron, minutes] of cases) {
            it(`"${cron}" → ${minutes} min`, () => assert.equal(backupIntervalMinutes(cron), minutes));
        }

        it("refuses what the cron library or Velero rejects, naming the key, the library's reason and the accepted forms", () => {
            const bad: [string, RegExp][] = [
                ["every hour", /expected 5 fields, got 2/],
                ["0 0 * *", /expected 5 fields, got 4/],
                ["0 0 * * * *", /expected 5 fields, got 6/], // seconds are not Velero's form
                ["61 * * * *", /got value 61 expected range 0-59/],
                ["0 25 * * *", /expected range 0-23/],
                ["0 0 30 2 *", /Invalid explicit day of month definition/], // never runs
                ["0 0 L * *", /L, W and # are not standard cron/],
                ["0 0 * * 1#2", /L, W and # are not standard cron/],
                ["@often", /unknown macro @often/],
                ["@every 0m", /longer than zero/],
                ["@every soon", /is not a duration/],
            ];
            for (const [cron, reason] of bad) {
                assert.throws(
                    () => backupIntervalMinutes(cron),
                    (err: Error) =>
                        err instanceof CronIntervalError &&
                        err.message.startsWith(`platform.velero.schedule: cannot derive the worst-case interval between runs from ${JSON.stringify(cron)}: `) &&
                        reason.test(err.message) &&
                        err.message.includes('five fields "minute hour day-of-month month day-of-week"'),
                    cron,
                );
            }
            assert.throws(() => computeDrBudget({ ...base, backupScheduleCron: "0 0 31 4 *" }), CronIntervalError);
        });
    });

    describe("problems against the declared targets", () => {
        const targets = { rtoSeconds: 240, fullCapacitySeconds: 360, rpoMinutes: 60, databaseRpoSeconds: 50 };

        it("no problems when the budget meets every target", () => {
            assert.deepEqual(drBudgetProblems(computeDrBudget(withDatabase), targets), []);
        });

        it("a service-restored RTO over target names dr.rtoSeconds, breaks the budget down, and names every key that lowers it", () => {
            const [problem, ...rest] = drBudgetProblems(computeDrBudget(withDatabase), { ...targets, rtoSeconds: 200, fullCapacitySeconds: 1000 });
            assert.equal(rest.length, 0);
            assert.equal(
                problem,
                "dr.rtoSeconds: the service-restored budget is 240 s (detection 3×30 s + DNS TTL 60 s + promotion 90 s), above the 200 s target; " +
                    "lower dr.healthCheck.intervalSeconds, dr.healthCheck.failureThreshold, dr.healthCheck.ttlSeconds or dr.promotionAllowanceSeconds",
            );
        });

        it("a full-capacity RTO over target names dr.fullCapacitySeconds and dr.scaleUpAllowanceSeconds", () => {
            const problems = drBudgetProblems(computeDrBudget(withDatabase), { ...targets, fullCapacitySeconds: 300 });
            assert.deepEqual(problems, [
                "dr.fullCapacitySeconds: the full-capacity budget is 360 s (service restored 240 s + scale-up 120 s), above the 300 s target; " +
                    "lower dr.scaleUpAllowanceSeconds or the service-restored budget (dr.healthCheck.*, dr.promotionAllowanceSeconds)",
            ]);
        });

        it("a database RPO over target names dr.databaseRpoSeconds and the two archive keys", () => {
            const problems = drBudgetProblems(computeDrBudget({ ...withDatabase, archiveTimeoutSeconds: 60 }), targets);
            assert.deepEqual(problems, [
                "dr.databaseRpoSeconds: the database RPO is 80 s (archive_timeout 60 s + upload 20 s), above the 50 s target; " +
                    "lower database.archive.timeoutSeconds or database.archive.uploadAllowanceSeconds",
            ]);
            assert.deepEqual(drBudgetProblems(computeDrBudget({ ...base, archiveTimeoutSeconds: undefined }), targets), [], "no database target is checked without a database");
        });

        it("an RPO over target names dr.rpoMinutes and platform.velero.schedule, with a schedule that would meet it", () => {
            const budget = computeDrBudget({ ...base, backupScheduleCron: "0 */6 * * *" });
            const problems = drBudgetProblems(budget, { rtoSeconds: 900, rpoMinutes: 60 });
            assert.equal(problems.length, 1);
            assert.match(problems[0], /^dr\.rpoMinutes: the backup interval is 360 min \(platform\.velero\.schedule "0 \*\/6 \* \* \*"\), above the 60 min target; schedule platform\.velero\.schedule at least every 60 min \(e\.g\. "0 \* \* \* \*"\)$/);
            const both = drBudgetProblems(budget, { rtoSeconds: 100, rpoMinutes: 240 });
            assert.deepEqual(both.map((p) => p.split(":")[0]), ["dr.rtoSeconds", "dr.rpoMinutes"]);
            assert.match(both[1], /e\.g\. "0 \*\/4 \* \* \*"/);
        });

        it("every exceeded target is reported, each naming its key", () => {
            const all = drBudgetProblems(computeDrBudget({ ...withDatabase, backupScheduleCron: "0 */6 * * *" }), { rtoSeconds: 1, fullCapacitySeconds: 1, rpoMinutes: 1, databaseRpoSeconds: 1 });
            assert.deepEqual(all.map((p) => p.split(":")[0]), ["dr.rtoSeconds", "dr.fullCapacitySeconds", "dr.rpoMinutes", "dr.databaseRpoSeconds"]);
        });
    });
});
