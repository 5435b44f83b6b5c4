import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FIELD_MANAGER } from "../../commands/drill/database";
import { DrillReport, ExecuteOptions, executeDrill, stepOrder } from "../../commands/drill/orchestrator";
import { renderMarkdown, writeDrillReport } from "../../commands/drill/report";
import { BUDGET, T0, executeOptions, plannedStep, world } from "./fakes";
import { DB_BUDGET, DbWorld, FakeCnpgOptions, PULUMI_MANAGER, dbWorld, demotionToken } from "./fake-cnpg";
import { WorldOptions } from "./fakes";


async function drill(worldOptions: WorldOptions & FakeCnpgOptions = {}, options: Partial<ExecuteOptions> = {}): Promise<{ w: DbWorld; report: DrillReport }> {
    const w = dbWorld({ backupAgeMinutes: 20, ...worldOptions });
    const report = await executeDrill(executeOptions({ budget: DB_BUDGET, ...options }), w.deps);
    return { w, report };
}

/** What changed, in order: the operator's transitions, previews, ups and the first DNS lookup. */
function milestones(calls: string[]): string[] {
    const firstDns = calls.findIndex((c) => c.startsWith("dns "));
    return calls.filter((c, i) => c.startsWith("cnpg: ") || c.startsWith("stack.preview") || c.startsWith("stack.up") || c.startsWith("stack.refresh") || c.startsWith("stack.setActiveCloud") || c.startsWith("stack.setArchiveGeneration") || i === firstDns);
}

const step = (report: DrillReport, name: string) => report.steps.find((s) => s.name === name)!;

describe("drill --execute: planned switchover of the database (fakes)", () => {
    it("demotes, waits for the token, promotes with it, waits for writes, and only then applies the saved plan and moves DNS", async () => {
        const { w, report } = await drill();
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.deepEqual(milestones(w.calls), [
            "stack.setActiveCloud azure",
            "stack.preview activeCloud=azure --save-plan",
            "cnpg: aws postgres-aws demoted (replica.primary=postgres-azure)",
            "cnpg: aws postgres-aws published status.demotionToken",
            "cnpg: azure postgres-azure promoting with the demotion token",
            "cnpg: azure postgres-azure accepts writes",
            "stack.up activeCloud=azure --plan /tmp/drill-plan/plan-1.json",
            "cnpg: aws Pulumi applied replica.primary=postgres-azure",
            "cnpg: azure Pulumi applied replica.primary=postgres-azure",
            "dns app.fin.example.com",
        ]);
        // The promotion carries exactly the token the demoted primary published, in the same apply as replica.primary.
        const token = demotionToken(1, "0/5000128");
        assert.ok(w.calls.includes(`db.applyIntent azure postgres-azure ${JSON.stringify({ primary: "postgres-azure", promotionToken: token })}`));
        assert.deepEqual(w.appliedPlans, w.savedPlans, "up applied the plan the preview saved");
        assert.deepEqual(report.steps.map((s) => s.name), stepOrder({ disaster: false, failback: false, reseedOnly: false, database: true }));
        assert.deepEqual(report.steps.filter((s) => s.status !== "ok").map((s) => `${s.name}: ${s.status}`), []);
        // Token after 3 polls (10 s), writable after 4 probes (15 s), up 60 s, DNS 30 s.
        assert.deepEqual(report.measured, { upSeconds: 60, dnsSwitchSeconds: 30, rtoSeconds: 115, writeOutageSeconds: 25, promotionSeconds: 15 });
        assert.deepEqual(report.verdict, { rtoWithinBudget: true, rtoWithinTarget: true, lagWithinBudget: true });
        assert.equal(report.operation, "switchover");
        assert.equal(report.database!.promotedWithToken, true);
        assert.deepEqual(report.database!.demotionToken, { timeline: "1", redoWalFile: "000000010000000000000005", redoLocation: "0/5000128", systemIdentifier: "7412345678901234567", checkpointAt: "Sat Mar  1 10:00:12 2025" });
    });

    it("never fights Pulumi: after its up co-owns replica.primary, the drill releases its fields and the promotion token goes", async () => {
        const { w, report } = await drill();
        assert.equal(report.status, "succeeded");
        const handOver = w.calls.filter((c) => c.startsWith("db.applyIntent") && c.endsWith("{}"));
        assert.deepEqual(handOver, ["db.applyIntent azure postgres-azure {}", "db.applyIntent aws postgres-aws {}"]);
        assert.ok(w.calls.indexOf(handOver[0]) > w.calls.findIndex((c) => c.startsWith("stack.up")), "released only after Pulumi applied the same value");
        for (const cloud of ["aws", "azure"] as const) {
            const cluster = w.cnpg.sides[cloud].cluster!;
            assert.equal(cluster.replica!.primary, "postgres-azure");
            assert.deepEqual(cluster.primaryOwners, [PULUMI_MANAGER], `${cloud}: Pulumi alone owns replica.primary`);
            assert.equal(cluster.replica!.promotionToken, undefined, `${cloud}: no promotion token left (the webhook forbids one on a replica)`);
        }
        assert.equal(step(report, "hand-over").status, "ok");
        assert.deepEqual(report.database!.handOver, ["azure: postgres-azure released", "aws: postgres-aws released"]);
    });

    it("a new primary that never accepts writes stops the drill before up and DNS, saying how to finish by hand", async () => {
        const { w, report } = await drill({ writableAfterProbes: Number.POSITIVE_INFINITY }, { waitTimeoutSeconds: 60 });
        assert.equal(report.status, "failed");
        assert.match(step(report, "wait-writable").detail, /^timed out after 60 s waiting for the azure Cluster finplat-db\/postgres-azure to accept writes; last answer: postgres-azure-1: ERROR: {2}cannot assign TransactionIds during recovery/);
        assert.ok(!w.calls.some((c) => c.startsWith("stack.up") || c.startsWith("dns ")), "no up, no DNS while no database accepts writes");
        assert.deepEqual(["up", "wait-dns", "wait-health", "hand-over"].map((n) => step(report, n).status), ["skipped", "skipped", "skipped", "skipped"]);
        assert.match(report.notes.join("\n"), /the database is mid-switch.*spec\.replica\.primary=postgres-azure \(with spec\.replica\.promotionToken = the aws Cluster's status\.demotionToken/);
        assert.equal(report.measured.rtoSeconds, undefined);
    });

    it("removes a stale promotion token from the old primary before demoting it (CloudNativePG's webhook rejects one on a replica)", async () => {
        const { w, report } = await drill({ staleTokenOn: "aws" });
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        const remove = w.calls.indexOf("db.removePromotionToken aws postgres-aws");
        assert.ok(remove >= 0 && remove < w.calls.indexOf('db.applyIntent aws postgres-aws {"primary":"postgres-azure"}'));
        assert.match(step(report, "demote-old-primary").detail, /removed its stale replica\.promotionToken/);
    });
});

describe("drill --execute: the replica-lag pre-check (fakes)", () => {
    it("refuses a replica over the database RPO budget and changes nothing", async () => {
        const { w, report } = await drill({ replayLsn: "0/2000028", replayAgeSeconds: 600 });
        assert.equal(report.status, "refused");
        assert.equal(step(report, "precheck-database-lag").status, "failed");
        assert.match(
            report.problems[0],
            /^the azure replica trails the aws primary by 600 s \(48\.0 MiB of WAL\), over the 65 s database RPO budget, and has not replayed every archived WAL segment/,
        );
        assert.ok(!w.calls.some((c) => c.startsWith("db.applyIntent") || c.startsWith("stack.setActiveCloud") || c.startsWith("stack.preview")));
        assert.deepEqual(report.database!.lag, {
            archiveFailing: false,
            lastReplayAt: new Date(T0 - 600_000).toISOString(),
            bytes: 50_331_864,
            replayedAllArchived: false,
            seconds: 600,
            budgetSeconds: 65,
            withinBudget: false,
        });
        assert.equal(report.verdict.lagWithinBudget, false);
    });

    it("--force switches over despite the lag, recording the pre-check as a warning", async () => {
        const { w, report } = await drill({ replayLsn: "0/2000028", replayAgeSeconds: 600 }, { force: true });
        assert.equal(report.status, "succeeded");
        assert.equal(step(report, "precheck-database-lag").status, "warning");
        assert.ok(w.calls.some((c) => c.startsWith("cnpg: aws postgres-aws demoted")));
        assert.match(report.notes.join(" "), /--force was given/);
    });

    it("an idle primary is no lag: a replica that replayed every archived segment passes, however old its last transaction", async () => {
        const { report } = await drill({ replayAgeSeconds: 7200 });
        assert.equal(report.status, "succeeded");
        assert.match(step(report, "precheck-database-lag").detail, /trails by 7200 s \(296 B of WAL\): replayed every archived segment, within the 65 s database RPO budget/);
    });

    it("refuses while the primary's WAL archiving fails, and without a database RPO budget to judge by", async () => {
        const failing = await drill({ archiveFailedSecondsAgo: 30 });
        assert.equal(failing.report.status, "refused");
        assert.match(failing.report.problems[0], /^WAL archiving on the aws primary is failing \(last failure .*, last success .*\): the azure replica cannot catch up/);

        const noBudget = await drill({}, { budget: BUDGET });
        assert.equal(noBudget.report.status, "refused");
        assert.match(noBudget.report.problems[0], /the stack exports no database RPO budget \(drBudget\.databaseRpoSeconds\)/);
    });

    it("a silent old primary is not a switchover: it fails (not refuses) and points at --disaster", async () => {
        const { w, report } = await drill({ unreachable: ["aws"] }, { force: true });
        assert.equal(report.status, "failed");
        assert.match(report.problems[0], /^cannot read the aws Cluster finplat-db\/postgres-aws: Unable to connect to the server/);
        assert.ok(!w.calls.some((c) => c.startsWith("stack.setActiveCloud")));
    });
});

describe("drill --execute --disaster: unplanned failover (fakes)", () => {
    it("fences the old side when it answers, promotes without a token, and reports the data-loss window", async () => {
        const { w, report } = await drill({}, { disaster: true });
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.deepEqual(milestones(w.calls), [
            "stack.setActiveCloud azure",
            "stack.preview activeCloud=azure --save-plan",
            "cnpg: aws postgres-aws fenced",
            "cnpg: azure postgres-azure promoting without a token",
            "cnpg: azure postgres-azure accepts writes",
            "stack.up activeCloud=azure --plan /tmp/drill-plan/plan-1.json --continue-on-error",
            "cnpg: aws Pulumi applied replica.primary=postgres-azure",
            "cnpg: azure Pulumi applied replica.primary=postgres-azure",
            "dns app.fin.example.com",
        ]);
        // No promotion token; the new primary carries the mark that the old one diverged.
        assert.ok(w.calls.includes('db.applyIntent azure postgres-azure {"primary":"postgres-azure","reseedRequired":"postgres-aws"}'));
        assert.ok(!w.calls.some((c) => c.includes("demot")), "nothing waits for a demotion token");
        assert.equal(report.operation, "failover");
        assert.deepEqual(report.steps.map((s) => s.name), stepOrder({ disaster: true, failback: false, reseedOnly: false, database: true }));
        assert.deepEqual(report.database!.fencing!.fenced, true);
        // The replica's last replayed commit was 20 s before the promotion; the old primary had written 296 B more.
        assert.deepEqual(report.database!.dataLoss, { budgetSeconds: 65, bytes: 296, lastReplayedAt: new Date(T0 - 20_000).toISOString(), windowSeconds: 20, withinBudget: true });
        assert.equal(report.verdict.dataLossWithinBudget, true);
        assert.match(step(report, "data-loss-window").detail, /transactions committed after it on the old primary are lost, a window of at most 20 s; 296 B of the old primary's WAL were not replayed/);
        // The fence stays after the hand-over; the old side must be re-seeded before a failback.
        assert.deepEqual(w.cnpg.sides.aws.cluster!.fencedInstances, ["*"]);
        assert.ok(w.calls.includes('db.applyIntent aws postgres-aws {"fenced":true}'));
        assert.ok(w.calls.includes('db.applyIntent azure postgres-azure {"reseedRequired":"postgres-aws"}'), "the hand-over keeps the mark, not replica.primary");
        assert.equal(w.cnpg.sides.azure.cluster!.reseedRequired, "postgres-aws");
        assert.deepEqual(w.cnpg.sides.azure.cluster!.primaryOwners, [PULUMI_MANAGER]);
        assert.match(report.notes.join("\n"), /--failback --execute` re-seeds it/);
        assert.equal(report.measured.promotionSeconds, 15);
    });

    it("skips fencing an unreachable side with the reason, promotes anyway, and accepts up's errors on that side", async () => {
        const failed = ["urn:pulumi:prod::finplat-dr::kubernetes:postgresql.cnpg.io/v1:Cluster::pair-aws-database-cluster"];
        const { w, report } = await drill({ unreachable: ["aws"], upFailedResources: failed }, { disaster: true });
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        const fence = step(report, "fence-old-primary");
        assert.equal(fence.status, "skipped");
        assert.match(fence.detail, /^the aws cluster's API does not answer \(Unable to connect to the server: .*\): not fenced\. Fence it as soon as it is back/);
        assert.deepEqual(report.database!.fencing!.fenced, false);
        assert.equal(step(report, "promote-new-primary").status, "ok");
        const up = step(report, "up");
        assert.equal(up.status, "warning");
        assert.match(up.detail, /expected while the aws cluster is unreachable .*failed: urn:pulumi:prod::finplat-dr::kubernetes:postgresql\.cnpg\.io\/v1:Cluster::pair-aws-database-cluster/);
        assert.equal(step(report, "hand-over").status, "warning");
        assert.equal(report.database!.dataLoss!.bytes, undefined, "the old primary's position is unknown");
        assert.equal(report.database!.dataLoss!.windowSeconds, 20);
        assert.ok(w.calls.includes("dns app.fin.example.com"));
    });

    it("a window over the database RPO budget is a warning in the report, not a stop: the failover goes on", async () => {
        const { report } = await drill({ replayAgeSeconds: 300 }, { disaster: true });
        assert.equal(report.status, "succeeded");
        assert.equal(step(report, "data-loss-window").status, "warning");
        assert.equal(report.verdict.dataLossWithinBudget, false);
    });
});

describe("drill --execute: update plans (fakes)", () => {
    const replacing = [
        plannedStep("create-replacement", "kubernetes:postgresql.cnpg.io/v1:Cluster", "pair-aws-database-cluster", ["spec.storage.storageClass"]),
        plannedStep("delete-replaced", "kubernetes:postgresql.cnpg.io/v1:Cluster", "pair-aws-database-cluster", ["spec.storage.storageClass"]),
        plannedStep("replace", "aws:s3/bucketV2:BucketV2", "pair-aws-db-archive", ["bucket"]),
        plannedStep("update", "aws:route53/record:Record", "global-primary", [], ["records"]),
    ];

    for (const force of [false, true]) {
        it(`refuses a plan that replaces anything${force ? ", also with --force" : ""}, naming each resource, and puts activeCloud back`, async () => {
            const { w, report } = await drill({ previewSteps: replacing }, { force });
            assert.equal(report.status, "refused");
            assert.equal(
                report.problems[0],
                "the plan would replace 2 resources: kubernetes:postgresql.cnpg.io/v1:Cluster pair-aws-database-cluster (spec.storage.storageClass); aws:s3/bucketV2:BucketV2 pair-aws-db-archive (bucket); a failover must replace nothing (nothing was applied)",
            );
            assert.deepEqual(report.plan!.replacements, ["kubernetes:postgresql.cnpg.io/v1:Cluster pair-aws-database-cluster (spec.storage.storageClass)", "aws:s3/bucketV2:BucketV2 pair-aws-db-archive (bucket)"]);
            assert.deepEqual(report.plan!.steps, ["update aws:route53/record:Record global-primary (records)"]);
            assert.deepEqual(w.calls.filter((c) => c.startsWith("stack.setActiveCloud")), ["stack.setActiveCloud azure", "stack.setActiveCloud aws"]);
            assert.equal(w.active, "aws");
            assert.ok(!w.calls.some((c) => c.startsWith("stack.up") || c.startsWith("db.applyIntent")), "nothing applied");
            assert.match(renderMarkdown(report), /\*\*Replacements \(the drill refused\):\*\*\n\n- kubernetes:postgresql\.cnpg\.io\/v1:Cluster pair-aws-database-cluster \(spec\.storage\.storageClass\)\n- aws:s3/);
        });
    }
});

describe("drill --failback: re-seeding the old primary (fakes)", () => {
    const failback = { to: "aws" as const, direction: "failback" as const };

    it("after a failover: deletes the fenced copy, refreshes it, re-creates it with a saved plan, waits for it to replay, then switches over", async () => {
        const { w, report } = await drill({ active: "azure", diverged: true }, failback);
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.deepEqual(report.reseed, {
            cloud: "aws",
            cluster: "postgres-aws",
            needed: true,
            reasons: ["the azure primary postgres-azure was promoted without a token (finplat.io/reseed-required: postgres-aws): postgres-aws diverged", 'it is fenced (cnpg.io/fencedInstances: ["*"])'],
            urn: "urn:pulumi:prod::finplat-dr::finplat:stack:ClusterPair$kubernetes:postgresql.cnpg.io/v1:Cluster::postgres-aws",
            archiveGeneration: { from: 1, to: 2, serverName: "postgres-aws-g2", changed: true },
        });
        assert.deepEqual(milestones(w.calls).slice(0, 9), [
            "cnpg: aws postgres-aws deleted",
            "stack.refresh urn:pulumi:prod::finplat-dr::finplat:stack:ClusterPair$kubernetes:postgresql.cnpg.io/v1:Cluster::postgres-aws",
            // The diverged WAL stays in postgres-aws/; the re-created Cluster archives into an empty folder.
            "stack.setArchiveGeneration aws 2",
            // The re-creation, with the stack still active on azure: its own saved plan.
            "stack.preview activeCloud=azure --save-plan",
            "stack.up activeCloud=azure --plan /tmp/drill-plan/plan-1.json",
            "cnpg: aws postgres-aws re-created by Pulumi as a replica of postgres-azure",
            "cnpg: aws Pulumi applied replica.primary=postgres-azure",
            "cnpg: azure Pulumi applied replica.primary=postgres-azure",
            "cnpg: aws postgres-aws replays the primary's WAL",
        ]);
        assert.deepEqual(milestones(w.calls).slice(9, 15), [
            "stack.setActiveCloud aws",
            "stack.preview activeCloud=aws --save-plan",
            "cnpg: azure postgres-azure demoted (replica.primary=postgres-aws)",
            "cnpg: azure postgres-azure published status.demotionToken",
            "cnpg: aws postgres-aws promoting with the demotion token",
            "cnpg: aws postgres-aws accepts writes",
        ]);
        assert.match(step(report, "wait-reseeded-replica").detail, /caught up with the archive\).*; cleared finplat\.io\/reseed-required on postgres-azure$/);
        assert.deepEqual(w.archiveGeneration, { aws: 2, azure: 1 }, "only the re-seeded side moves");
        assert.equal(step(report, "next-archive-generation").detail, "database.archive.generation.aws 1 → 2: postgres-aws archives under postgres-aws-g2; postgres-aws keeps the diverged WAL");
        assert.deepEqual((w.cnpg.sides.aws.cluster!.spec.plugins as any[])[0].parameters, { barmanObjectName: "archive-aws", serverName: "postgres-aws-g2" }, "the up re-created it on the new generation");
        assert.match(report.notes.join("\n"), /Pulumi\.prod\.yaml now sets database\.archive\.generation\.aws: 2 \(postgres-aws archives under postgres-aws-g2\); commit this change/);
        assert.equal(w.cnpg.sides.azure.cluster?.reseedRequired, undefined, "the mark is gone once the copy replays");
        assert.equal(step(report, "fence-stale-copy").status, "skipped");
        assert.match(step(report, "fence-stale-copy").detail, /already fenced/);
        assert.deepEqual(w.appliedPlans, w.savedPlans);
        assert.equal(w.savedPlans.length, 2);
        assert.deepEqual(report.steps.map((s) => s.name), stepOrder({ disaster: false, failback: true, reseedOnly: false, database: true }));
        assert.ok(report.measured.reseedSeconds !== undefined && report.measured.reseedSeconds > 0);
        assert.deepEqual(report.reseedPlan?.replacements, []);
    });

    it("--reseed-only stops once the old primary replays again: no config change, no switchover", async () => {
        const { w, report } = await drill({ active: "azure", diverged: true }, { ...failback, reseedOnly: true });
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.deepEqual(report.steps.map((s) => s.name), stepOrder({ disaster: false, failback: true, reseedOnly: true, database: true }));
        assert.ok(!w.calls.some((c) => c.startsWith("stack.setActiveCloud") || c.startsWith("dns ")));
        assert.equal(w.active, "azure");
        assert.equal(report.reseedOnly, true);
        assert.match(report.notes.join(" "), /--reseed-only: the aws database is a replica of the azure primary again/);
    });

    it("after a switchover the old primary follows: no re-seed, straight to the switchover back", async () => {
        const { w, report } = await drill({ active: "azure" }, failback);
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.equal(report.reseed!.needed, false);
        assert.match(step(report, "assess-old-primary").detail, /postgres-aws on aws is a replica of the azure primary and nothing marks it diverged: no re-seed needed/);
        for (const name of ["fence-stale-copy", "delete-stale-copy", "refresh-state", "next-archive-generation", "preview-reseed", "up-reseed", "wait-reseeded-replica"]) {
            assert.equal(step(report, name).status, "skipped", name);
        }
        assert.ok(!w.calls.some((c) => c.startsWith("db.deleteCluster") || c.startsWith("stack.refresh") || c.startsWith("stack.setArchiveGeneration")));
        assert.equal(w.savedPlans.length, 1);
    });

    it("a re-run after an interrupted re-seed keeps the generation it already set (the config is past the deployed server)", async () => {
        const { w, report } = await drill({ active: "azure", diverged: true, archiveGeneration: { aws: 2 } }, { ...failback, reseedOnly: true });
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.ok(!w.calls.some((c) => c.startsWith("stack.setArchiveGeneration")));
        assert.deepEqual(report.reseed!.archiveGeneration, { from: 2, to: 2, serverName: "postgres-aws-g2", changed: false });
        assert.equal(step(report, "next-archive-generation").detail, "database.archive.generation.aws is already 2 (server postgres-aws-g2), past the deployed postgres-aws: kept");
        assert.ok(!report.notes.some((n) => n.includes("commit this change")));
    });

    it("fences a stale copy that still acts as a primary before deleting it", async () => {
        const w = dbWorld({ active: "azure", diverged: true, backupAgeMinutes: 20 });
        w.cnpg.sides.aws.cluster!.fencedInstances = [];
        w.cnpg.sides.aws.sqlDown = false;
        const report = await executeDrill(executeOptions({ budget: DB_BUDGET, ...failback, reseedOnly: true }), w.deps);
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.ok(report.reseed!.reasons.includes("postgres-aws-1 is not in recovery: it still acts as a primary"));
        assert.ok(w.calls.indexOf("cnpg: aws postgres-aws fenced") < w.calls.indexOf("cnpg: aws postgres-aws deleted"));
    });
});

describe("drill reports with the database (fakes)", () => {
    it("the switchover report has each step's timing, the lag against the budget, the token and the measured RTO, in JSON and Markdown", async () => {
        const { report } = await drill();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-db-report-"));
        try {
            const files = writeDrillReport(report, dir);
            const json = JSON.parse(fs.readFileSync(files.json, "utf8"));
            assert.equal(json.version, 2);
            assert.equal(json.operation, "switchover");
            assert.equal(json.databaseRpoSeconds, 65);
            assert.deepEqual(json.budgetSummary, {
                serviceRestored: "270 s (detection 3×10 s + DNS TTL 60 s + promotion 180 s)",
                fullCapacity: "450 s (service restored 270 s + scale-up 180 s)",
                objectsRpo: '60 min (platform.velero.schedule "0 * * * *")',
                databaseRpo: "65 s (archive_timeout 60 s + upload 5 s)",
            });
            assert.deepEqual(json.steps.map((s: { name: string; durationSeconds: number }) => [s.name, s.durationSeconds]), [
                ["read-stack", 0],
                ["precheck-target-health", 0],
                ["precheck-backup-age", 0],
                ["precheck-database-lag", 0],
                ["set-config", 0],
                ["preview-plan", 0],
                ["demote-old-primary", 0],
                ["wait-demotion-token", 10],
                ["promote-new-primary", 0],
                ["wait-writable", 15],
                ["up", 60],
                ["wait-dns", 30],
                ["wait-health", 0],
                ["hand-over", 0],
            ]);
            assert.equal(json.database.lag.seconds, 20);
            assert.equal(json.measured.rtoSeconds, 115);
            assert.match(json.plan.sha256, /^11111111/);
            const md = fs.readFileSync(files.markdown, "utf8");
            assert.match(md, /^# Switchover drill: stack `prod`, aws → azure/);
            assert.match(md, /\| Measured RTO \(service restored\) \| 115 s \|/);
            assert.match(md, /\| Writes paused \(demotion → writable\) \| 25 s \|/);
            assert.match(md, /## Database\n\n\| \| \|\n\|---\|---\|\n\| Clusters \| `finplat-db\/postgres-aws` \(aws\) → `finplat-db\/postgres-azure` \(azure\) \|\n\| Database RPO budget \| 65 s \(archive_timeout 60 s \+ upload 5 s\) \|/);
            // The budgets next to the measured values, in the summary table.
            assert.match(md, /\| Full-capacity budget \(not measured\) \| 450 s \(service restored 270 s \+ scale-up 180 s\) \|\n\| Full-capacity target \(dr\.fullCapacitySeconds\) \| 600 s \|/);
            assert.match(md, /\| RPO budget \(database\) \| 65 s \(archive_timeout 60 s \+ upload 5 s\) \|\n\| RPO target \(dr\.databaseRpoSeconds\) \| 60 s \|\n\| Measured data loss \| none: promoted with the demotion token \|/);
            assert.match(md, /\| Replica lag at the pre-check \| 20 s \(296 B of WAL\); every archived segment replayed: within budget \|/);
            assert.match(md, /\| Demotion token \| timeline 1, REDO 0\/5000128 in `000000010000000000000005`/);
            assert.match(md, /\| Promotion \| with the demotion token \(no data loss\) \|/);
            assert.match(md, /\| 8 \| Wait for the old primary's demotion token \| ok \| .* \| 10 s \|/);
            assert.match(md, /## Update plan\n\n4 update; plan sha256 `11111111/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the failover report has the fence and the data-loss window against the budget", async () => {
        const { report } = await drill({}, { disaster: true });
        const md = renderMarkdown(report);
        assert.match(md, /^# Failover \(disaster\) drill: stack `prod`, aws → azure/);
        assert.match(md, /\| Old primary fenced \| yes: aws Cluster finplat-db\/postgres-aws fenced \(cnpg\.io\/fencedInstances: \["\*"\]\)/);
        assert.match(md, /\| Last replayed transaction \| 2025-03-01T09:59:40\.000Z \|/);
        assert.match(md, /\| Data-loss window \| at most 20 s, 296 B of WAL not replayed: within budget \|/);
        assert.match(md, /\| RPO budget \(database\) \| 65 s \(archive_timeout 60 s \+ upload 5 s\) \|\n\| RPO target \(dr\.databaseRpoSeconds\) \| 60 s \|\n\| Measured data loss \| at most 20 s: within budget, within target \|/);
        assert.equal(report.verdict.dataLossWithinTarget, true);
        assert.match(md, /\| Promotion \| without a token \(failover\) \|/);
        assert.match(md, /\| Promotion \(→ writable\) \| 15 s \|/);
    });

    it("the hand-over keeps what Pulumi has not applied yet", async () => {
        const w = dbWorld({ backupAgeMinutes: 20 });
        w.onUp = () => undefined; // an up that did not touch the Clusters
        const report = await executeDrill(executeOptions({ budget: DB_BUDGET }), w.deps);
        assert.equal(step(report, "hand-over").status, "warning");
        assert.match(step(report, "hand-over").detail, /azure: only finplat-drill owns replica\.primary on postgres-azure \(Pulumi has not applied it\): kept/);
        assert.deepEqual(w.cnpg.sides.azure.cluster!.primaryOwners, [FIELD_MANAGER]);
        assert.equal(w.cnpg.sides.azure.cluster!.replica!.primary, "postgres-azure");
    });
});

describe("drill --failback --reseed-only without a database", () => {
    it("fails at once instead of failing back", async () => {
        const w = world({ active: "azure", backupAgeMinutes: 20 });
        const report = await executeDrill(executeOptions({ to: "aws", direction: "failback", reseedOnly: true }), w.deps);
        assert.equal(report.status, "failed");
        assert.match(report.problems[0], /--reseed-only: the stack has no in-cluster database/);
        assert.ok(!w.calls.some((c) => c.startsWith("stack.setActiveCloud") || c.startsWith("stack.up")));
    });
});
