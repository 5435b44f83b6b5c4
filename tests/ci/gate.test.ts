import { strict as assert } from "assert";
import { CveException } from "../../tools/ci/cve-exceptions";
import { evaluateGate, renderSummary, toSarif } from "../../tools/ci/gate";
import { TrivyReport, atLeast, parseSeverity } from "../../tools/ci/trivy-report";

function report(image: string, vulns: [string, string][]): TrivyReport {
    return {
        ArtifactName: image,
        Results: [{
            Target: `${image} (debian 12)`,
            Vulnerabilities: vulns.map(([id, severity]) => ({ VulnerabilityID: id, PkgName: "openssl", InstalledVersion: "3.0.1", FixedVersion: "3.0.2", Severity: severity, PrimaryURL: `https://avd.aquasec.com/nvd/${id.toLowerCase()}` })),
        }],
    };
}

const IMAGES = ["docker.io/velero/velero:v1.18.1", "quay.io/prometheus/prometheus:v3.5.0"];
const EXCEPTION: CveException = { cve: "CVE-2025-0002", image: "velero/velero:v1.18.1", reason: "Not reachable: the server never uses the affected TLS renegotiation.", expires: "2026-09-30" };

describe("CVE gate verdict", () => {
    it("fails on a CRITICAL finding no exception covers, and lists it", () => {
        const result = evaluateGate({ images: IMAGES, reports: [report(IMAGES[0], [["CVE-2025-0001", "CRITICAL"]]), report(IMAGES[1], [])], exceptions: [], exceptionProblems: [], threshold: "CRITICAL" });
        assert.equal(result.passed, false);
        assert.deepEqual(result.blocking.map((f) => `${f.image} ${f.cve}`), ["docker.io/velero/velero:v1.18.1 CVE-2025-0001"]);
        assert.match(renderSummary(result), /failed ❌[\s\S]*CVE-2025-0001/);
    });

    it("passes when the only CRITICAL finding is covered by an exception for that image, and reports the exception", () => {
        const result = evaluateGate({ images: IMAGES, reports: [report(IMAGES[0], [["CVE-2025-0002", "CRITICAL"], ["CVE-2025-0003", "HIGH"]]), report(IMAGES[1], [])], exceptions: [EXCEPTION], exceptionProblems: [], threshold: "CRITICAL" });
        assert.equal(result.passed, true);
        assert.equal(result.excepted.length, 1);
        assert.deepEqual(result.belowThreshold, { HIGH: 1 });
        assert.match(renderSummary(result), /passed ✅[\s\S]*Covered by exceptions \(1\)[\s\S]*2026-09-30/);
    });

    it("an exception for another image does not cover the same CVE elsewhere", () => {
        const result = evaluateGate({ images: IMAGES, reports: [report(IMAGES[0], []), report(IMAGES[1], [["CVE-2025-0002", "CRITICAL"]])], exceptions: [EXCEPTION], exceptionProblems: [], threshold: "CRITICAL" });
        assert.equal(result.passed, false);
        assert.deepEqual(result.unusedExceptions, [EXCEPTION]);
    });

    it("the threshold is configurable: HIGH blocks a HIGH finding that CRITICAL lets through", () => {
        const reports = [report(IMAGES[0], [["CVE-2025-0003", "HIGH"]]), report(IMAGES[1], [])];
        assert.equal(evaluateGate({ images: IMAGES, reports, exceptions: [], exceptionProblems: [], threshold: "CRITICAL" }).passed, true);
        assert.equal(evaluateGate({ images: IMAGES, reports, exceptions: [], exceptionProblems: [], threshold: "HIGH" }).passed, false);
        assert.ok(atLeast("CRITICAL", "HIGH") && !atLeast("MEDIUM", "HIGH"));
        assert.throws(() => parseSeverity("SEVERE"), /not one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL/);
    });

    it("fails closed when an image has no scan report, or the exceptions file has a problem", () => {
        const noReport = evaluateGate({ images: IMAGES, reports: [report(IMAGES[0], [])], exceptions: [], exceptionProblems: [], threshold: "CRITICAL" });
        assert.deepEqual(noReport.unscanned, ["quay.io/prometheus/prometheus:v3.5.0"]);
        assert.equal(noReport.passed, false);
        const badFile = evaluateGate({ images: [IMAGES[0]], reports: [report(IMAGES[0], [])], exceptions: [], exceptionProblems: ["exceptions[0].expires: 2026-01-01 is in the past"], threshold: "CRITICAL" });
        assert.equal(badFile.passed, false);
        assert.match(renderSummary(badFile), /Exceptions file problems/);
    });

    it("SARIF: one result per image and CVE, suppressed when excepted, with code-scanning severities", () => {
        const sarif = toSarif([report(IMAGES[0], [["CVE-2025-0001", "CRITICAL"], ["CVE-2025-0002", "CRITICAL"]])], [EXCEPTION]) as any;
        assert.equal(sarif.version, "2.1.0");
        const results = sarif.runs[0].results;
        assert.deepEqual(results.map((r: any) => [r.ruleId, r.level, !!r.suppressions]), [["CVE-2025-0001", "error", false], ["CVE-2025-0002", "error", true]]);
        assert.equal(results[0].locations[0].physicalLocation.artifactLocation.uri, "docker.io/velero/velero/v1.18.1");
        assert.equal(sarif.runs[0].tool.driver.rules[0].properties["security-severity"], "9.5");
    });
});
