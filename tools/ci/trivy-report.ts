/**
 * The parts of Trivy's JSON report (`trivy image --format json`) the gate reads.
 */

export const SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
    image: string;
    cve: string;
    severity: Severity;
    pkg: string;
    installed: string;
    fixed?: string;
    title?: string;
    url?: string;
    target: string;
}

interface TrivyVulnerability {
    VulnerabilityID: string;
    PkgName: string;
    InstalledVersion: string;
    FixedVersion?: string;
    Severity: string;
    Title?: string;
    PrimaryURL?: string;
}

export interface TrivyReport {
    ArtifactName: string;
    Results?: { Target: string; Vulnerabilities?: TrivyVulnerability[] | null }[] | null;
}

export function severityOf(text: string): Severity {
    const upper = text.toUpperCase();
    return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : "UNKNOWN";
}

/** Whether `severity` is at or above `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
    return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}

export function parseSeverity(text: string): Severity {
    const upper = text.trim().toUpperCase();
    if (!(SEVERITIES as readonly string[]).includes(upper)) throw new Error(`severity "${text}" is not one of ${SEVERITIES.join(", ")}`);
    return upper as Severity;
}

/** Every vulnerability of a report, one finding per (CVE, package, target). */
export function findingsOf(report: TrivyReport): Finding[] {
    return (report.Results ?? []).flatMap((result) =>
        (result.Vulnerabilities ?? []).map((v) => ({
            image: report.ArtifactName,
            cve: v.VulnerabilityID,
            severity: severityOf(v.Severity),
            pkg: v.PkgName,
            installed: v.InstalledVersion,
            fixed: v.FixedVersion || undefined,
            title: v.Title,
            url: v.PrimaryURL,
            target: result.Target,
        })));
}
