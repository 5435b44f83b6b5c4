import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { STEP_ORDER, endpointsFromOutputs, executeDrill, previewFlip } from "../../commands/drill/orchestrator";
import { renderMarkdown, writeDrillReport } from "../../commands/drill/report";
import { OUTPUTS, T0, executeOptions, world } from "./fakes";

describe("drill --execute orchestration (fakes)", () => {
    it("without a database: read, pre-checks, config, preview with a saved plan, up with that plan, DNS, health; the RTO runs from the start of up", async () => {
        const w = world({ backupAgeMinutes: 20, upSeconds: 60, dnsFlipAfterSeconds: 30 });
        const report = await executeDrill(executeOptions(), w.deps);

        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.deepEqual(
            w.calls.filter((c) => !c.startsWith("dns ")),
            [
                "stack.getActiveCloud",
                "stack.outputs",
                "http https://app.azure.fin.example.com/healthz",
                "backups azure azure-kubeconfig",
                "stack.setActiveCloud azure",
                "stack.preview activeCloud=azure --save-plan",
                // Exactly the plan the preview saved.
                "stack.up activeCloud=azure --plan /tmp/drill-plan/plan-1.json",
                // The global name, speaking TLS/Host as the new primary whose certificate and Ingress it has.
                "http https://app.fin.example.com/healthz as app.azure.fin.example.com",
            ],
        );
        // DNS polled every 5 s from the end of up until it answered with the new primary 30 s later.
        assert.equal(w.calls.filter((c) => c === "dns app.fin.example.com").length, 7);
        assert.deepEqual(report.steps.map((s) => s.name), STEP_ORDER);
        assert.ok(report.steps.every((s) => s.status === "ok"));
        assert.deepEqual(report.steps.map((s) => s.durationSeconds), [0, 0, 0, 0, 0, 60, 30, 0]);
        assert.deepEqual(w.appliedPlans, w.savedPlans);
        assert.deepEqual(report.plan?.replacements, []);
        assert.equal(report.database, undefined);
        assert.deepEqual(report.measured, { upSeconds: 60, dnsSwitchSeconds: 30, rtoSeconds: 90 });
        assert.deepEqual(report.verdict, { rtoWithinBudget: true, rtoWithinTarget: true });
        assert.deepEqual([report.from, report.to, report.direction, report.forced], ["aws", "azure", "failover", false]);
        assert.equal(report.expectedTarget, "app.azure.fin.example.com");
        assert.deepEqual(report.backup, { name: "velero-hourly-20250301093000", completedAt: new Date(T0 - 20 * 60_000).toISOString(), ageMinutes: 20, limitMinutes: 60 });
        assert.equal(report.startedAt, "2025-03-01T10:00:00.000Z");
        assert.equal(report.finishedAt, "2025-03-01T10:01:30.000Z");
    });

    it("refuses on a stale backup and changes nothing", async () => {
        const w = world({ backupAgeMinutes: 130 });
        const report = await executeDrill(executeOptions(), w.deps);
        assert.equal(report.status, "refused");
        assert.ok(!w.calls.some((c) => c.startsWith("stack.setActiveCloud") || c.startsWith("stack.up")), "no config change, no up");
        const backupStep = report.steps.find((s) => s.name === "precheck-backup-age")!;
        assert.equal(backupStep.status, "failed");
        assert.match(backupStep.detail, /velero-hourly-20250301093000 is 130 min old, older than the 60 min RPO/);
        assert.deepEqual(report.steps.filter((s) => s.status === "skipped").map((s) => s.name), ["set-config", "preview-plan", "up", "wait-dns", "wait-health"]);
        assert.match(report.notes[0], /Refused before changing anything.*--force/);
        assert.equal(report.measured.rtoSeconds, undefined);
    });

    it("refuses when the target cluster is unhealthy or has no backup at all", async () => {
        const w = world({ backupAgeMinutes: null, status: { "https://app.azure.fin.example.com/healthz": 503 } });
        const report = await executeDrill(executeOptions(), w.deps);
        assert.equal(report.status, "refused");
        assert.deepEqual(report.problems, [
            "the azure cluster is not healthy: https://app.azure.fin.example.com/healthz answered 503, expected 200",
            "no successful (Completed) Velero backup is visible on the azure cluster; the restore path has nothing to restore",
        ]);
    });

    it("--force goes ahead despite a stale backup, marking the pre-check as a warning", async () => {
        const w = world({ backupAgeMinutes: 130 });
        const report = await executeDrill(executeOptions({ force: true }), w.deps);
        assert.equal(report.status, "succeeded");
        assert.ok(w.calls.includes("stack.up activeCloud=azure --plan /tmp/drill-plan/plan-1.json"));
        assert.equal(report.steps.find((s) => s.name === "precheck-backup-age")!.status, "warning");
        assert.equal(report.forced, true);
        assert.match(report.notes.join(" "), /--force was given/);
    });

    it("a DNS name that never flips times out into a failed report", async () => {
        const w = world({ backupAgeMinutes: 10, dnsFlipAfterSeconds: Infinity });
        const report = await executeDrill(executeOptions({ waitTimeoutSeconds: 120 }), w.deps);
        assert.equal(report.status, "failed");
        const dnsStep = report.steps.find((s) => s.name === "wait-dns")!;
        assert.equal(dnsStep.status, "failed");
        assert.equal(dnsStep.durationSeconds, 120);
        assert.match(dnsStep.detail, /^timed out after 120 s waiting for app\.fin\.example\.com to resolve to app\.azure\.fin\.example\.com; last answer: app\.fin\.example\.com → app\.aws\.fin\.example\.com$/);
        assert.equal(report.steps.find((s) => s.name === "wait-health")!.status, "skipped");
        assert.equal(report.measured.rtoSeconds, undefined, "no RTO without the new primary serving");
        assert.equal(report.measured.upSeconds, 60);
        assert.deepEqual(report.verdict, {});
        assert.match(renderMarkdown(report), /\*\*Result: FAILED\*\*/);
    });

    it("a health URL that never answers 200 also times out", async () => {
        const w = world({ backupAgeMinutes: 10, status: { "https://app.fin.example.com/healthz": 502 } });
        const report = await executeDrill(executeOptions({ waitTimeoutSeconds: 30 }), w.deps);
        assert.equal(report.status, "failed");
        assert.match(report.steps.find((s) => s.name === "wait-health")!.detail, /timed out after 30 s waiting for https:\/\/app\.fin\.example\.com\/healthz to answer 200; last answer: .* answered 502/);
    });

    it("a failed up stops the drill and says which state the stack is in", async () => {
        const w = world({ backupAgeMinutes: 10, upThrows: "error: update failed: 1 resource failed" });
        const report = await executeDrill(executeOptions(), w.deps);
        assert.equal(report.status, "failed");
        assert.equal(report.steps.find((s) => s.name === "up")!.status, "failed");
        assert.deepEqual(report.problems, ["error: update failed: 1 resource failed"]);
        assert.match(report.notes.join("\n"), /activeCloud stays azure .* set activeCloud back to aws/);
        assert.ok(!w.calls.some((c) => c.startsWith("dns ")));
    });

    it("fails without side effects when the target is already active or the outputs lack the failover", async () => {
        const already = world({ active: "azure", backupAgeMinutes: 10 });
        const report = await executeDrill(executeOptions(), already.deps);
        assert.equal(report.status, "failed");
        assert.match(report.problems[0], /activeCloud is already azure/);
        assert.deepEqual(already.calls, ["stack.getActiveCloud"]);

        assert.throws(() => endpointsFromOutputs({ kubeconfigs: {} }), /the stack outputs lack failover\.globalHostname, failover\.healthCheckPath, failover\.targets\.aws\.hostname, failover\.targets\.azure\.hostname/);
        assert.equal(endpointsFromOutputs(OUTPUTS).hostnames.azure, "app.azure.fin.example.com");
    });

    it("a failback runs the same steps toward the other cloud", async () => {
        const w = world({ active: "azure", backupAgeMinutes: 10 });
        const report = await executeDrill(executeOptions({ to: "aws", direction: "failback" }), w.deps);
        assert.equal(report.status, "succeeded");
        assert.deepEqual([report.from, report.to, report.direction], ["azure", "aws", "failback"]);
        assert.ok(w.calls.includes("backups aws aws-kubeconfig"));
        assert.ok(w.calls.includes("stack.setActiveCloud aws"));
    });

    it("writes drill-<stack>-<timestamp>.json and .md with the measured RTO and every step's duration", async () => {
        const w = world({ backupAgeMinutes: 20 });
        const report = await executeDrill(executeOptions(), w.deps);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-report-"));
        try {
            const files = writeDrillReport(report, dir);
            assert.equal(path.basename(files.json), "drill-prod-20250301T100000Z.json");
            assert.equal(path.basename(files.markdown), "drill-prod-20250301T100000Z.md");
            const json = JSON.parse(fs.readFileSync(files.json, "utf8"));
            assert.deepEqual(json, JSON.parse(JSON.stringify(report)));
            assert.equal(json.kind, "finplat-drill-report");
            assert.equal(json.measured.rtoSeconds, 90);
            assert.deepEqual(json.steps.map((s: { name: string; durationSeconds: number }) => [s.name, s.durationSeconds]), [
                ["read-stack", 0],
                ["precheck-target-health", 0],
                ["precheck-backup-age", 0],
                ["set-config", 0],
                ["preview-plan", 0],
                ["up", 60],
                ["wait-dns", 30],
                ["wait-health", 0],
            ]);
            assert.equal(json.budget.rtoSeconds, 270);

            const md = fs.readFileSync(files.markdown, "utf8");
            assert.match(md, /^# Switchover drill: stack `prod`, aws → azure/);
            assert.match(md, /\*\*Result: SUCCEEDED\*\*/);
            assert.match(md, /\| Measured RTO \(service restored\) \| 90 s \|/);
            assert.match(md, /\| RTO budget \| 270 s \(detection 3×10 s \+ DNS TTL 60 s \+ promotion 180 s\) \|/);
            assert.match(md, /\| RTO target \(dr\.rtoSeconds\) \| 300 s \|/);
            assert.match(md, /\| Full-capacity budget \(not measured\) \| 450 s \(service restored 270 s \+ scale-up 180 s\) \|/);
            assert.doesNotMatch(md, /\| RPO budget \(database\)|\| Measured data loss/, "no database, no database RPO");
            assert.equal(json.budgetSummary.databaseRpo, undefined);
            assert.match(md, /Measured RTO 90 s \(`pulumi up` 60 s, then DNS switch 30 s and the health URL\): within the 270 s budget, within the 300 s target\./);
            assert.match(md, /\| 6 \| pulumi up --plan \(DNS, sizes, replica\.primary\) \| ok \| 2025-03-01T10:00:00.000Z \| 60 s \| succeeded with the saved plan: 4 update \|/);
            assert.match(md, /\| 7 \| Wait until the global name resolves to the new primary \| ok \| .* \| 30 s \| app\.fin\.example\.com → app\.azure\.fin\.example\.com \(after 7 attempts\) \|/);
            assert.match(md, /## How to read this report/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("drill --preview (fakes)", () => {
    it("sets the flipped config, previews, and restores the config", async () => {
        const w = world();
        const result = await previewFlip(w.deps.stack, "azure");
        assert.deepEqual(w.calls, ["stack.getActiveCloud", "stack.setActiveCloud azure", "stack.preview activeCloud=azure", "stack.setActiveCloud aws"]);
        assert.deepEqual(result.changes, { update: 4, same: 120 });
        assert.equal(w.active, "aws");
    });

    it("restores the config when the preview fails", async () => {
        const w = world({ previewThrows: "preview failed" });
        await assert.rejects(previewFlip(w.deps.stack, "azure"), /preview failed/);
        assert.equal(w.active, "aws");
        assert.equal(w.calls[w.calls.length - 1], "stack.setActiveCloud aws");
    });
});
