import { strict as assert } from "assert";
import { CronIntervalError, backupIntervalMinutes, computeDrBudget, drBudgetProblems } from "../../stacks/config/dr-budget";

const base = { intervalSeconds: 30 as const, failureThreshold: 3, ttlSeconds: 60, scaleUpAllowanceSeconds: 120, backupScheduleCron: "0 * * * *" };

describe("DR budget", () => {
    it("RTO = interval × threshold + TTL + scale-up allowance; RPO = the backup interval", () => {
        const budget = computeDrBudget(base);
        assert.deepEqual(
            { d: budget.detectionSeconds, s: budget.switchSeconds, u: budget.scaleUpSeconds, rto: budget.rtoSeconds, rpo: budget.rpoMinutes },
            { d: 90, s: 60, u: 120, rto: 270, rpo: 60 },
        );
        assert.equal(computeDrBudget({ ...base, intervalSeconds: 10, failureThreshold: 2, ttlSeconds: 30, scaleUpAllowanceSeconds: 0 }).rtoSeconds, 50);
        assert.deepEqual(budget.inputs, base, "the inputs travel with the budget for messages and reports");
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
        it("no problems when the budget meets both targets", () => {
            assert.deepEqual(drBudgetProblems(computeDrBudget(base), { rtoSeconds: 270, rpoMinutes: 60 }), []);
        });

        it("an RTO over target names dr.rtoSeconds, breaks the budget down, and names every key that lowers it", () => {
            const [problem, ...rest] = drBudgetProblems(computeDrBudget(base), { rtoSeconds: 240, rpoMinutes: 60 });
            assert.equal(rest.length, 0);
            assert.equal(
                problem,
                "dr.rtoSeconds: the failover budget is 270 s (detection 3×30 s + DNS TTL 60 s + scale-up 120 s), above the 240 s target; " +
                    "lower dr.healthCheck.intervalSeconds, dr.healthCheck.failureThreshold, dr.healthCheck.ttlSeconds or dr.scaleUpAllowanceSeconds",
            );
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
    });
});
