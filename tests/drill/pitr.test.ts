import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CnpgCluster } from "../../commands/drill/database";
import { PITR_STEP_ORDER, PitrOptions, archiveServerName, parsePitrTime, parseRecoveredState, pitrManifest, renderPitrPlan, runPitr } from "../../commands/drill/pitr";
import { renderPitrMarkdown, writePitrReport } from "../../commands/drill/report";
import { FIELD_LISTS, validateKubernetesObject } from "../support/k8s-schema";
import { FakeCnpg, NAMESPACE, dbWorld } from "./fake-cnpg";
import { T0 } from "./fakes";

const TARGET = "2025-03-01T09:45:00.000Z";
const HISTORY = "1\t0/5000128\tno recovery target specified\n\n2\t0/7A3C1F0\tbefore 2025-03-01 09:45:00.412301+00\n";

function pitrWorld() {
    const w = dbWorld();
    w.cnpg.answers.push({ match: /^SELECT json_build_object\( 'timeline'/, output: JSON.stringify({ timeline: 3, databases: ["ledger", "postgres"], history: HISTORY }) });
    w.cnpg.answers.push({ match: /count\(\*\) FROM ledger\.entries/, output: "182344" });
    return w;
}

function options(over: Partial<PitrOptions> = {}): PitrOptions {
    return { stackName: "prod", targetTime: TARGET, execute: true, keep: false, waitTimeoutSeconds: 600, pollSeconds: 15, ...over };
}

async function run(over: Partial<PitrOptions> = {}, prepare: (cnpg: FakeCnpg) => void = () => undefined) {
    const w = pitrWorld();
    prepare(w.cnpg);
    const report = await runPitr(options(over), { stack: w.deps.stack, database: w.cnpg, clock: w.clock });
    return { w, report };
}

const SLOT = {
    namespace: "finplat-db-pitr",
    clusterName: "postgres-azure-pitr",
    objectStore: "archive-azure",
    serviceAccountAnnotations: { "azure.workload.identity/client-id": "3f1c" },
    podLabels: { "azure.workload.identity/use": "true" },
};

const source = (over: Partial<CnpgCluster> = {}): CnpgCluster => ({
    name: "postgres-azure",
    namespace: NAMESPACE,
    fencedInstances: [],
    primaryOwners: [],
    spec: {
        imageName: "ghcr.io/cloudnative-pg/postgresql:17.5-standard-bookworm",
        postgresql: { parameters: { max_connections: "400" }, synchronous: { method: "any", number: 1 } },
        storage: { size: "100Gi", storageClass: "managed-csi" },
        bootstrap: { recovery: { source: "postgres-aws", database: "ledger", owner: "ledger" } },
        plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "archive-azure", serverName: "postgres-azure-g2" } }],
    },
    ...over,
});

describe("drill --restore --pitr: the recovery Cluster", () => {
    it("takes an RFC 3339 time with an offset, in the past, and keeps it in UTC", () => {
        assert.equal(parsePitrTime("2025-03-01T10:45:00+01:00", T0), TARGET);
        assert.equal(parsePitrTime("2025-03-01T09:45:00Z", T0), TARGET);
        assert.throws(() => parsePitrTime("2025-03-01 09:45:00", T0), /RFC 3339 time with an offset/);
        assert.throws(() => parsePitrTime("yesterday", T0), /RFC 3339/);
        assert.throws(() => parsePitrTime("2025-03-01T11:00:00Z", T0), /is in the future/);
    });

    it("recovers the side's archive to the target time, in the slot's namespace, with the trusted ServiceAccount and pod labels", () => {
        const slot = SLOT;
        assert.deepEqual(pitrManifest(slot, source(), TARGET), {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "Cluster",
            metadata: {
                name: "postgres-azure-pitr",
                namespace: "finplat-db-pitr",
                labels: { "app.kubernetes.io/managed-by": "finplat-drill", "finplat.io/drill": "pitr" },
                annotations: { "finplat.io/pitr-target-time": TARGET, "finplat.io/pitr-source": "finplat-db/postgres-azure" },
            },
            spec: {
                instances: 1,
                enableSuperuserAccess: false,
                imageName: "ghcr.io/cloudnative-pg/postgresql:17.5-standard-bookworm",
                // A recovering server needs settings at least as large as the primary's; synchronous replication is not copied.
                postgresql: { parameters: { max_connections: "400" } },
                storage: { size: "100Gi", storageClass: "managed-csi" },
                serviceAccountTemplate: { metadata: { annotations: { "azure.workload.identity/client-id": "3f1c" } } },
                inheritedMetadata: { labels: { "azure.workload.identity/use": "true" } },
                bootstrap: { recovery: { source: "origin", database: "ledger", owner: "ledger", recoveryTarget: { targetTime: TARGET } } },
                externalClusters: [{ name: "origin", plugin: { name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "archive-azure", serverName: "postgres-azure-g2" } } }],
            },
        });
        assert.equal(archiveServerName(source({ spec: { storage: { size: "1Gi" } } })), "postgres-azure", "without a serverName parameter: the Cluster's name, as the plugin does");
        const aws = pitrManifest({ ...slot, podLabels: {} }, source(), TARGET) as { spec: Record<string, unknown> };
        assert.equal(aws.spec.inheritedMetadata, undefined, "no pod labels on AWS (IRSA needs only the ServiceAccount annotation)");
        assert.equal(aws.spec.plugins, undefined, "the recovered copy never archives");
        assert.throws(() => pitrManifest(slot, source({ spec: {} }), TARGET), /has no spec\.storage\.size/);
    });

    it("reads where recovery stopped from the new timeline's history file", () => {
        assert.deepEqual(parseRecoveredState(JSON.stringify({ timeline: 3, databases: ["ledger", "postgres"], history: HISTORY })), {
            timeline: 3,
            databases: ["ledger", "postgres"],
            switchpoint: "0/7A3C1F0",
            stopReason: "before 2025-03-01 09:45:00.412301+00",
        });
        assert.deepEqual(parseRecoveredState('{"timeline": 1, "databases": null, "history": null}'), { timeline: 1, databases: [] });
    });

    it("validates against the CloudNativePG 1.30 Cluster CRD's field list, unknown fields rejected", async () => {
        // Registered by the data tier (tools/crd-fields.ts from the cloudnative-pg 0.29.0 chart's CRDs, operator 1.30.0): never skipped.
        assert.ok(FIELD_LISTS["postgresql.cnpg.io/v1/Cluster"], "the CloudNativePG Cluster field list is registered in tests/support/k8s-schema.ts");
        const manifest = pitrManifest(SLOT, source(), TARGET) as { apiVersion: string; kind: string };
        assert.equal(await validateKubernetesObject(manifest.apiVersion, manifest.kind, manifest), "validated");
        const typo = { ...manifest, spec: { ...(manifest as unknown as { spec: object }).spec, serviceAccountTemplates: {} } };
        await assert.rejects(validateKubernetesObject(manifest.apiVersion, manifest.kind, typo), /spec\.serviceAccountTemplates: unknown field/);
    });
});

describe("drill --restore --pitr: the run (fakes)", () => {
    it("creates the Cluster in the primary side's slot, waits, verifies what was recovered, deletes it, and times each step", async () => {
        const { w, report } = await run({ verifySql: "SELECT count(*) FROM ledger.entries" });
        assert.equal(report.status, "succeeded", report.problems.join("; "));
        assert.equal(report.cloud, "aws");
        assert.deepEqual(w.cnpg.created.map((c) => [c.target.cloud, c.target.namespace, c.manifest.metadata.name]), [["aws", "finplat-db-pitr", "postgres-aws-pitr"]]);
        const spec = w.cnpg.created[0].manifest.spec;
        assert.deepEqual(spec.bootstrap.recovery.recoveryTarget, { targetTime: TARGET });
        assert.deepEqual(spec.serviceAccountTemplate.metadata.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/pair-aws-database-pitr-irsa-4650416" });
        assert.equal(spec.externalClusters[0].plugin.parameters.barmanObjectName, "archive-aws");
        assert.deepEqual(
            w.calls.filter((c) => c.startsWith("cnpg: ")),
            ["cnpg: aws finplat-db-pitr/postgres-aws-pitr created", "cnpg: aws finplat-db-pitr/postgres-aws-pitr deleted"],
            "the live Clusters are never touched",
        );
        assert.ok(w.calls.some((c) => c.startsWith("db.query aws postgres-aws-pitr-1 ledger SELECT count(*)")), "the verification query runs in the application database");
        assert.deepEqual(report.recovered, {
            pod: "postgres-aws-pitr-1",
            timeline: 3,
            databases: ["ledger", "postgres"],
            switchpoint: "0/7A3C1F0",
            stopReason: "before 2025-03-01 09:45:00.412301+00",
            verification: { database: "ledger", sql: "SELECT count(*) FROM ledger.entries", output: "182344" },
        });
        assert.deepEqual(report.steps.map((s) => [s.name, s.status, s.durationSeconds]), [
            ["read-stack", "ok", 0],
            ["read-source", "ok", 0],
            ["create-cluster", "ok", 0],
            ["wait-recovered", "ok", 45],
            ["verify", "ok", 0],
            ["clean-up", "ok", 0],
        ]);
        assert.deepEqual(report.measured, { createSeconds: 0, recoverySeconds: 45, totalSeconds: 45 });
        assert.equal(report.kept, false);
        assert.deepEqual(report.source, { namespace: "finplat-db", cluster: "postgres-aws", archive: "s3://pair-aws-pg-archive-5e1c07a2/", serverName: "postgres-aws" });
    });

    it("--keep leaves the recovered Cluster and says how to delete it", async () => {
        const { w, report } = await run({ keep: true, cloud: "azure" });
        assert.equal(report.status, "succeeded");
        assert.equal(report.kept, true);
        assert.ok(!w.calls.some((c) => c.startsWith("db.deleteCluster")));
        assert.equal(report.steps.find((s) => s.name === "clean-up")!.status, "skipped");
        assert.match(report.notes.join(" "), /kubectl -n finplat-db-pitr delete cluster postgres-azure-pitr/);
    });

    it("a recovery that never stopped at the target fails the verification, and the Cluster is still deleted", async () => {
        const { w, report } = await run({}, (cnpg) => {
            cnpg.answers.unshift({ match: /^SELECT json_build_object\( 'timeline'/, output: JSON.stringify({ timeline: 2, databases: ["ledger"], history: "1\t0/5000128\tno recovery target specified\n" }) });
        });
        assert.equal(report.status, "failed");
        assert.match(report.problems[0], /recovery did not stop at the target time .*the archive holds no transaction after 2025-03-01T09:45:00\.000Z/);
        assert.ok(w.calls.includes("db.deleteCluster aws finplat-db-pitr/postgres-aws-pitr"));
        assert.equal(report.kept, false);
    });

    it("refuses an occupied slot without creating anything; the dry run creates nothing and shows the manifest", async () => {
        const occupied = await run({}, (cnpg) => {
            cnpg.extra.set("aws/finplat-db-pitr/postgres-aws-pitr", { cluster: { name: "postgres-aws-pitr", namespace: "finplat-db-pitr", fencedInstances: [], primaryOwners: [], spec: {} }, pollsLeft: 0, pvcs: 1 });
        });
        assert.equal(occupied.report.status, "failed");
        assert.match(occupied.report.problems[0], /a Cluster finplat-db-pitr\/postgres-aws-pitr already exists \(an earlier --keep\?\): delete it first/);
        assert.equal(occupied.w.cnpg.created.length, 0);

        const dry = await run({ execute: false });
        assert.equal(dry.report.status, "planned");
        assert.equal(dry.w.cnpg.created.length, 0);
        assert.deepEqual(dry.report.steps.filter((s) => s.status === "skipped").map((s) => s.name), PITR_STEP_ORDER.slice(2));
        const text = renderPitrPlan(dry.report);
        assert.match(text, /from: {3}the aws archive s3:\/\/pair-aws-pg-archive-5e1c07a2\/ \(server name postgres-aws, Cluster finplat-db\/postgres-aws\)/);
        assert.match(text, /"targetTime": "2025-03-01T09:45:00\.000Z"/);
        assert.match(text, /Checks passed: run again with --execute to recover\./);
    });

    it("writes pitr-<stack>-<timestamp>.json and .md with what was recovered", async () => {
        const { report } = await run({ verifySql: "SELECT count(*) FROM ledger.entries" });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-pitr-"));
        try {
            const files = writePitrReport(report, dir);
            assert.equal(path.basename(files.json), "pitr-prod-20250301T100000Z.json");
            assert.deepEqual(JSON.parse(fs.readFileSync(files.json, "utf8")), JSON.parse(JSON.stringify(report)));
            const md = renderPitrMarkdown(report);
            assert.match(md, /^# Point-in-time recovery drill: stack `prod`, aws archive → 2025-03-01T09:45:00\.000Z/);
            assert.match(md, /\| Recovery stopped \| before 2025-03-01 09:45:00\.412301\+00 \(new timeline 3 from 0\/7A3C1F0\) \|/);
            assert.match(md, /\| Verification \(ledger\) \| `SELECT count\(\*\) FROM ledger\.entries` → 182344 \|/);
            assert.match(md, /\| Recovery \(create → up\) \| 45 s \|/);
            assert.match(md, /\| Recovered Cluster \| deleted \|/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
