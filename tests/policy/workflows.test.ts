/**
 * The CI workflows stay consistent with the pack and with supply-chain rules:
 * every action pinned to a commit, previews and ups run the pack with the
 * stack's config, prod waits behind the production environment, OIDC only.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string>; id?: string }
interface Job { needs?: string | string[]; environment?: string; permissions?: Record<string, string>; steps: Step[]; strategy?: { matrix: Record<string, unknown> }; outputs?: Record<string, string>; env?: Record<string, string>; if?: string }
interface Workflow { on: Record<string, unknown>; jobs: Record<string, Job> }

function load(name: string): { text: string; workflow: Workflow } {
    const text = fs.readFileSync(path.join(WORKFLOWS, name), "utf8");
    return { text, workflow: yaml.load(text) as Workflow };
}

const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));

describe("CI workflows", () => {
    it("pin every action to a full commit SHA with its release in a comment", () => {
        for (const file of fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f))) {
            const lines = fs.readFileSync(path.join(WORKFLOWS, file), "utf8").split("\n").filter((l) => /^\s*-?\s*uses:/.test(l));
            assert.ok(lines.length > 0, file);
            // owner/repo or owner/repo/path (github/codeql-action/upload-sarif)
            for (const line of lines) assert.match(line, /uses: [\w.-]+\/[\w.-]+(\/[\w.-]+)*@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file}: ${line.trim()}`);
        }
    });

    it("pull requests: tests and lint, then a policy-checked preview of dev and prod that comments on the PR", () => {
        const { workflow } = load("pull-request.yml");
        assert.ok("pull_request" in workflow.on);
        const runs = workflow.jobs.checks.steps.map((s) => s.run).filter(Boolean);
        assert.deepEqual(runs, ["npm ci --no-audit --no-fund", "npm test", "npm run lint"]);
        const preview = workflow.jobs.preview;
        assert.deepEqual(preview.needs, ["checks", "cve-gate"]);
        assert.deepEqual(preview.strategy!.matrix.stack, ["dev", "prod"]);
        assert.deepEqual(preview.permissions, { "id-token": "write", contents: "read", "pull-requests": "write" });
        const [step] = pulumiSteps(preview);
        assert.equal(step.with!.command, "preview");
        assert.equal(step.with!.policyPacks, "policy");
        assert.equal(step.with!.policyPackConfigs, "policy/config.${{ matrix.stack }}.json");
        assert.equal(step.with!["comment-on-pr"], true);
    });

    it("pull requests: the CVE gate scans every inventoried and chart-rendered image with a pinned Trivy before the preview", () => {
        const { text, workflow } = load("pull-request.yml");
        const { images, scan } = workflow.jobs;
        const gate = workflow.jobs["cve-gate"];
        const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
        // Inventory of both stacks, their values rendered with a pinned Helm, and the images collected for the matrix.
        assert.match(runs(images), /npm run images -- --stack dev --json inventory\/dev\.json --values-dir inventory\/dev-values/);
        assert.match(runs(images), /npm run images -- --stack prod --json inventory\/prod\.json --values-dir inventory\/prod-values/);
        assert.match(runs(images), /tools\/ci\/cve-gate\.ts render --values-dir inventory\/prod-values/);
        assert.match(runs(images), /tools\/ci\/cve-gate\.ts images[\s\S]*--rendered inventory\/dev-rendered[\s\S]*--rendered inventory\/prod-rendered/);
        assert.ok(images.steps.some((s) => s.uses?.startsWith("azure/setup-helm@")), "Helm is set up by a pinned action");
        assert.equal(images.outputs!.images, "${{ steps.collect.outputs.images }}");
        // One Trivy scan per image, reporting everything; the gate decides.
        assert.equal(scan.needs, "images");
        assert.equal(scan.strategy!.matrix.image, "${{ fromJSON(needs.images.outputs.images) }}");
        const trivy = scan.steps.find((s) => s.uses?.startsWith("aquasecurity/trivy-action@"))!;
        assert.match(text, /aquasecurity\/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0\.36\.0/);
        assert.deepEqual([trivy.with!["image-ref"], trivy.with!.format, trivy.with!["exit-code"]], ["${{ matrix.image }}", "json", "0"]);
        // The verdict: threshold from a repository variable (CRITICAL by default), the exceptions file, SARIF, summary comment.
        assert.deepEqual(gate.needs, ["images", "scan"]);
        assert.equal(gate.env!.CVE_GATE_SEVERITY, "${{ vars.CVE_GATE_SEVERITY || 'CRITICAL' }}");
        assert.match(runs(gate), /tools\/ci\/cve-gate\.ts evaluate[\s\S]*--exceptions cve-exceptions\.yaml --severity "\$CVE_GATE_SEVERITY"[\s\S]*--sarif cve-gate\.sarif/);
        const sarif = gate.steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))!;
        assert.equal(sarif.with!.sarif_file, "cve-gate.sarif");
        assert.match(sarif.if!, /always\(\)/, "findings are uploaded when the gate fails too");
        assert.match(runs(gate), /gh pr comment "\$PR_NUMBER" --repo "\$GITHUB_REPOSITORY" --body-file cve-summary\.md/);
        assert.deepEqual(gate.permissions, { contents: "read", "security-events": "write", "pull-requests": "write" });
        assert.ok(fs.existsSync(path.join(ROOT, "cve-exceptions.yaml")));
    });

    it("merges: up dev, then prod behind the production environment; both with the pack", () => {
        const { workflow } = load("deploy.yml");
        assert.deepEqual(workflow.on, { push: { branches: ["main"] } });
        assert.equal(workflow.jobs.prod.needs, "dev");
        assert.equal(workflow.jobs.prod.environment, "production");
        for (const stack of ["dev", "prod"]) {
            const [step] = pulumiSteps(workflow.jobs[stack]);
            assert.deepEqual(step.with, { command: "up", "stack-name": stack, policyPacks: "policy", policyPackConfigs: `policy/config.${stack}.json` });
            assert.ok(fs.existsSync(path.join(ROOT, `policy/config.${stack}.json`)));
        }
    });

    it("authenticate to the clouds with OIDC only (no stored keys or client secrets)", () => {
        for (const file of ["pull-request.yml", "deploy.yml"]) {
            const { text, workflow } = load(file);
            assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|client-secret|creds:|ARM_CLIENT_SECRET/, file);
            for (const job of Object.values(workflow.jobs).filter((j) => j.steps.some((s) => s.uses?.startsWith("azure/login@")))) {
                assert.equal(job.permissions?.["id-token"], "write", file);
                const aws = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
                assert.ok(aws.with!["role-to-assume"], file);
            }
        }
    });
});
