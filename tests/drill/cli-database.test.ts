import { strict as assert } from "assert";
import { CliDeps, parseDrillArgs, runCli } from "../../commands/drill/cli";
import { DrillReport } from "../../commands/drill/orchestrator";
import { PitrReport } from "../../commands/drill/pitr";
import { requireKubectl, requireStackFile } from "../../commands/drill/live";
import { plannedStep } from "./fakes";
import { DB_BUDGET, DB_OUTPUTS, DbWorld, dbWorld } from "./fake-cnpg";

interface Captured {
    out: string[];
    err: string[];
    deps: Partial<CliDeps>;
    reports: DrillReport[];
    pitrReports: PitrReport[];
    kubectlChecked: number;
}

function capture(w: DbWorld, extra: Partial<CliDeps> = {}): Captured {
    const c: Captured = { out: [], err: [], deps: {}, reports: [], pitrReports: [], kubectlChecked: 0 };
    c.deps = {
        out: (t) => c.out.push(t),
        err: (t) => c.err.push(t),
        requireStackFile: (stack) => requireStackFile(stack),
        requirePulumiCli: () => undefined,
        requireCredentials: () => undefined,
        requireKubectl: () => {
            c.kubectlChecked++;
        },
        openStack: async () => w.deps.stack,
        probes: () => ({ dns: w.deps.dns, http: w.deps.http, backups: w.deps.backups, clock: w.clock }),
        restoreProbes: () => ({ velero: undefined as never, clock: w.clock }),
        database: () => w.cnpg,
        writeReport: (report) => {
            c.reports.push(report);
            return { json: "drill-reports/x.json", markdown: "drill-reports/x.md" };
        },
        writePitrReport: (report) => {
            c.pitrReports.push(report);
            return { json: "drill-reports/p.json", markdown: "drill-reports/p.md" };
        },
        ...extra,
    };
    return c;
}

/** The stack exports the database RPO budget with its DR budget. */
const withBudget = { outputs: { ...DB_OUTPUTS, drBudget: DB_BUDGET }, backupAgeMinutes: 20 };

describe("drill CLI: switchover, failover, failback, PITR", () => {
    it("parses --disaster, --reseed-only, --pitr (in UTC), --keep and --verify-sql", () => {
        const disaster = parseDrillArgs(["--stack", "prod", "--to", "azure", "--execute", "--disaster"]);
        assert.deepEqual([disaster.mode, disaster.disaster], ["execute", true]);
        const reseed = parseDrillArgs(["--stack", "prod", "--failback", "--execute", "--reseed-only"]);
        assert.deepEqual([reseed.failback, reseed.reseedOnly], [true, true]);
        const pitr = parseDrillArgs(["--stack", "prod", "--restore", "--pitr", "2025-03-01T10:45:00+01:00", "--keep", "--verify-sql", "SELECT 1"]);
        assert.deepEqual([pitr.restore, pitr.pitr, pitr.to, pitr.mode, pitr.keep, pitr.verifySql, pitr.timeoutSeconds], [true, "2025-03-01T09:45:00.000Z", undefined, "dry-run", true, "SELECT 1", 3600]);
    });

    const badArgs: [string[], RegExp][] = [
        [["--stack", "prod", "--to", "azure", "--disaster"], /--disaster only applies to --execute/],
        [["--stack", "prod", "--to", "azure", "--preview", "--disaster"], /--disaster only applies to --execute/],
        [["--stack", "prod", "--failback", "--execute", "--disaster"], /--disaster cannot be combined with --failback/],
        [["--stack", "prod", "--restore", "--to", "azure", "--execute", "--disaster"], /--disaster only applies to a failover/],
        [["--stack", "prod", "--failback", "--reseed-only"], /--reseed-only only applies to --failback --execute/],
        [["--stack", "prod", "--to", "azure", "--execute", "--reseed-only"], /--reseed-only only applies to --failback --execute/],
        [["--stack", "prod", "--to", "azure", "--pitr", "2025-03-01T09:45:00Z"], /--pitr only applies to --restore/],
        [["--stack", "prod", "--restore", "--pitr", "2025-03-01 09:45"], /--pitr expects an RFC 3339 time with an offset/],
        [["--stack", "prod", "--restore", "--pitr", "2999-01-01T00:00:00Z"], /is in the future/],
        [["--stack", "prod", "--restore", "--pitr"], /--pitr needs a value/],
        [["--stack", "prod", "--restore", "--pitr", "2025-03-01T09:45:00Z", "--backup", "b"], /--backup applies to the Velero restore, not to --pitr/],
        [["--stack", "prod", "--restore", "--pitr", "2025-03-01T09:45:00Z", "--execute", "--force"], /--force applies to the Velero restore, not to --pitr/],
        [["--stack", "prod", "--restore", "--to", "azure", "--keep"], /--keep only applies to --restore --pitr/],
        [["--stack", "prod", "--to", "azure", "--execute", "--verify-sql", "SELECT 1"], /--verify-sql only applies to --restore --pitr/],
    ];
    for (const [argv, message] of badArgs) {
        it(`bad arguments ${argv.join(" ")} → usage and exit 2`, async () => {
            const w = dbWorld();
            const c = capture(w);
            assert.equal(await runCli(argv, c.deps), 2);
            assert.match(c.err.join("\n"), message);
            assert.match(c.err.join("\n"), /--restore --pitr <RFC 3339 time>/);
            assert.deepEqual(w.calls, []);
        });
    }

    it("--execute switches the database over and prints the pause and the lag; kubectl is required when there is a database", async () => {
        const w = dbWorld(withBudget);
        const c = capture(w);
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--execute"], c.deps), 0, c.out.join("\n"));
        assert.equal(c.kubectlChecked, 1);
        assert.equal(c.reports[0].operation, "switchover");
        assert.equal(c.reports[0].databaseRpoSeconds, 65);
        const out = c.out.join("\n");
        assert.match(out, /Switchover drill succeeded; measured RTO 115 s \(budget 270 s\)\.\n {2}writes paused 25 s \(demotion to a writable new primary\)\n {2}replica lag at the pre-check: 20 s \(database RPO budget 65 s\)/);

        const noKubectl = capture(dbWorld(withBudget), { requireKubectl: () => requireKubectl(() => false) });
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--execute"], noKubectl.deps), 2);
        assert.match(noKubectl.err[0], /^error: kubectl is not installed or not on PATH; the drill drives Velero and CloudNativePG with it/);
    });

    it("--execute --disaster fails over and prints the data-loss window", async () => {
        const w = dbWorld(withBudget);
        const c = capture(w);
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--execute", "--disaster"], c.deps), 0, c.out.join("\n"));
        assert.equal(c.reports[0].operation, "failover");
        assert.match(c.out.join("\n"), /Failover drill succeeded; .*\n {2}data-loss window: at most 20 s \(last replayed transaction 2025-03-01T09:59:40\.000Z\)/);
    });

    it("--preview names every resource the flip would replace and exits 1", async () => {
        const w = dbWorld({ previewSteps: [plannedStep("replace", "kubernetes:postgresql.cnpg.io/v1:Cluster", "pair-aws-database-cluster", ["spec.bootstrap"]), plannedStep("update", "aws:route53/record:Record", "global-primary")] });
        const c = capture(w);
        assert.equal(await runCli(["--stack", "prod", "--to", "azure", "--preview"], c.deps), 1);
        assert.match(c.out.join("\n"), /1 replacement\(s\): a failover must replace nothing; --execute would refuse:\n {2}replace kubernetes:postgresql\.cnpg\.io\/v1:Cluster pair-aws-database-cluster \(spec\.bootstrap\)/);
        assert.equal(w.active, "aws");
    });

    it("--restore --pitr: a dry run prints the manifest (exit 0); --execute recovers, reports and cleans up", async () => {
        const dryWorld = dbWorld();
        const dry = capture(dryWorld);
        assert.equal(await runCli(["--stack", "prod", "--restore", "--pitr", "2025-03-01T09:45:00Z", "--to", "azure"], dry.deps), 0, dry.out.join("\n"));
        assert.match(dry.out.join("\n"), /Point-in-time recovery dry run for stack "prod"[^]*"namespace": "finplat-db-pitr"[^]*"targetTime": "2025-03-01T09:45:00\.000Z"/);
        assert.equal(dryWorld.cnpg.created.length, 0);
        assert.equal(dry.kubectlChecked, 1);

        const w = dbWorld();
        w.cnpg.answers.push({ match: /'timeline'/, output: JSON.stringify({ timeline: 2, databases: ["ledger"], history: "1\t0/7000028\tbefore 2025-03-01 09:45:01.2+00\n" }) });
        const c = capture(w);
        assert.equal(await runCli(["--stack", "prod", "--restore", "--pitr", "2025-03-01T09:45:00Z", "--execute"], c.deps), 0, c.out.join("\n"));
        assert.equal(c.pitrReports[0].status, "succeeded");
        assert.match(c.out.join("\n"), /Point-in-time recovery to 2025-03-01T09:45:00\.000Z succeeded: recovery stopped before 2025-03-01 09:45:01\.2\+00\.\nReports: drill-reports\/p\.json/);
        assert.ok(w.calls.includes("db.deleteCluster aws finplat-db-pitr/postgres-aws-pitr"));
    });
});
