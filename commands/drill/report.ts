/**
 * Drill reports: `drill-<stack>-<timestamp>.json` (the full record, for
 * tooling and audit) and `.md` (for people: the verdict first, then the steps).
 */
import * as fs from "fs";
import * as path from "path";
import { describeRpo } from "../../stacks/config/dr-budget";
import { describeBytes } from "./database";
import { DrillReport, budgetSummaryOf } from "./orchestrator";
import { PitrReport } from "./pitr";
import { RestoreReport } from "./restore";
import { RecordedStep } from "./steps";

/** 2025-01-31T12:34:56.789Z → 20250131T123456Z (sortable, safe in file names). */
export function reportTimestamp(iso: string): string {
    return iso.replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

/** Each kind of drill writes `<kind>-<stack>-<timestamp>.{json,md}`. */
type ReportKind = "drill" | "restore" | "pitr";

const seconds = (value: number | undefined) => (value === undefined ? "—" : `${Math.round(value * 10) / 10} s`);

/** Text safe in a Markdown table cell. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The title, the result line and the first rows of the summary table; the caller adds its own rows. */
function renderHeader(lines: string[], heading: string, result: string, report: { forced: boolean; startedAt: string; finishedAt: string }): void {
    lines.push(`# ${heading}`);
    lines.push("");
    lines.push(`**Result: ${result}**${report.forced ? " (run with --force)" : ""}`);
    lines.push("");
    lines.push("| | |");
    lines.push("|---|---|");
    lines.push(`| Started | ${report.startedAt} |`);
    lines.push(`| Finished | ${report.finishedAt} |`);
}

/** The Steps table, then the Problems and Notes lists when there are any. */
function renderSteps(lines: string[], report: { steps: RecordedStep<string>[]; problems: string[]; notes: string[] }): void {
    lines.push("## Steps");
    lines.push("");
    lines.push("| # | Step | Status | Started | Duration | Detail |");
    lines.push("|---|---|---|---|---|---|");
    report.steps.forEach((s, i) => {
        lines.push(`| ${i + 1} | ${s.title} | ${s.status} | ${s.startedAt ?? "—"} | ${seconds(s.durationSeconds)} | ${cell(s.detail)} |`);
    });
    lines.push("");
    for (const [title, items] of [["Problems", report.problems], ["Notes", report.notes]] as const) {
        if (items.length) lines.push(`## ${title}`, "", ...items.map((item) => `- ${item}`), "");
    }
}

/** A manifest the drill applied (or would apply), as a JSON block. */
function renderManifest(lines: string[], title: string, manifest: unknown): void {
    if (!manifest) return;
    lines.push(`## ${title}`, "", "```json", JSON.stringify(manifest, null, 2), "```", "");
}

/** The closing "How to read this report" section. */
function renderGuide(lines: string[], bullets: string[]): void {
    lines.push("## How to read this report", "", ...bullets.map((b) => `- ${b}`), "");
}

const STATUS_LINE: Record<DrillReport["status"], string> = {
    succeeded: "SUCCEEDED",
    failed: "FAILED",
    refused: "REFUSED (nothing was changed)",
};

const yes = (value: boolean | undefined, good = "within", bad = "**over**") => (value === undefined ? "—" : value ? good : bad);

/** What the drill measured against the database RPO: the failover's data-loss window, or none after a promotion with a token. */
function measuredDataLoss(report: DrillReport): string | undefined {
    const db = report.database;
    if (db?.dataLoss) {
        const target = report.verdict.dataLossWithinTarget === undefined ? "" : `, ${yes(report.verdict.dataLossWithinTarget)} target`;
        return db.dataLoss.windowSeconds === undefined ? "unknown (no replayed transaction recorded)" : `at most ${db.dataLoss.windowSeconds} s: ${yes(db.dataLoss.withinBudget)} budget${target}`;
    }
    if (db?.promotedWithToken) return "none: promoted with the demotion token";
    return undefined;
}

/** The database section of a drill report: lag or data loss, tokens, fencing, re-seed, hand-over. */
function renderDatabase(lines: string[], report: DrillReport): void {
    const db = report.database;
    if (!db && !report.reseed) return;
    lines.push("## Database");
    lines.push("");
    lines.push("| | |");
    lines.push("|---|---|");
    if (db) {
        lines.push(`| Clusters | \`${db.namespace}/${db.from.cluster}\` (${db.from.cloud}) → \`${db.namespace}/${db.to.cluster}\` (${db.to.cloud}) |`);
        lines.push(`| Database RPO budget | ${report.budgetSummary?.databaseRpo ?? "not exported (drBudget.databaseRpoSeconds)"} |`);
    }
    if (db?.lag) {
        const bytes = db.lag.bytes === undefined ? "" : ` (${describeBytes(db.lag.bytes)} of WAL)`;
        const archived = db.lag.replayedAllArchived === undefined ? "" : db.lag.replayedAllArchived ? "; every archived segment replayed" : "; archived segments still to replay";
        lines.push(`| Replica lag at the pre-check | ${seconds(db.lag.seconds)}${bytes}${archived}: ${yes(db.lag.withinBudget)} budget |`);
        if (db.lag.archiveFailing) lines.push("| WAL archiving | **failing** on the primary |");
    }
    if (db?.demotionToken) {
        const t = db.demotionToken;
        lines.push(`| Demotion token | timeline ${t.timeline}, REDO ${t.redoLocation} in \`${t.redoWalFile}\`${t.checkpointAt ? `, checkpoint ${t.checkpointAt}` : ""} |`);
    }
    if (db?.promotedWithToken !== undefined) lines.push(`| Promotion | ${db.promotedWithToken ? "with the demotion token (no data loss)" : "without a token (failover)"} |`);
    if (db?.fencing) lines.push(`| Old primary fenced | ${db.fencing.fenced ? "yes" : "**no**"}: ${cell(db.fencing.detail)} |`);
    if (db?.dataLoss) {
        const d = db.dataLoss;
        lines.push(`| Last replayed transaction | ${d.lastReplayedAt ?? "unknown"} |`);
        lines.push(`| Data-loss window | ${d.windowSeconds === undefined ? "unknown" : `at most ${d.windowSeconds} s`}${d.bytes === undefined ? "" : `, ${describeBytes(d.bytes)} of WAL not replayed`}: ${yes(d.withinBudget)} budget |`);
    }
    if (report.reseed) {
        const r = report.reseed;
        lines.push(`| Re-seed of ${r.cloud} \`${r.cluster}\` | ${r.needed ? `yes: ${cell(r.reasons.join("; "))}` : "not needed"} |`);
    }
    if (db?.handOver) lines.push(`| Hand-over to Pulumi | ${cell(db.handOver.join("; "))} |`);
    lines.push("");
}

function renderPlan(lines: string[], title: string, plan: DrillReport["plan"]): void {
    if (!plan) return;
    lines.push(`## ${title}`);
    lines.push("");
    lines.push(`${Object.entries(plan.changes).filter(([op]) => op !== "same").map(([op, n]) => `${n} ${op}`).join(", ") || "no changes"}${plan.sha256 ? `; plan sha256 \`${plan.sha256}\`` : ""}`);
    lines.push("");
    if (plan.replacements.length) {
        lines.push("**Replacements (the drill refused):**");
        lines.push("");
        plan.replacements.forEach((r) => lines.push(`- ${r}`));
        lines.push("");
    }
    if (plan.steps.length) {
        plan.steps.forEach((step) => lines.push(`- ${step}`));
        lines.push("");
    }
}

export function renderMarkdown(report: DrillReport): string {
    const lines: string[] = [];
    const title = report.direction === "failback" ? (report.reseedOnly ? "Failback re-seed" : "Failback") : report.operation === "failover" ? "Failover (disaster)" : "Switchover";
    renderHeader(lines, `${title} drill: stack \`${report.stack}\`, ${report.from} → ${report.to}`, STATUS_LINE[report.status], report);
    if (report.globalHostname) lines.push(`| Global name | \`${report.globalHostname}\` → \`${report.expectedTarget ?? "?"}\` |`);
    const summary = report.budgetSummary ?? budgetSummaryOf(report.budget);
    lines.push(`| Measured RTO (service restored) | ${seconds(report.measured.rtoSeconds)} |`);
    lines.push(`| RTO budget | ${summary.serviceRestored} |`);
    if (report.targets) lines.push(`| RTO target (dr.rtoSeconds) | ${report.targets.rtoSeconds} s |`);
    lines.push(`| Full-capacity budget (not measured) | ${summary.fullCapacity} |`);
    if (report.targets?.fullCapacitySeconds !== undefined) lines.push(`| Full-capacity target (dr.fullCapacitySeconds) | ${report.targets.fullCapacitySeconds} s |`);
    if (report.measured.writeOutageSeconds !== undefined) lines.push(`| Writes paused (demotion → writable) | ${seconds(report.measured.writeOutageSeconds)} |`);
    if (report.measured.promotionSeconds !== undefined) lines.push(`| Promotion (→ writable) | ${seconds(report.measured.promotionSeconds)} |`);
    if (report.measured.reseedSeconds !== undefined) lines.push(`| Re-seed | ${seconds(report.measured.reseedSeconds)} |`);
    lines.push(`| RPO budget (objects) | ${summary.objectsRpo} |`);
    if (report.targets) lines.push(`| RPO target (dr.rpoMinutes) | ${report.targets.rpoMinutes} min |`);
    if (summary.databaseRpo !== undefined) {
        lines.push(`| RPO budget (database) | ${summary.databaseRpo} |`);
        if (report.targets?.databaseRpoSeconds !== undefined) lines.push(`| RPO target (dr.databaseRpoSeconds) | ${report.targets.databaseRpoSeconds} s |`);
        const measured = measuredDataLoss(report);
        if (measured) lines.push(`| Measured data loss | ${measured} |`);
    }
    if (report.backup) lines.push(`| Latest backup | \`${report.backup.name}\`, ${report.backup.ageMinutes} min old at the pre-check (limit ${report.backup.limitMinutes} min) |`);
    lines.push("");
    if (report.measured.rtoSeconds !== undefined) {
        const budgetVerdict = report.verdict.rtoWithinBudget ? "within" : "**over**";
        const targetVerdict = report.verdict.rtoWithinTarget === undefined ? "" : `, ${report.verdict.rtoWithinTarget ? "within" : "**over**"} the ${report.targets!.rtoSeconds} s target`;
        lines.push(
            `Measured RTO ${seconds(report.measured.rtoSeconds)} (\`pulumi up\` ${seconds(report.measured.upSeconds)}, then DNS switch ${seconds(report.measured.dnsSwitchSeconds)} and the health URL): ` +
                `${budgetVerdict} the ${report.budget.rtoSeconds} s budget${targetVerdict}.`,
        );
        lines.push("");
    }
    renderDatabase(lines, report);
    renderSteps(lines, report);
    renderPlan(lines, "Re-seed plan", report.reseedPlan);
    renderPlan(lines, "Update plan", report.plan);
    renderGuide(lines, [
        "**Measured RTO** runs from the first step that interrupts service (the database demotion or fence; `pulumi up` without a database) to the moment the global name resolves to the new primary *and* its health URL answers 200.",
        "**RTO budget** (service restored) is what the configuration promises for an unplanned failure: health-check detection (interval × threshold) + the record's DNS TTL + the promotion allowance (the decision and the fenced promotion). A planned drill skips detection, so a measured RTO above the budget means the switch or DNS is slower than configured. **Full capacity** adds the scale-up allowance (the standby growing to full size); the drill does not wait for it.",
        "**Writes paused** (switchover): from the demotion of the old primary until the new one commits a write. DNS moves only after that.",
        "**RPO (database)** is archive_timeout + the upload allowance: the most recent writes the other cloud may miss. **Measured data loss** is the failover's data-loss window (none for a switchover, which promotes with the demotion token). **Replica lag** is judged against the database RPO budget; a replica that has replayed every archived WAL segment is as current as WAL shipping allows. **Data-loss window** (failover): transactions committed on the old primary after the last one the new primary replayed are lost; the window runs from that commit to the promotion.",
        "**RPO (objects)** is the interval between scheduled Velero backups; the pre-check refuses when the newest successful backup is older than the RPO target.",
        "**Update plan**: `--execute` applies exactly the plan its preview saved; a plan that replaces anything is refused. A **refused** drill changed nothing. A **failed** drill says in its notes which state the stack was left in.",
    ]);
    return lines.join("\n");
}

/** Writes `<dir>/<kind>-<stack>-<timestamp>.json` (the full record, for tooling and audit) and `.md`; returns their paths. */
function writeReportFiles(dir: string, kind: ReportKind, report: { stack: string; startedAt: string }, markdownText: string): { json: string; markdown: string } {
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `${kind}-${report.stack}-${reportTimestamp(report.startedAt)}`);
    const json = `${base}.json`;
    const markdown = `${base}.md`;
    fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(markdown, markdownText);
    return { json, markdown };
}

/** Writes the JSON and Markdown reports; returns their paths. */
export function writeDrillReport(report: DrillReport, dir: string): { json: string; markdown: string } {
    return writeReportFiles(dir, "drill", report, renderMarkdown(report));
}

// ---------------------------------------------------------------- restore reports

const RESTORE_STATUS_LINE: Record<RestoreReport["status"], string> = {
    planned: "DRY RUN (nothing was created)",
    succeeded: "SUCCEEDED",
    "partially-failed": "PARTIALLY FAILED",
    failed: "FAILED",
    refused: "REFUSED (nothing was created)",
};

export function renderRestoreMarkdown(report: RestoreReport): string {
    const lines: string[] = [];
    renderHeader(lines, `Restore drill: stack \`${report.stack}\`, ${report.from} backup → ${report.to} cluster`, RESTORE_STATUS_LINE[report.status], report);
    lines.push(`| Into | the ${report.to} cluster |`);
    if (report.backup) {
        lines.push(`| Backup | \`${report.backup.name}\` in location \`${report.backup.storageLocation}\` (the ${report.from} cluster's store, read-only) |`);
        lines.push(`| Backup completed | ${report.backup.completedAt} |`);
        lines.push(`| Backup age | ${report.backup.ageMinutes} min at the pre-check (limit ${report.backup.limitMinutes} min) |`);
    }
    lines.push(`| RPO budget | ${describeRpo(report.budget)} |`);
    if (report.targets) lines.push(`| RPO target (dr.rpoMinutes) | ${report.targets.rpoMinutes} min |`);
    if (report.restore) {
        lines.push(`| Restore | \`${report.restore.name}\` |`);
        lines.push(`| Phase | ${report.restore.phase ?? "—"} |`);
        lines.push(`| Warnings / errors | ${report.restore.warnings} / ${report.restore.errors} |`);
        if (report.restore.totalItems !== undefined) lines.push(`| Items restored | ${report.restore.itemsRestored ?? 0} of ${report.restore.totalItems} |`);
        if (report.restore.failureReason) lines.push(`| Failure reason | ${cell(report.restore.failureReason)} |`);
    }
    lines.push(`| Create (kubectl apply) | ${seconds(report.measured.createSeconds)} |`);
    lines.push(`| Wait until finished | ${seconds(report.measured.waitSeconds)} |`);
    lines.push(`| Total restore time | ${seconds(report.measured.totalSeconds)} |`);
    lines.push(`| Velero's own timing | ${seconds(report.measured.serverSeconds)} |`);
    lines.push("");
    renderSteps(lines, report);
    renderManifest(lines, "Restore manifest", report.manifest);
    renderGuide(lines, [
        `The backup comes from location \`peer\`: the ${report.from} cluster's store, which Velero on the ${report.to} cluster reads read-only.`,
        "**Backup age** is how much data a real restore would lose at that moment; the pre-check refuses a backup older than the RPO target unless `--force`.",
        "**Total restore time** runs from `kubectl apply` of the Restore until Velero reports a final phase (Completed, PartiallyFailed, Failed). It is part of the RTO of a failover that needs data.",
        "**Warnings** are expected on a warm-standby cluster: objects that already exist are kept (`existingResourcePolicy: none`) and counted as warnings. **Errors** are items that were not restored.",
    ]);
    return lines.join("\n");
}

/** Writes restore-<stack>-<timestamp>.json and .md; returns their paths. */
export function writeRestoreReport(report: RestoreReport, dir: string): { json: string; markdown: string } {
    return writeReportFiles(dir, "restore", report, renderRestoreMarkdown(report));
}

// ---------------------------------------------------------------- point-in-time recovery reports

const PITR_STATUS_LINE: Record<PitrReport["status"], string> = {
    planned: "DRY RUN (nothing was created)",
    succeeded: "SUCCEEDED",
    failed: "FAILED",
};

export function renderPitrMarkdown(report: PitrReport): string {
    const lines: string[] = [];
    renderHeader(lines, `Point-in-time recovery drill: stack \`${report.stack}\`, ${report.cloud ?? "?"} archive → ${report.targetTime}`, PITR_STATUS_LINE[report.status], { ...report, forced: false });
    lines.push(`| Target time | ${report.targetTime} |`);
    if (report.source) lines.push(`| Archive | \`${report.source.archive}\`, server name \`${report.source.serverName}\` (Cluster \`${report.source.namespace}/${report.source.cluster}\`) |`);
    if (report.slot) lines.push(`| Recovered into | \`${report.slot.namespace}/${report.slot.clusterName}\` (ObjectStore \`${report.slot.objectStore}\`, read-only) |`);
    if (report.recovered) {
        const r = report.recovered;
        lines.push(`| Recovery stopped | ${r.stopReason ? cell(r.stopReason) : "—"}${r.switchpoint ? ` (new timeline ${r.timeline ?? "?"} from ${r.switchpoint})` : ""} |`);
        lines.push(`| Databases | ${r.databases.join(", ") || "—"} |`);
        if (r.verification) lines.push(`| Verification (${r.verification.database}) | \`${cell(r.verification.sql)}\` → ${cell(r.verification.output || "(no rows)")} |`);
    }
    lines.push(`| Create | ${seconds(report.measured.createSeconds)} |`);
    lines.push(`| Recovery (create → up) | ${seconds(report.measured.recoverySeconds)} |`);
    lines.push(`| Recovered Cluster | ${report.kept ? "**kept**" : "deleted"} |`);
    lines.push("");
    renderSteps(lines, report);
    renderManifest(lines, "Recovery Cluster manifest", report.manifest);
    renderGuide(lines, [
        "**Recovery stopped** is the reason PostgreSQL wrote into the new timeline's history file: `before <time>` names the first transaction after the target, which was not applied.",
        "**Recovery** is how long a real point-in-time restore of this archive takes (base backup download + WAL replay): part of the RTO of a recovery from a bad change.",
        "The recovered Cluster has no archiving and no superuser access; it lives in its own namespace and is deleted after the drill unless `--keep`.",
    ]);
    return lines.join("\n");
}

/** Writes pitr-<stack>-<timestamp>.json and .md; returns their paths. */
export function writePitrReport(report: PitrReport, dir: string): { json: string; markdown: string } {
    return writeReportFiles(dir, "pitr", report, renderPitrMarkdown(report));
}
