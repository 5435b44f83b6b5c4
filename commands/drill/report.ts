/**
 * Drill reports: `drill-<stack>-<timestamp>.json` (the full record, for
 * tooling and audit) and `.md` (for people: the verdict first, then the steps).
 */
import * as fs from "fs";
import * as path from "path";
import { describeRpo, describeRto } from "../../stacks/config/dr-budget";
import { DrillReport } from "./orchestrator";
import { RestoreReport } from "./restore";
import { RecordedStep } from "./steps";

/** 2025-01-31T12:34:56.789Z → 20250131T123456Z (sortable, safe in file names). */
export function reportTimestamp(iso: string): string {
    return iso.replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

export function reportBaseName(report: DrillReport): string {
    return `drill-${report.stack}-${reportTimestamp(report.startedAt)}`;
}

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
    if (report.problems.length) {
        lines.push("## Problems");
        lines.push("");
        report.problems.forEach((p) => lines.push(`- ${p}`));
        lines.push("");
    }
    if (report.notes.length) {
        lines.push("## Notes");
        lines.push("");
        report.notes.forEach((n) => lines.push(`- ${n}`));
        lines.push("");
    }
}

const STATUS_LINE: Record<DrillReport["status"], string> = {
    succeeded: "SUCCEEDED",
    failed: "FAILED",
    refused: "REFUSED (nothing was changed)",
};

export function renderMarkdown(report: DrillReport): string {
    const lines: string[] = [];
    const title = report.direction === "failback" ? "Failback" : "Failover";
    renderHeader(lines, `${title} drill: stack \`${report.stack}\`, ${report.from} → ${report.to}`, STATUS_LINE[report.status], report);
    if (report.globalHostname) lines.push(`| Global name | \`${report.globalHostname}\` → \`${report.expectedTarget ?? "?"}\` |`);
    lines.push(`| Measured RTO | ${seconds(report.measured.rtoSeconds)} |`);
    lines.push(`| RTO budget | ${describeRto(report.budget)} |`);
    if (report.targets) lines.push(`| RTO target (dr.rtoSeconds) | ${report.targets.rtoSeconds} s |`);
    lines.push(`| RPO budget | ${describeRpo(report.budget)} |`);
    if (report.targets) lines.push(`| RPO target (dr.rpoMinutes) | ${report.targets.rpoMinutes} min |`);
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
    renderSteps(lines, report);
    lines.push("## How to read this report");
    lines.push("");
    lines.push("- **Measured RTO** runs from the start of `pulumi up` to the moment the global name resolves to the new primary *and* its health URL answers 200.");
    lines.push("- **RTO budget** is what the configuration promises for an unplanned failure: health-check detection (interval × threshold) + the record's DNS TTL + the scale-up allowance. A planned drill skips detection, so a measured RTO above the budget means DNS or scale-up is slower than configured.");
    lines.push("- **RPO** is the interval between scheduled Velero backups; the pre-check refuses when the newest successful backup is older than the RPO target.");
    lines.push("- A **refused** drill changed nothing. A **failed** drill says in its notes which state the stack was left in.");
    lines.push("");
    return lines.join("\n");
}

function writeReportFiles(dir: string, baseName: string, report: object, markdownText: string): { json: string; markdown: string } {
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, baseName);
    const json = `${base}.json`;
    const markdown = `${base}.md`;
    fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(markdown, markdownText);
    return { json, markdown };
}

/** Writes the JSON and Markdown reports; returns their paths. */
export function writeDrillReport(report: DrillReport, dir: string): { json: string; markdown: string } {
    return writeReportFiles(dir, reportBaseName(report), report, renderMarkdown(report));
}

// ---------------------------------------------------------------- restore reports

export function restoreReportBaseName(report: RestoreReport): string {
    return `restore-${report.stack}-${reportTimestamp(report.startedAt)}`;
}

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
    if (report.manifest) {
        lines.push("## Restore manifest");
        lines.push("");
        lines.push("```json");
        lines.push(JSON.stringify(report.manifest, null, 2));
        lines.push("```");
        lines.push("");
    }
    lines.push("## How to read this report");
    lines.push("");
    lines.push(`- The backup comes from location \`peer\`: the ${report.from} cluster's store, which Velero on the ${report.to} cluster reads read-only.`);
    lines.push("- **Backup age** is how much data a real restore would lose at that moment; the pre-check refuses a backup older than the RPO target unless `--force`.");
    lines.push("- **Total restore time** runs from `kubectl apply` of the Restore until Velero reports a final phase (Completed, PartiallyFailed, Failed). It is part of the RTO of a failover that needs data.");
    lines.push("- **Warnings** are expected on a warm-standby cluster: objects that already exist are kept (`existingResourcePolicy: none`) and counted as warnings. **Errors** are items that were not restored.");
    lines.push("");
    return lines.join("\n");
}

/** Writes restore-<stack>-<timestamp>.json and .md; returns their paths. */
export function writeRestoreReport(report: RestoreReport, dir: string): { json: string; markdown: string } {
    return writeReportFiles(dir, restoreReportBaseName(report), report, renderRestoreMarkdown(report));
}
