/**
 * The CVE gate's verdict: which findings block the pull request, which an exception
 * covers, and whether every image was scanned at all (an image without a report
 * fails closed). Pure functions; the CLI (cve-gate.ts) does the file work.
 */
import { canonicalImage } from "../../components/security/image-reference";
import { CveException, findException } from "./cve-exceptions";
import { Finding, Severity, TrivyReport, atLeast, findingsOf } from "./trivy-report";

export interface GateResult {
    threshold: Severity;
    images: string[];
    /** At or above the threshold, with no valid exception: these fail the gate. */
    blocking: Finding[];
    /** At or above the threshold, covered by an exception. */
    excepted: { finding: Finding; exception: CveException }[];
    /** Findings below the threshold, counted per severity. */
    belowThreshold: Partial<Record<Severity, number>>;
    /** Images in the inventory that have no scan report. */
    unscanned: string[];
    /** Problems of the exceptions file (unknown fields, expired entries, …): each fails the gate. */
    exceptionProblems: string[];
    /** Exceptions that matched nothing (worth deleting). */
    unusedExceptions: CveException[];
    passed: boolean;
}

/** One finding per (image, CVE): the same CVE in several packages of one image is one decision. */
function uniqueByCve(findings: Finding[]): Finding[] {
    const seen = new Map<string, Finding>();
    for (const f of findings) {
        const key = `${canonicalImage(f.image)} ${f.cve}`;
        if (!seen.has(key)) seen.set(key, f);
    }
    return [...seen.values()];
}

export function evaluateGate(args: {
    images: readonly string[];
    reports: readonly TrivyReport[];
    exceptions: readonly CveException[];
    exceptionProblems: readonly string[];
    threshold: Severity;
}): GateResult {
    const scanned = new Set(args.reports.map((r) => canonicalImage(r.ArtifactName)));
    const unscanned = args.images.filter((image) => !scanned.has(canonicalImage(image)));
    const findings = uniqueByCve(args.reports.flatMap(findingsOf));
    const blocking: Finding[] = [];
    const excepted: GateResult["excepted"] = [];
    const belowThreshold: GateResult["belowThreshold"] = {};
    const used = new Set<CveException>();
    for (const finding of findings) {
        if (!atLeast(finding.severity, args.threshold)) {
            belowThreshold[finding.severity] = (belowThreshold[finding.severity] ?? 0) + 1;
            continue;
        }
        const exception = findException(args.exceptions, finding.cve, finding.image);
        if (exception) {
            used.add(exception);
            excepted.push({ finding, exception });
        } else {
            blocking.push(finding);
        }
    }
    const unusedExceptions = args.exceptions.filter((e) => !used.has(e));
    return {
        threshold: args.threshold,
        images: [...args.images],
        blocking,
        excepted,
        belowThreshold,
        unscanned,
        exceptionProblems: [...args.exceptionProblems],
        unusedExceptions,
        passed: blocking.length === 0 && unscanned.length === 0 && args.exceptionProblems.length === 0,
    };
}

const cell = (text: string | undefined) => (text ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The markdown summary for the PR comment and the job summary. */
export function renderSummary(result: GateResult): string {
    const lines = [
        `### CVE gate: ${result.passed ? "passed ✅" : "failed ❌"}`,
        "",
        `${result.images.length} images scanned (the stacks' own and every image the pinned charts render); threshold **${result.threshold}** and above blocks unless \`cve-exceptions.yaml\` names the CVE and the image.`,
        "",
    ];
    if (result.exceptionProblems.length) lines.push("**Exceptions file problems** (each fails the gate):", ...result.exceptionProblems.map((p) => `- ${p}`), "");
    if (result.unscanned.length) lines.push("**Images without a scan report** (fail closed):", ...result.unscanned.map((i) => `- \`${i}\``), "");
    if (result.blocking.length) {
        lines.push(`**Blocking findings (${result.blocking.length})**`, "", "| image | CVE | severity | package | installed | fixed in |", "|---|---|---|---|---|---|");
        for (const f of result.blocking) lines.push(`| \`${cell(f.image)}\` | [${f.cve}](${f.url ?? `https://avd.aquasec.com/nvd/${f.cve.toLowerCase()}`}) | ${f.severity} | ${cell(f.pkg)} | ${cell(f.installed)} | ${cell(f.fixed) || "no fix yet"} |`);
        lines.push("");
    }
    if (result.excepted.length) {
        lines.push(`**Covered by exceptions (${result.excepted.length})**`, "", "| image | CVE | expires | reason |", "|---|---|---|---|");
        for (const { finding, exception } of result.excepted) lines.push(`| \`${cell(finding.image)}\` | ${finding.cve} | ${exception.expires} | ${cell(exception.reason)} |`);
        lines.push("");
    }
    const below = Object.entries(result.belowThreshold).map(([s, n]) => `${n} ${s}`).join(", ");
    if (below) lines.push(`Below the threshold (reported in code scanning, not blocking): ${below}.`, "");
    if (result.unusedExceptions.length) lines.push(`Exceptions that matched nothing (delete them): ${result.unusedExceptions.map((e) => `${e.cve} on \`${e.image}\``).join(", ")}.`, "");
    lines.push("To accept a finding after review, add it to `cve-exceptions.yaml` (README \"Security layers\").");
    return lines.join("\n");
}

const SARIF_LEVEL: Record<Severity, string> = { CRITICAL: "error", HIGH: "error", MEDIUM: "warning", LOW: "note", UNKNOWN: "note" };

/** SARIF 2.1.0 for code scanning: one result per (image, CVE), located at the image reference. */
export function toSarif(reports: readonly TrivyReport[], exceptions: readonly CveException[]): Record<string, unknown> {
    const findings = uniqueByCve(reports.flatMap(findingsOf));
    const rules = new Map<string, Record<string, unknown>>();
    for (const f of findings) {
        if (!rules.has(f.cve)) {
            rules.set(f.cve, {
                id: f.cve,
                shortDescription: { text: f.title ?? f.cve },
                helpUri: f.url,
                properties: { "security-severity": { CRITICAL: "9.5", HIGH: "8.0", MEDIUM: "5.5", LOW: "2.0", UNKNOWN: "0.0" }[f.severity], tags: ["security", "vulnerability", f.severity] },
            });
        }
    }
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [{
            tool: { driver: { name: "Trivy (finplat CVE gate)", informationUri: "https://github.com/aquasecurity/trivy", rules: [...rules.values()] } },
            results: findings.map((f) => {
                const exception = findException(exceptions, f.cve, f.image);
                return {
                    ruleId: f.cve,
                    level: SARIF_LEVEL[f.severity],
                    message: { text: `${f.image}: ${f.pkg} ${f.installed} has ${f.cve} (${f.severity})${f.fixed ? `, fixed in ${f.fixed}` : ", no fix yet"}${exception ? `; excepted until ${exception.expires}: ${exception.reason}` : ""}` },
                    locations: [{ physicalLocation: { artifactLocation: { uri: canonicalImage(f.image).replace(/[:@]/g, "/") }, region: { startLine: 1 } } }],
                    partialFingerprints: { imageCve: `${canonicalImage(f.image)}|${f.cve}` },
                    ...(exception ? { suppressions: [{ kind: "external", justification: exception.reason }] } : {}),
                };
            }),
        }],
    };
}
