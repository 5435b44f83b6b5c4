/**
 * Drill reports: `drill-<stack>-<timestamp>.json` (the full record, for
 * tooling and audit) and `.md` (for people: the verdict first, then the steps).
 */
import * as fs from "fs";
import * as path from "path";
import { describeRpo, describeRto } from "../../stacks/dr-budget";
import { DrillReport } from "./orchestrator";

/** 2025-01-31T12:34:56.789Z → 20250131T123456Z (sortable, safe in file names). */
export function reportTimestamp(iso: string): string {
    return iso.replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

export function reportBaseName(report: DrillReport): string {
    return `drill-${report.stack}-${reportTimestamp(report.startedAt)}`;
}

const seconds = (value: number | undefined) => (value === undefined ? "—" : `${Math.round(value * 10) / 10} s`);

const STATUS_LINE: Record<DrillReport["status"], string> = {
    succeeded: "SUCCEEDED",
    failed: "FAILED",
    refused: "REFUSED (nothing was changed)",
};

export function renderMarkdown(report: DrillReport): string {
    const lines: string[] = [];
    const title = report.direction === "failback" ? "Failback" : "Failover";
    lines.push(`# ${title} drill: stack \`${report.stack}\`, ${report.from} → ${report.to}`);
    lines.push("");
    lines.push(`**Result: ${STATUS_LINE[report.status]}**${report.forced ? " (run with --force)" : ""}`);
    lines.push("");
    lines.push("| | |");
    lines.push("|---|---|");
    lines.push(`| Started | ${report.startedAt} |`);
    lines.push(`| Finished | ${report.finishedAt} |`);
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
    lines.push("## Steps");
    lines.push("");
    lines.push("| # | Step | Status | Started | Duration | Detail |");
    lines.push("|---|---|---|---|---|---|");
    report.steps.forEach((s, i) => {
        const detail = s.detail.replace(/\|/g, "\\|").replace(/\n/g, " ");
        lines.push(`| ${i + 1} | ${s.title} | ${s.status} | ${s.startedAt ?? "—"} | ${seconds(s.durationSeconds)} | ${detail} |`);
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
    lines.push("## How to read this report");
    lines.push("");
    lines.push("- **Measured RTO** runs from the start of `pulumi up` to the moment the global name resolves to the new primary *and* its health URL answers 200.");
    lines.push("- **RTO budget** is what the configuration promises for an unplanned failure: health-check detection (interval × threshold) + the record's DNS TTL + the scale-up allowance. A planned drill skips detection, so a measured RTO above the budget means DNS or scale-up is slower than configured.");
    lines.push("- **RPO** is the interval between scheduled Velero backups; the pre-check refuses when the newest successful backup is older than the RPO target.");
    lines.push("- A **refused** drill changed nothing. A **failed** drill says in its notes which state the stack was left in.");
    lines.push("");
    return lines.join("\n");
}

/** Writes the JSON and Markdown reports; returns their paths. */
export function writeDrillReport(report: DrillReport, dir: string): { json: string; markdown: string } {
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, reportBaseName(report));
    const json = `${base}.json`;
    const markdown = `${base}.md`;
    fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(markdown, renderMarkdown(report));
    return { json, markdown };
}
