import { strict as assert } from "assert";
import { CronIntervalError, backupIntervalMinutes, computeDrBudget, drBudgetProblems } from "../../stacks/dr-budget";

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

    describe("backup interval from the Velero cron", () => {
        const cases: [string, number][] = [
            ["0 * * * *", 60], // hourly
            ["15 * * * *", 60],
            ["0 */6 * * *", 360], // every N hours
            ["30 */4 * * *", 240],
            ["0 */5 * * *", 300], // 5 does not divide 24: the longest gap is still 5 h (20:00 → 00:00 is 4 h)
            ["*/15 * * * *", 15], // every N minutes
            ["*/45 * * * *", 45], // :00 and :45 → the longest gap is 45 min
            ["0 2 * * *", 1440], // daily
            ["30 23 * * *", 1440],
            ["0 0,12 * * *", 720], // a list of hours
            ["0 1,7 * * *", 1080], // uneven list: 07:00 → 01:00 next day is 18 h
            ["0,30 * * * *", 30],
            ["@hourly", 60],
            ["@daily", 1440],
            ["@every 2h", 120],
            ["@every 90m", 90],
        ];
        for (const [cron, minutes] of cases) {
            it(`"${cron}" → ${minutes} min`, () => assert.equal(backupIntervalMinutes(cron), minutes));
        }

        it("refuses crons it cannot turn into a fixed interval, naming the key and the supported forms", () => {
            const bad = ["0 0 * * 1", "0 0 1 * *", "* * * * *", "0 1-5 * * *", "every hour", "0 */30 * * *", "61 * * * *", "@weekly", "0 0 * *"];
            for (const cron of bad) {
                assert.throws(
                    () => backupIntervalMinutes(cron),
                    (err: Error) => err instanceof CronIntervalError && err.message.startsWith(`platform.velero.schedule: cannot derive the backup interval (the RPO) from ${JSON.stringify(cron)}`) && err.message.includes(`"M */N * * *" (every N hours)`),
                    cron,
                );
            }
            assert.throws(() => computeDrBudget({ ...base, backupScheduleCron: "0 0 * * 0" }), /day-of-month, month and day-of-week must be \*/);
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
