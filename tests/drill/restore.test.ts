import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CliDeps, parseDrillArgs, runCli } from "../../commands/drill/cli";
import { credentialProblems, liveVelero, parseRestoreStatus, parseVeleroBackups, requireKubectl, requireStackFile } from "../../commands/drill/live";
import { renderRestoreMarkdown, writeRestoreReport } from "../../commands/drill/report";
import {
    RESTORE_STEP_ORDER,
    RestoreReport,
    parseNamespaces,
    renderRestorePlan,
    restoreManifest,
    restoreName,
    runRestore,
    selectBackup,
} from "../../commands/drill/restore";
import { validateKubernetesObject } from "../support/k8s-schema";
import { BACKUPS, OUTPUTS, RestoreWorldOptions, T0, backup, restoreOptions, restoreWorld } from "./fakes";

const NEWEST_PEER = "velero-platform-20250301094000";

describe("drill --restore: backup selection", () => {
    it("picks the newest Completed backup in location peer, ignoring own-location, failed, partial and running ones", () => {
        const chosen = selectBackup(BACKUPS, "azure");
        assert.equal(chosen.name, NEWEST_PEER);
        assert.equal(chosen.storageLocation, "peer");
    });

    it("--backup must exist, be in location peer and be Completed; each error says what is there instead", () => {
        assert.equal(selectBackup(BACKUPS, "azure", "velero-platform-20250301084000").name, "velero-platform-20250301084000");
        assert.throws(
            () => selectBackup(BACKUPS, "azure", "nope"),
            (err: Error) => {
                assert.equal(
                    err.message,
                    'backup "nope" not found in namespace velero on the azure cluster; Completed backups in location "peer", newest first: velero-platform-20250301094000, velero-platform-20250301084000',
                );
                return true;
            },
        );
        assert.throws(
            () => selectBackup(BACKUPS, "azure", "velero-platform-20250301095500"),
            /^Error: backup "velero-platform-20250301095500" is in location "default" \(the azure cluster's own store\), not "peer" \(the aws cluster's store\)/,
        );
        assert.throws(() => selectBackup(BACKUPS, "azure", "velero-platform-20250301095800"), /backup "velero-platform-20250301095800" is Failed, not Completed/);
        assert.throws(() => selectBackup(BACKUPS, "azure", "velero-platform-20250301095900"), /is InProgress, not Completed/);
    });

    it("no Completed peer backup at all: says so, with what was listed", () => {
        const onlyOwn = [backup("own", "default", "Completed", 5), backup("p", "peer", "Failed", 3)];
        assert.throws(
            () => selectBackup(onlyOwn, "aws"),
            /^Error: no Completed backup in location "peer" \(the azure cluster's store\) on the aws cluster \(2 backups listed: 1 in other locations, 1 in "peer" not Completed\); check that the location is Available/,
        );
        assert.throws(() => selectBackup([], "aws", "x"), /backup "x" not found .*; there is no Completed backup in location "peer"$/);
    });
});

describe("drill --restore: the Restore manifest", () => {
    it("is exactly the velero.io/v1 Restore the brief asks for, never overwriting live objects", () => {
        assert.equal(restoreName(T0), "drill-restore-20250301100000");
        assert.deepEqual(restoreManifest("drill-restore-20250301100000", NEWEST_PEER), {
            apiVersion: "velero.io/v1",
            kind: "Restore",
            metadata: { name: "drill-restore-20250301100000", namespace: "velero", labels: { "app.kubernetes.io/managed-by": "finplat-drill" } },
            spec: {
                backupName: NEWEST_PEER,
                includedNamespaces: ["*"],
                excludedNamespaces: ["velero", "kube-system", "kube-public", "kube-node-lease"],
                restorePVs: true,
                existingResourcePolicy: "none",
            },
        });
        assert.deepEqual(restoreManifest("r", "b", ["payments", "ledger"]).spec.includedNamespaces, ["payments", "ledger"]);
    });

    it("is valid for Velero 1.18.1's Restore CRD, unknown fields included", async () => {
        const manifest = restoreManifest("drill-restore-20250301100000", NEWEST_PEER, ["payments"]);
        assert.equal(await validateKubernetesObject(manifest.apiVersion, manifest.kind, manifest), "validated");
        const typo = { ...manifest, spec: { ...manifest.spec, restorePv: true } };
        await assert.rejects(validateKubernetesObject(manifest.apiVersion, manifest.kind, typo), /spec\.restorePv: unknown field/);
    });

    it("--namespaces takes namespace names only, never the excluded ones", () => {
        assert.deepEqual(parseNamespaces("payments, ledger,payments"), ["payments", "ledger"]);
        assert.throws(() => parseNamespaces("payments,,ledger"), /comma-separated list/);
        assert.throws(() => parseNamespaces("Payments,a_b"), /not a namespace name: "Payments", "a_b"/);
        assert.throws(() => parseNamespaces("payments,kube-system"), /kube-system is never restored/);
    });
});

async function run(options: RestoreWorldOptions = {}, overrides: Parameters<typeof restoreOptions>[0] = {}) {
    const w = restoreWorld(options);
    const log: string[] = [];
    const report = await runRestore(restoreOptions(overrides), { ...w.restoreDeps, log: (l) => log.push(l) });
    return { w, report, log };
}

const step = (report: RestoreReport, name: string) => report.steps.find((s) => s.name === name)!;

describe("drill --restore orchestration (fakes)", () => {
    it("restores the newest peer backup: lists, applies the manifest, polls to Completed and measures", async () => {
        const { w, report } = await run({
            applySeconds: 2,
            statuses: [
                undefined,
                { phase: "New" },
                { phase: "InProgress", totalItems: 40, itemsRestored: 5 },
                { phase: "InProgress", totalItems: 40, itemsRestored: 30 },
                { phase: "Completed", totalItems: 40, itemsRestored: 40, warnings: 3, startedAt: "2025-03-01T10:00:03Z", completedAt: "2025-03-01T10:00:40Z" },
            ],
        });
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.deepEqual(w.calls.slice(0, 3), ["stack.outputs", "velero.listBackups azure azure-kubeconfig", "velero.applyRestore azure azure-kubeconfig drill-restore-20250301100000"]);
        assert.equal(w.calls.filter((c) => c === "velero.getRestore azure azure-kubeconfig drill-restore-20250301100000").length, 5);
        assert.ok(!w.calls.some((c) => c.startsWith("stack.set") || c.startsWith("stack.up")), "a restore never touches the stack");

        assert.equal(w.applied.length, 1);
        assert.deepEqual(w.applied[0], restoreManifest("drill-restore-20250301100000", NEWEST_PEER));
        assert.deepEqual(report.manifest, w.applied[0]);

        assert.deepEqual([report.mode, report.from, report.to, report.location, report.forced], ["execute", "aws", "azure", "peer", false]);
        assert.deepEqual(report.backup, {
            name: NEWEST_PEER,
            storageLocation: "peer",
            completedAt: new Date(T0 - 20 * 60_000).toISOString(),
            ageMinutes: 20,
            limitMinutes: 60,
            scheduleName: "velero-platform",
        });
        assert.deepEqual(report.restore, {
            name: "drill-restore-20250301100000",
            phase: "Completed",
            warnings: 3,
            errors: 0,
            totalItems: 40,
            itemsRestored: 40,
            startedAt: "2025-03-01T10:00:03Z",
            completedAt: "2025-03-01T10:00:40Z",
        });
        assert.deepEqual(report.steps.map((s) => [s.name, s.status, s.durationSeconds]), [
            ["read-stack", "ok", 0],
            ["select-backup", "ok", 0],
            ["precheck-backup-age", "ok", 0],
            ["create-restore", "ok", 2],
            ["wait-restore", "ok", 40],
        ]);
        assert.deepEqual(report.measured, { createSeconds: 2, waitSeconds: 40, totalSeconds: 42, serverSeconds: 37 });
        assert.match(step(report, "select-backup").detail, /^velero-platform-20250301094000 from location "peer" \(the aws cluster's store\), completed .*: the newest Completed one$/);
        assert.equal(step(report, "wait-restore").detail, "Completed: 3 warnings, 0 errors (40/40 items) (after 5 polls)");
        assert.match(report.notes.join("\n"), /3 warning\(s\): with existingResourcePolicy "none" every object that already exists in the azure cluster is kept/);
        assert.equal(report.finishedAt, "2025-03-01T10:00:42.000Z");
    });

    it("restores into aws from the azure store the same way", async () => {
        const { w, report } = await run({}, { to: "aws" });
        assert.equal(report.status, "succeeded");
        assert.deepEqual([report.from, report.to], ["azure", "aws"]);
        assert.ok(w.calls.includes("velero.listBackups aws aws-kubeconfig"));
    });

    it("--backup NAME restores that backup; a missing one fails clearly and creates nothing", async () => {
        const chosen = await run({}, { backupName: "velero-platform-20250301084000", force: true });
        assert.equal(chosen.w.applied[0].spec.backupName, "velero-platform-20250301084000");

        const { w, report } = await run({}, { backupName: "velero-platform-20990101000000" });
        assert.equal(report.status, "failed");
        assert.equal(w.applied.length, 0);
        assert.match(report.problems[0], /^backup "velero-platform-20990101000000" not found in namespace velero on the azure cluster; Completed backups in location "peer", newest first: velero-platform-20250301094000/);
        assert.equal(step(report, "select-backup").status, "failed");
        assert.deepEqual(report.steps.filter((s) => s.status === "skipped").map((s) => s.name), ["precheck-backup-age", "create-restore", "wait-restore"]);
        assert.ok(report.notes.includes("Nothing was created in the cluster."));
    });

    it("kubectl failing to list backups is a failed step with the cause", async () => {
        const { report } = await run({ listThrows: "kubectl get backups.velero.io -n velero -o json exited 1: Unauthorized" });
        assert.equal(report.status, "failed");
        assert.equal(report.problems[0], "cannot list Velero backups on the azure cluster: kubectl get backups.velero.io -n velero -o json exited 1: Unauthorized");
    });

    it("refuses a backup older than the RPO and creates nothing; --force restores it anyway", async () => {
        const stale = [backup("velero-platform-20250301075000", "peer", "Completed", 130), backup("own", "default", "Completed", 5)];
        const refused = await run({ backups: stale });
        assert.equal(refused.report.status, "refused");
        assert.equal(refused.w.applied.length, 0);
        assert.ok(!refused.w.calls.some((c) => c.startsWith("velero.getRestore")));
        assert.equal(step(refused.report, "precheck-backup-age").status, "failed");
        assert.match(refused.report.problems[0], /^backup velero-platform-20250301075000 is 130 min old, older than the 60 min RPO; restoring it loses more data than promised/);
        assert.match(refused.report.notes[0], /^Refused before creating anything: re-run with --force/);
        assert.deepEqual(refused.report.backup?.ageMinutes, 130);
        assert.deepEqual(refused.report.measured, {});

        const forced = await run({ backups: stale }, { force: true });
        assert.equal(forced.report.status, "succeeded");
        assert.equal(forced.w.applied[0].spec.backupName, "velero-platform-20250301075000");
        assert.equal(step(forced.report, "precheck-backup-age").status, "warning");
        assert.equal(forced.report.forced, true);
        assert.match(forced.report.notes.join(" "), /older than the RPO and --force was given/);
    });

    it("the RPO limit is dr.rpoMinutes, or the schedule interval without targets", async () => {
        const stale = [backup("b", "peer", "Completed", 75)];
        assert.equal((await run({ backups: stale }, { targets: { rtoSeconds: 300, rpoMinutes: 90 } })).report.status, "succeeded");
        const { report } = await run({ backups: stale }, { targets: undefined });
        assert.equal(report.status, "refused");
        assert.equal(report.backup?.limitMinutes, 60);
    });

    it("a Restore that ends Failed, FailedValidation or PartiallyFailed fails the drill with Velero's reason", async () => {
        const failed = await run({ statuses: [{ phase: "InProgress" }, { phase: "Failed", errors: 1, failureReason: "error downloading backup: AccessDenied" }] });
        assert.equal(failed.report.status, "failed");
        assert.equal(step(failed.report, "wait-restore").status, "failed");
        assert.equal(failed.report.problems[0], "Restore drill-restore-20250301100000 ended Failed: 0 warnings, 1 error; error downloading backup: AccessDenied (after 2 polls)");
        assert.equal(failed.report.restore?.phase, "Failed");
        assert.deepEqual(failed.report.measured, { createSeconds: 1, waitSeconds: 10, totalSeconds: 11 });

        const invalid = await run({ statuses: [{ phase: "FailedValidation", validationErrors: ["Invalid included/excluded namespace lists"] }] });
        assert.equal(invalid.report.status, "failed");
        assert.match(invalid.report.problems[0], /ended FailedValidation: 0 warnings, 0 errors; Invalid included\/excluded namespace lists \(after 1 poll\)$/);

        const partial = await run({ statuses: [{ phase: "PartiallyFailed", warnings: 2, errors: 4 }] });
        assert.equal(partial.report.status, "partially-failed");
        assert.match(partial.report.problems[0], /ended PartiallyFailed: 2 warnings, 4 errors/);
        assert.match(partial.report.notes.join("\n"), /velero restore describe drill-restore-20250301100000 --details/);
    });

    it("times out with the last phase, and says the Restore keeps running", async () => {
        const { w, report } = await run({ statuses: [{ phase: "InProgress", totalItems: 40, itemsRestored: 12 }] }, { waitTimeoutSeconds: 60 });
        assert.equal(report.status, "failed");
        const wait = step(report, "wait-restore");
        assert.equal(wait.status, "failed");
        assert.equal(wait.durationSeconds, 60);
        assert.equal(wait.detail, "timed out after 60 s waiting for Restore drill-restore-20250301100000 to finish; last answer: InProgress (12/40 items)");
        assert.equal(w.calls.filter((c) => c.startsWith("velero.getRestore")).length, 7);
        assert.deepEqual(report.measured, { createSeconds: 1 }, "no restore duration without a final phase");
        assert.match(report.notes.join("\n"), /keeps running in the cluster: follow it with `kubectl -n velero get restore drill-restore-20250301100000 -w`/);
    });

    it("keeps polling through a transient kubectl error", async () => {
        const { report, log } = await run({ statuses: [new Error("connection refused"), { phase: "Completed" }] });
        assert.equal(report.status, "succeeded");
        assert.ok(log.includes("  restore drill-restore-20250301100000: error: connection refused"));
    });

    it("an apply that does not create (the name exists) fails before polling", async () => {
        const { w, report } = await run({ applyOutput: "restore.velero.io/drill-restore-20250301100000 unchanged" });
        assert.equal(report.status, "failed");
        assert.match(report.problems[0], /kubectl apply did not create Restore drill-restore-20250301100000 .*already exists/);
        assert.ok(!w.calls.some((c) => c.startsWith("velero.getRestore")));
    });

    it("fails without a kubeconfig for the target in the stack outputs", async () => {
        const { w, report } = await run({ outputs: { ...OUTPUTS, kubeconfigs: { aws: "aws-kubeconfig" } } });
        assert.equal(report.status, "failed");
        assert.match(report.problems[0], /the stack outputs lack kubeconfigs\.azure/);
        assert.deepEqual(w.calls, ["stack.outputs"]);
    });

    it("a dry run lists and checks but creates nothing, and prints the plan with the manifest", async () => {
        const { w, report } = await run({}, { execute: false, namespaces: ["payments"] });
        assert.equal(report.status, "planned");
        assert.equal(report.mode, "dry-run");
        assert.equal(w.applied.length, 0);
        assert.deepEqual(w.calls, ["stack.outputs", "velero.listBackups azure azure-kubeconfig"]);
        assert.deepEqual(report.steps.map((s) => s.status), ["ok", "ok", "ok", "skipped", "skipped"]);
        assert.equal(step(report, "create-restore").detail, "dry run: not run (use --execute)");
        assert.deepEqual(report.manifest, restoreManifest("drill-restore-20250301100000", NEWEST_PEER, ["payments"]));

        const plan = renderRestorePlan(report, { waitTimeoutSeconds: 3600, pollSeconds: 10 });
        assert.match(plan, /^Restore dry run for stack "prod" into the azure cluster \(reads only: nothing is created\)/);
        assert.match(plan, /backup: {4}velero-platform-20250301094000 \(schedule velero-platform\)/);
        assert.match(plan, /from: {6}location "peer" = the aws cluster's backup store, read-only/);
        assert.match(plan, /into: {6}the azure cluster \(kubeconfig from stack output kubeconfigs\.azure\), Restore in namespace velero/);
        assert.ok(plan.includes(JSON.stringify(report.manifest, null, 2)), "the exact manifest");
        assert.match(plan, /poll `kubectl -n velero get restore drill-restore-20250301100000 -o json` every 10 s until Completed, PartiallyFailed or Failed \(at most 3600 s\)/);
        assert.match(plan, /Checks passed: run again with --execute to restore\./);

        const stale = await run({ backups: [backup("old", "peer", "Completed", 300)] }, { execute: false });
        assert.equal(stale.report.status, "refused");
        assert.match(renderRestorePlan(stale.report, { waitTimeoutSeconds: 3600, pollSeconds: 10 }), /--execute would REFUSE:\n {2}- backup old is 300 min old/);
    });

    it("writes restore-<stack>-<timestamp>.json and .md with phase, counts, backup age and durations", async () => {
        const { report } = await run({
            statuses: [{ phase: "InProgress" }, { phase: "Completed", warnings: 3, errors: 0, totalItems: 40, itemsRestored: 40, startedAt: "2025-03-01T10:00:02Z", completedAt: "2025-03-01T10:00:10Z" }],
        });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-report-"));
        try {
            const files = writeRestoreReport(report, dir);
            assert.equal(path.basename(files.json), "restore-prod-20250301T100000Z.json");
            assert.equal(path.basename(files.markdown), "restore-prod-20250301T100000Z.md");
            const json = JSON.parse(fs.readFileSync(files.json, "utf8"));
            assert.deepEqual(json, JSON.parse(JSON.stringify(report)));
            assert.equal(json.kind, "finplat-restore-report");
            assert.equal(json.restore.phase, "Completed");
            assert.deepEqual([json.restore.warnings, json.restore.errors], [3, 0]);
            assert.equal(json.backup.ageMinutes, 20);
            assert.deepEqual(json.measured, { createSeconds: 1, waitSeconds: 10, totalSeconds: 11, serverSeconds: 8 });
            assert.deepEqual(json.steps.map((s: { name: string }) => s.name), RESTORE_STEP_ORDER);

            const md = fs.readFileSync(files.markdown, "utf8");
            assert.equal(md, renderRestoreMarkdown(report));
            assert.match(md, /^# Restore drill: stack `prod`, aws backup → azure cluster/);
            assert.match(md, /\*\*Result: SUCCEEDED\*\*/);
            assert.match(md, /\| Backup \| `velero-platform-20250301094000` in location `peer` \(the aws cluster's store, read-only\) \|/);
            assert.match(md, /\| Backup age \| 20 min at the pre-check \(limit 60 min\) \|/);
            assert.match(md, /\| Phase \| Completed \|/);
            assert.match(md, /\| Warnings \/ errors \| 3 \/ 0 \|/);
            assert.match(md, /\| Items restored \| 40 of 40 \|/);
            assert.match(md, /\| Total restore time \| 11 s \|/);
            assert.match(md, /\| Velero's own timing \| 8 s \|/);
            assert.match(md, /\| 5 \| Wait until the Restore finishes \| ok \| .* \| 10 s \| Completed: 3 warnings, 0 errors \(40\/40 items\) \(after 2 polls\) \|/);
            assert.match(md, /## Restore manifest\n\n```json\n\{\n {2}"apiVersion": "velero.io\/v1"/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a refused restore's report says nothing was created", async () => {
        const { report } = await run({ backups: [backup("old", "peer", "Completed", 300)] });
        assert.match(renderRestoreMarkdown(report), /\*\*Result: REFUSED \(nothing was created\)\*\*/);
        assert.match(renderRestoreMarkdown(report), /\| Total restore time \| — \|/);
    });
});

describe("drill --restore: kubectl JSON", () => {
    it("parses backups with their location, phase, completion and schedule", () => {
        const backups = parseVeleroBackups({
            items: [
                {
                    metadata: { name: "a", labels: { "velero.io/schedule-name": "velero-platform" } },
                    spec: { storageLocation: "peer" },
                    status: { phase: "Completed", completionTimestamp: "2025-03-01T09:40:00Z" },
                },
                { metadata: { name: "b" }, spec: { storageLocation: "default" }, status: { phase: "InProgress" } },
            ],
        });
        assert.deepEqual(backups, [
            { name: "a", storageLocation: "peer", phase: "Completed", completedAt: new Date("2025-03-01T09:40:00Z"), scheduleName: "velero-platform" },
            { name: "b", storageLocation: "default", phase: "InProgress" },
        ]);
        assert.deepEqual(parseVeleroBackups({}), []);
    });

    it("parses a Restore's status; Velero omits zero counts", () => {
        assert.deepEqual(parseRestoreStatus({ status: { phase: "InProgress", progress: { totalItems: 40 } } }), { phase: "InProgress", warnings: 0, errors: 0, totalItems: 40, itemsRestored: 0 });
        assert.deepEqual(
            parseRestoreStatus({ status: { phase: "Failed", errors: 2, warnings: 1, failureReason: "x", startTimestamp: "2025-03-01T10:00:00Z", completionTimestamp: "2025-03-01T10:01:00Z" } }),
            { phase: "Failed", warnings: 1, errors: 2, failureReason: "x", startedAt: "2025-03-01T10:00:00Z", completedAt: "2025-03-01T10:01:00Z" },
        );
        assert.deepEqual(parseRestoreStatus({}), { warnings: 0, errors: 0 });
    });
});

describe("drill --restore: the live Velero adapter against a stand-in kubectl", function () {
    if (process.platform === "win32") return;
    let dir: string;
    let savedPath: string | undefined;
    const log = () => fs.readFileSync(path.join(dir, "calls.log"), "utf8");
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kubectl-"));
        // Logs its arguments, KUBECONFIG's content and stdin; answers like kubectl would.
        fs.writeFileSync(
            path.join(dir, "kubectl"),
            [
                "#!/bin/sh",
                `log="${dir}/calls.log"`,
                'echo "args: $*" >> "$log"',
                'echo "kubeconfig: $(cat "$KUBECONFIG")" >> "$log"',
                'case "$*" in',
                '  "get backups.velero.io -n velero -o json") echo \'{"items":[{"metadata":{"name":"b1"},"spec":{"storageLocation":"peer"},"status":{"phase":"Completed","completionTimestamp":"2025-03-01T09:40:00Z"}}]}\' ;;',
                '  "apply -f -") echo "stdin: $(cat)" >> "$log"; echo "restore.velero.io/r1 created" ;;',
                '  "get restores.velero.io r1 -n velero -o json") echo \'{"status":{"phase":"Completed","warnings":2}}\' ;;',
                '  "get restores.velero.io gone -n velero -o json") echo \'Error from server (NotFound): restores.velero.io "gone" not found\' >&2; exit 1 ;;',
                '  *) echo "error: You must be logged in to the server (Unauthorized)" >&2; exit 1 ;;',
                "esac",
            ].join("\n"),
            { mode: 0o755 },
        );
        savedPath = process.env.PATH;
        process.env.PATH = `${dir}${path.delimiter}${savedPath ?? ""}`;
    });
    after(() => {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("lists backups, pipes the manifest to kubectl apply -f -, reads the Restore, and treats NotFound as not there yet", async () => {
        const kubeDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("drill-kube-")));
        const before = kubeDirs();
        assert.deepEqual(await liveVelero.listBackups("azure", "KUBE-A"), [{ name: "b1", storageLocation: "peer", phase: "Completed", completedAt: new Date("2025-03-01T09:40:00Z") }]);
        const manifest = restoreManifest("r1", "b1");
        assert.equal((await liveVelero.applyRestore("azure", "KUBE-B", manifest)).trim(), "restore.velero.io/r1 created");
        assert.deepEqual(await liveVelero.getRestore("azure", "KUBE-C", "r1"), { phase: "Completed", warnings: 2, errors: 0 });
        assert.equal(await liveVelero.getRestore("azure", "KUBE-C", "gone"), undefined);
        await assert.rejects(liveVelero.getRestore("azure", "KUBE-C", "other"), /kubectl get restores\.velero\.io other -n velero -o json exited 1: error: You must be logged in/);
        assert.equal((await liveVelero.latestSuccessfulBackup("azure", "KUBE-D"))?.name, "b1");

        const calls = log();
        assert.match(calls, /args: get backups\.velero\.io -n velero -o json\nkubeconfig: KUBE-A\n/);
        assert.match(calls, /args: apply -f -\nkubeconfig: KUBE-B\nstdin: (.*)\n/);
        assert.deepEqual(JSON.parse(/stdin: (.*)\n/.exec(calls)![1]), manifest);
        assert.deepEqual([...kubeDirs()].filter((d) => !before.has(d)), [], "the temporary kubeconfig files are removed");
    });
});

// ---------------------------------------------------------------- CLI

interface Captured {
    out: string[];
    err: string[];
    deps: Partial<CliDeps>;
    reports: RestoreReport[];
    credentialClouds: (readonly string[] | undefined)[];
}

function capture(options: RestoreWorldOptions = {}, extra: Partial<CliDeps> = {}): Captured & { w: ReturnType<typeof restoreWorld> } {
    const w = restoreWorld(options);
    const captured = { out: [] as string[], err: [] as string[], reports: [] as RestoreReport[], credentialClouds: [] as (readonly string[] | undefined)[], w, deps: {} as Partial<CliDeps> };
    captured.deps = {
        out: (t) => captured.out.push(t),
        err: (t) => captured.err.push(t),
        requireStackFile: (stack) => requireStackFile(stack),
        requirePulumiCli: () => undefined,
        requireCredentials: (clouds) => void captured.credentialClouds.push(clouds),
        requireKubectl: () => undefined,
        openStack: async () => w.restoreDeps.stack,
        restoreProbes: () => ({ velero: w.restoreDeps.velero, clock: w.clock }),
        writeRestoreReport: (report) => {
            captured.reports.push(report);
            return { json: "drill-reports/r.json", markdown: "drill-reports/r.md" };
        },
        writeReport: () => {
            throw new Error("a restore writes a restore report");
        },
        ...extra,
    };
    return captured;
}

describe("drill CLI --restore", () => {
    it("parses --restore, --backup and --namespaces; a dry run unless --execute; waits up to an hour by default", () => {
        const dry = parseDrillArgs(["--stack", "prod", "--restore", "--to", "azure"]);
        assert.deepEqual([dry.restore, dry.mode, dry.backup, dry.namespaces, dry.timeoutSeconds], [true, "dry-run", undefined, undefined, 3600]);
        const exec = parseDrillArgs(["--stack", "prod", "--restore", "--to", "aws", "--backup", "velero-platform-1", "--namespaces", "payments,ledger", "--execute", "--force", "--timeout", "900", "--report-dir", "out"]);
        assert.deepEqual(
            [exec.mode, exec.to, exec.backup, exec.namespaces, exec.force, exec.timeoutSeconds, exec.reportDir],
            ["execute", "aws", "velero-platform-1", ["payments", "ledger"], true, 900, "out"],
        );
        assert.equal(parseDrillArgs(["--stack", "prod", "--to", "azure", "--execute"]).timeoutSeconds, 900, "the failover default is unchanged");
        assert.equal(parseDrillArgs(["--stack", "prod", "--to", "azure"]).restore, false);
    });

    const badArgs: [string[], RegExp][] = [
        [["--stack", "prod", "--restore", "--to", "azure", "--failback"], /--restore cannot be combined with --failback/],
        [["--stack", "prod", "--restore", "--failback"], /--restore cannot be combined with --failback/],
        [["--stack", "prod", "--restore", "--to", "azure", "--simulate"], /--restore cannot be combined with --simulate/],
        [["--stack", "prod", "--restore", "--to", "azure", "--preview"], /--restore cannot be combined with --preview/],
        [["--stack", "prod", "--restore"], /--restore needs --to aws\|azure: the cluster to restore into/],
        [["--stack", "prod", "--to", "azure", "--backup", "b"], /--backup only applies to --restore/],
        [["--stack", "prod", "--to", "azure", "--execute", "--namespaces", "a"], /--namespaces only applies to --restore/],
        [["--stack", "prod", "--restore", "--to", "azure", "--namespaces", "kube-system"], /--namespaces: kube-system is never restored/],
        [["--stack", "prod", "--restore", "--to", "azure", "--namespaces", "A"], /--namespaces: not a namespace name: "A"/],
        [["--stack", "prod", "--restore", "--to", "azure", "--backup"], /--backup needs a value/],
        [["--stack", "prod", "--restore", "--to", "azure", "--force"], /--force only applies to --execute/],
        [["--stack", "prod", "--restore", "--to", "azure", "--timeout", "60"], /--timeout only applies to --execute/],
        [["--stack", "prod", "--restore", "--to", "azure", "--set", "a=b"], /--set only applies to --simulate/],
    ];
    for (const [argv, message] of badArgs) {
        it(`bad arguments ${argv.join(" ")} → usage and exit 2`, async () => {
            const c = capture();
            assert.equal(await runCli(argv, c.deps), 2);
            assert.match(c.err.join("\n"), message);
            assert.match(c.err.join("\n"), /npm run drill -- --stack <name> --restore --to <aws\|azure> \[--backup NAME\] \[--namespaces a,b\] \[--execute\]/);
            assert.equal(c.w.calls.length, 0);
        });
    }

    it("the dry run prints the plan with the manifest, creates nothing and exits 0", async () => {
        const c = capture();
        assert.equal(await runCli(["--stack", "prod", "--restore", "--to", "azure"], c.deps), 0);
        const out = c.out.join("\n");
        assert.match(out, /Restore dry run for stack "prod" into the azure cluster/);
        assert.match(out, /"backupName": "velero-platform-20250301094000"/);
        assert.match(out, /at most 3600 s/);
        assert.equal(c.w.applied.length, 0);
        assert.equal(c.reports.length, 0, "a dry run writes no report");
        assert.deepEqual(c.credentialClouds, [["azure"]], "only the target cloud's credentials are needed");
    });

    it("--execute restores, writes the report and exits 0; a missing --backup exits 1 with the reason", async () => {
        const c = capture({ statuses: [{ phase: "InProgress" }, { phase: "Completed", warnings: 1 }] });
        assert.equal(await runCli(["--stack", "prod", "--restore", "--to", "azure", "--execute"], c.deps), 0);
        assert.equal(c.reports.length, 1);
        const report = c.reports[0];
        assert.equal(report.status, "succeeded");
        // The RPO comes from the prod stack's config (no drBudget output in the fake outputs).
        assert.ok(report.targets && report.backup && report.backup.limitMinutes === report.targets.rpoMinutes);
        assert.match(
            c.out.join("\n"),
            /Restore into azure succeeded: Restore drill-restore-20250301100000 Completed, 1 warnings, 0 errors; backup velero-platform-20250301094000 20 min old \(RPO \d+ min\); restore took 11 s\.\n[^]*Reports: drill-reports\/r\.json/,
        );

        const missing = capture();
        assert.equal(await runCli(["--stack", "prod", "--restore", "--to", "azure", "--execute", "--backup", "nope"], missing.deps), 1);
        assert.equal(missing.reports[0].status, "failed");
        assert.match(missing.out.join("\n"), /Restore into azure failed\.\n {2}- backup "nope" not found in namespace velero on the azure cluster/);
        assert.equal(missing.w.applied.length, 0);
    });

    it("--execute refuses a stale backup (exit 1) unless --force", async () => {
        const stale = { backups: [backup("old", "peer", "Completed", 24 * 60)] };
        const refused = capture(stale);
        assert.equal(await runCli(["--stack", "prod", "--restore", "--to", "azure", "--execute"], refused.deps), 1);
        assert.equal(refused.reports[0].status, "refused");
        assert.equal(refused.w.applied.length, 0);

        const forced = capture(stale);
        assert.equal(await runCli(["--stack", "prod", "--restore", "--to", "azure", "--execute", "--force"], forced.deps), 0);
        assert.equal(forced.w.applied[0].spec.backupName, "old");
    });

    it("a missing kubectl is a one-line error with exit 2", async () => {
        const c = capture({}, { requireKubectl: () => requireKubectl(() => false) });
        assert.equal(await runCli(["--stack", "prod", "--restore", "--to", "azure"], c.deps), 2);
        assert.match(c.err[0], /^error: kubectl is not installed or not on PATH/);
    });

    it("credential checks can be limited to the target cloud", () => {
        const none = { env: {}, homeDir: "/home/nobody", exists: () => false, azLoggedIn: () => false };
        assert.deepEqual(credentialProblems(none, ["azure"]).map((p) => p.split(":")[0]), ["no Azure credentials"]);
        assert.deepEqual(credentialProblems(none, ["aws"]).map((p) => p.split(":")[0]), ["no AWS credentials"]);
        assert.equal(credentialProblems(none).length, 2);
    });
});
