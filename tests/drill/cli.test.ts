import { strict as assert } from "assert";
import { CliDeps, parseDrillArgs, runCli } from "../../commands/drill/cli";
import { DrillReport } from "../../commands/drill/orchestrator";
import { credentialProblems, latestCompleted, requirePulumiCli, requireStackFile } from "../../commands/drill/live";
import { SimulationResult } from "../../commands/drill/simulate";
import { FLIP_STEPS, plannedStep, world } from "./fakes";

interface Captured {
    out: string[];
    err: string[];
    deps: Partial<CliDeps>;
    reports: DrillReport[];
}

function capture(extra: Partial<CliDeps> = {}): Captured {
    const captured: Captured = { out: [], err: [], deps: {}, reports: [] };
    captured.deps = {
        out: (t) => captured.out.push(t),
        err: (t) => captured.err.push(t),
        requireStackFile: (stack) => requireStackFile(stack),
        requirePulumiCli: () => undefined,
        requireCredentials: () => undefined,
        writeReport: (report) => {
            captured.reports.push(report);
            return { json: `drill-reports/x.json`, markdown: `drill-reports/x.md` };
        },
        ...extra,
    };
    return captured;
}

const cleanSimulation = (stack: string): SimulationResult => ({
    stack,
    from: "aws",
    to: "azure",
    failback: false,
    overrides: [],
    resourcesBefore: 10,
    resourcesAfter: 10,
    changes: [],
    replacements: [],
    refusals: [],
});

describe("drill CLI", () => {
    it("parses modes and options; --simulate is the default", () => {
        assert.equal(parseDrillArgs(["--stack", "prod", "--to", "azure"]).mode, "simulate");
        const args = parseDrillArgs(["--stack", "prod", "--to", "azure", "--execute", "--force", "--report-dir", "out", "--timeout", "600"]);
        assert.deepEqual([args.mode, args.force, args.reportDir, args.timeoutSeconds], ["execute", true, "out", 600]);
        assert.equal(parseDrillArgs(["--stack", "prod", "--failback", "--preview"]).failback, true);
    });

    const badArgs: [string[], RegExp][] = [
        [["--to", "azure"], /--stack is required/],
        [["--stack", "prod"], /--to aws\|azure is required/],
        [["--stack", "prod", "--to", "gcp"], /--to must be aws or azure, got "gcp"/],
        [["--stack", "prod", "--to", "azure", "--simulate", "--execute"], /choose one mode, got --simulate and --execute/],
        [["--stack", "prod", "--to", "azure", "--force"], /--force only applies to --execute/],
        [["--stack", "prod", "--to", "azure", "--preview", "--set", "a=b"], /--set only applies to --simulate/],
        [["--stack", "prod", "--to", "azure", "--bogus"], /unknown option --bogus/],
        [["--stack"], /--stack needs a value/],
    ];
    for (const [argv, message] of badArgs) {
        it(`bad arguments ${argv.join(" ")} → usage and exit 2`, async () => {
            const c = capture();
            assert.equal(await runCli(argv, c.deps), 2);
            assert.match(c.err.join("\n"), message);
            assert.match(c.err.join("\n"), /usage: npm run drill -- --stack <name> --to <aws\|azure>/);
        });
    }

    it("an unknown stack → one clear line and exit 2", async () => {
        const c = capture();
        assert.equal(await runCli(["--stack", "staging", "--to", "azure", "--execute"], c.deps), 2);
        assert.equal(c.err.length, 1);
        assert.match(c.err[0], /^error: unknown stack "staging": no Pulumi\.staging\.yaml in .* \(known stacks: dev, prod\)$/);
    });

    it("a missing pulumi CLI → clear error and exit 2 for --preview and --execute", async () => {
        for (const mode of ["--preview", "--execute"]) {
            const c = capture({ requirePulumiCli: () => requirePulumiCli(() => false) });
            assert.equal(await runCli(["--stack", "prod", "--to", "azure", mode], c.deps), 2);
            assert.match(c.err[0], /^error: the pulumi CLI is not installed or not on PATH/);
        }
    });

    it("missing cloud credentials are named per cloud", () => {
        const none = { env: {}, homeDir: "/home/nobody", exists: () => false, azLoggedIn: () => false };
        const problems = credentialProblems(none);
        assert.equal(problems.length, 2);
        assert.match(problems[0], /^no AWS credentials: set AWS_PROFILE/);
        assert.match(problems[1], /^no Azure credentials: run `az login`/);
        assert.deepEqual(credentialProblems({ ...none, env: { AWS_PROFILE: "prod", ARM_USE_OIDC: "true" } }), []);
        assert.deepEqual(credentialProblems({ ...none, exists: (f: string) => f === "/home/nobody/.aws/config", azLoggedIn: () => true }), []);
        assert.deepEqual(credentialProblems({ ...none, env: { AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token" } }).length, 1);
    });

    it("--simulate exits 0 for a clean flip and 1 when something would be replaced", async () => {
        const clean = capture({ simulate: async (o) => cleanSimulation(o.stack) });
        assert.equal(await runCli(["--stack", "prod", "--to", "azure"], clean.deps), 0);
        assert.match(clean.out.join("\n"), /0 replacements/);

        const replacing = capture({
            simulate: async (o) => {
                const change = { urn: "urn:x", type: "aws:ec2/vpc:Vpc", name: "vpc", kind: "replace" as const, changes: [{ path: "cidrBlock", before: "a", after: "b", replaceRule: "cidrBlock" }] };
                return { ...cleanSimulation(o.stack), changes: [change], replacements: [change] };
            },
        });
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--simulate"], replacing.deps), 1);
        assert.match(replacing.out.join("\n"), /1 replacement \(a failover must replace nothing\):\n {2}replace aws:ec2\/vpc:Vpc vpc \(cidrBlock\)/);

        const refused = capture({
            simulate: async (o) => {
                const change = { urn: "urn:sa", type: "azure-native:storage:StorageAccount", name: "sa", kind: "update" as const, changes: [{ path: "sku.name", before: "Standard_LRS", after: "Standard_ZRS", refused: "a conversion first" }] };
                return { ...cleanSimulation(o.stack), changes: [change], refusals: [change] };
            },
        });
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--simulate"], refused.deps), 1, "an update the cloud would refuse fails the simulation too");
    });

    it("--execute runs the drill against the stack and writes the report (fakes)", async () => {
        const w = world({ backupAgeMinutes: 15 });
        const c = capture({
            openStack: async () => w.deps.stack,
            probes: () => ({ dns: w.deps.dns, http: w.deps.http, backups: w.deps.backups, clock: w.clock }),
        });
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--execute", "--timeout", "300"], c.deps), 0);
        assert.equal(c.reports.length, 1);
        const report = c.reports[0];
        assert.equal(report.status, "succeeded");
        assert.equal(report.measured.rtoSeconds, 90);
        // The budget and targets come from the prod stack's config (no drBudget output in the fake outputs).
        assert.ok(report.targets && report.targets.rtoSeconds > 0 && report.budget.rtoSeconds > 0);
        assert.match(c.out.join("\n"), /Switchover drill succeeded; measured RTO 90 s \(budget \d+ s\)\.\n.*\nReports: drill-reports\/x\.json/);
    });

    it("--execute exits 1 when the drill refuses, --preview and --failback resolve the target from the live stack", async () => {
        const stale = world({ backupAgeMinutes: 600 });
        const c = capture({ openStack: async () => stale.deps.stack, probes: () => ({ ...stale.deps, clock: stale.clock }) });
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--execute"], c.deps), 1);
        assert.equal(c.reports[0].status, "refused");

        const back = world({ active: "azure" });
        const p = capture({ openStack: async () => back.deps.stack });
        assert.equal(await runCli(["--stack", "prod", "--failback", "--preview"], p.deps), 0);
        assert.ok(back.calls.includes("stack.preview activeCloud=aws"));
        assert.equal(back.active, "azure", "the preview restored the config");

        const wrong = world({ active: "aws" });
        const q = capture({ openStack: async () => wrong.deps.stack });
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--failback", "--preview"], q.deps), 2);
        assert.match(q.err[0], /--failback --to azure: stack "prod" has activeCloud=aws, not azure/);
    });

    it("--preview exits 1 and names each resource it would replace, with the inputs that force it", async () => {
        const replacing = world({ previewSteps: [...FLIP_STEPS, plannedStep("replace", "aws:ec2/vpc:Vpc", "pair-aws-vpc", ["cidrBlock"])] });
        const c = capture({ openStack: async () => replacing.deps.stack });
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--preview"], c.deps), 1);
        const out = c.out.join("\n");
        assert.match(out, /Preview of activeCloud aws → azure on stack "prod": 120 same, 4 update, 1 replace\n/);
        assert.match(out, /\n1 replacement\(s\): a failover must replace nothing; --execute would refuse:\n {2}replace aws:ec2\/vpc:Vpc pair-aws-vpc \(cidrBlock\)$/);
        assert.equal(replacing.active, "aws", "the preview restored the config");
    });

    it("reads the newest Completed backup of the peer location from kubectl's JSON, ignoring the target's own", () => {
        const peer = { storageLocation: "peer" };
        const latest = latestCompleted({
            items: [
                { metadata: { name: "a" }, spec: peer, status: { phase: "Completed", completionTimestamp: "2025-03-01T08:00:00Z" } },
                { metadata: { name: "b" }, spec: peer, status: { phase: "Failed", completionTimestamp: "2025-03-01T09:30:00Z" } },
                { metadata: { name: "c" }, spec: peer, status: { phase: "Completed", completionTimestamp: "2025-03-01T09:00:00Z" } },
                { metadata: { name: "d" }, spec: peer, status: { phase: "InProgress" } },
                { metadata: { name: "own" }, spec: { storageLocation: "default" }, status: { phase: "Completed", completionTimestamp: "2025-03-01T10:00:00Z" } },
            ],
        });
        assert.deepEqual(latest, { name: "c", completedAt: new Date("2025-03-01T09:00:00Z") });
        assert.equal(latestCompleted({ items: [] }), undefined);
    });
});
