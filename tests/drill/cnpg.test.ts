import { strict as assert } from "assert";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { databaseFromOutputs, decodeToken, parseLsn, replicaLag, walFileSegment } from "../../commands/drill/database";
import { clusterIntentManifest, fieldOwners, parseCnpgCluster, parseInstanceState, psqlArgs } from "../../commands/drill/live-cnpg";
import { archiveGenerationFromConfig, failedResourcesFromEvents, findResourceInDeployment } from "../../commands/drill/live";
import { databaseSimulation, renderSimulation } from "../../commands/drill/simulate";
import { plannedStepsFromEvents, replacementsIn } from "../../commands/drill/update-plan";
import { DATABASE_OUTPUT, DB_BUDGET, DB_OUTPUTS, clusterApplyErrors, demotionToken } from "./fake-cnpg";

const SEGMENT = 16 * 1024 * 1024;
const state = (over: Record<string, unknown>) => ({ pod: "p", inRecovery: false, now: "2025-03-01T10:00:00Z", walSegmentBytes: SEGMENT, ...over });

describe("drill database model", () => {
    it("reads the database output as the data tier exports it, and names every missing field", () => {
        const topology = databaseFromOutputs(DB_OUTPUTS)!;
        assert.equal(topology.primaryCloud, "aws");
        assert.equal(topology.clusters.azure.restore.podLabels["azure.workload.identity/use"], "true");
        assert.equal(databaseFromOutputs({ kubeconfigs: {} }), undefined, "external database: no output");
        const broken = { database: { ...DATABASE_OUTPUT, clusters: { aws: { ...DATABASE_OUTPUT.clusters.aws, name: "" }, azure: { role: "replica" } } } };
        assert.throws(
            () => databaseFromOutputs(broken),
            /lacks or has malformed database\.clusters\.aws\.name, database\.clusters\.azure\.instances, database\.clusters\.azure\.restore\.serviceAccountAnnotations, .*database\.clusters\.azure\.name, database\.clusters\.azure\.rwService/,
        );
        const twoPrimaries = { database: { ...DATABASE_OUTPUT, clusters: { ...DATABASE_OUTPUT.clusters, azure: { ...DATABASE_OUTPUT.clusters.azure, role: "primary" } } } };
        assert.throws(() => databaseFromOutputs(twoPrimaries), /primaryCloud is aws but the primary role is on aws and azure/);
    });

    it("WAL positions and segment numbers", () => {
        assert.equal(parseLsn("0/4FFFFD8"), 0x4ffffd8);
        assert.equal(parseLsn("16/B374D848"), 0x16 * 2 ** 32 + 0xb374d848);
        assert.throws(() => parseLsn("16-B374"), /not a WAL position/);
        assert.equal(walFileSegment("000000010000000A000000FE", SEGMENT), 0xa * 256 + 0xfe);
        assert.equal(walFileSegment("000000020000000000000004.partial", SEGMENT), 4);
        assert.equal(walFileSegment("000000010000000000000002.00000028.backup", SEGMENT), 2);
        assert.equal(walFileSegment("00000002.history", SEGMENT), undefined);
    });

    it("replica lag: bytes from the primary's position, seconds as CloudNativePG's replication-lag metric, caught up with the archive", () => {
        const primary = state({ currentLsn: "0/5000100", lastArchivedWal: "000000010000000000000004", lastArchivedAt: "2025-03-01T09:59:30Z" });
        const replica = state({ inRecovery: true, replayLsn: "0/4FFFFD8", lastReplayAt: "2025-03-01T09:59:40Z" });
        assert.deepEqual(replicaLag(primary, replica), { archiveFailing: false, lastReplayAt: "2025-03-01T09:59:40Z", bytes: 296, replayedAllArchived: true, seconds: 20 });
        assert.equal(replicaLag({ ...primary, currentLsn: "0/4FFFFD8" }, replica).seconds, 0, "caught up: 0 s, however old the last transaction");
        const behind = replicaLag(primary, { ...replica, replayLsn: "0/3000000" });
        assert.equal(behind.replayedAllArchived, false);
        assert.equal(replicaLag({ ...primary, lastFailedAt: "2025-03-01T09:59:50Z" }, replica).archiveFailing, true);
        assert.equal(replicaLag({ ...primary, lastFailedAt: "2025-03-01T09:00:00Z" }, replica).archiveFailing, false, "an old failure followed by a success");
        assert.deepEqual(replicaLag(undefined, replica), { archiveFailing: false, lastReplayAt: "2025-03-01T09:59:40Z", seconds: 20 });
    });

    it("decodes a demotion token as the webhook does, and rejects an incomplete one", () => {
        assert.deepEqual(decodeToken(demotionToken(3, "0/7000028")), {
            timeline: "3",
            redoWalFile: "000000030000000000000007",
            redoLocation: "0/7000028",
            systemIdentifier: "7412345678901234567",
            checkpointAt: "Sat Mar  1 10:00:12 2025",
        });
        assert.throws(() => decodeToken(Buffer.from(JSON.stringify({ latestCheckpointTimelineID: "1" })).toString("base64")), /the demotion token lacks redoWalFile, redoLocation, systemIdentifier/);
        assert.throws(() => decodeToken("%%%"), /not base64-encoded JSON/);
    });
});

describe("drill: CloudNativePG through kubectl (parsing and manifests)", () => {
    const cluster = {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: {
            name: "postgres-aws",
            namespace: "finplat-db",
            annotations: { "cnpg.io/fencedInstances": '["*"]', "finplat.io/reseed-required": "postgres-azure" },
            managedFields: [
                { manager: "pulumi-kubernetes-5f3a9c1e", operation: "Apply", fieldsV1: { "f:spec": { "f:instances": {}, "f:replica": { "f:primary": {}, "f:source": {}, "f:self": {} } } } },
                { manager: "finplat-drill", operation: "Apply", fieldsV1: { "f:metadata": { "f:annotations": { "f:cnpg.io/fencedInstances": {} } }, "f:spec": { "f:replica": { "f:primary": {} } } } },
                { manager: "manager", operation: "Update", subresource: "status", fieldsV1: { "f:status": { "f:phase": {} } } },
            ],
        },
        spec: { instances: 3, replica: { primary: "postgres-azure", source: "postgres-azure", self: "postgres-aws" }, storage: { size: "100Gi" } },
        status: { phase: "Cluster in healthy state", currentPrimary: "postgres-aws-2", timelineID: 4, demotionToken: "dG9rZW4=", readyInstances: 3 },
    };

    it("reads a Cluster: replica settings, fence, the managers of replica.primary, status", () => {
        const parsed = parseCnpgCluster(cluster);
        assert.deepEqual(parsed.replica, { primary: "postgres-azure", source: "postgres-azure", self: "postgres-aws" });
        assert.deepEqual(parsed.fencedInstances, ["*"]);
        assert.equal(parsed.reseedRequired, "postgres-azure");
        assert.deepEqual(parsed.primaryOwners, ["pulumi-kubernetes-5f3a9c1e", "finplat-drill"]);
        assert.deepEqual([parsed.phase, parsed.currentPrimary, parsed.timelineID, parsed.demotionToken, parsed.readyInstances, parsed.instances], ["Cluster in healthy state", "postgres-aws-2", 4, "dG9rZW4=", 3, 3]);
        assert.deepEqual(fieldOwners(cluster.metadata.managedFields, ["spec", "replica", "source"]), ["pulumi-kubernetes-5f3a9c1e"]);
        assert.deepEqual(parseCnpgCluster({ metadata: { name: "x", annotations: { "cnpg.io/fencedInstances": "[]" } } }).fencedInstances, []);
    });

    it("the drill's server-side apply intent: exactly the fields it owns, an empty one releases everything", () => {
        assert.deepEqual(clusterIntentManifest("postgres-azure", "finplat-db", { primary: "postgres-azure", promotionToken: "dG9r" }), {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "Cluster",
            metadata: { name: "postgres-azure", namespace: "finplat-db" },
            spec: { replica: { primary: "postgres-azure", promotionToken: "dG9r" } },
        });
        assert.deepEqual(clusterIntentManifest("postgres-aws", "finplat-db", { fenced: true }), {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "Cluster",
            metadata: { name: "postgres-aws", namespace: "finplat-db", annotations: { "cnpg.io/fencedInstances": '["*"]' } },
        });
        assert.deepEqual(clusterIntentManifest("postgres-azure", "finplat-db", { primary: "postgres-azure", reseedRequired: "postgres-aws" }), {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "Cluster",
            metadata: { name: "postgres-azure", namespace: "finplat-db", annotations: { "finplat.io/reseed-required": "postgres-aws" } },
            spec: { replica: { primary: "postgres-azure" } },
        });
        assert.deepEqual(clusterIntentManifest("postgres-aws", "finplat-db", {}), { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "postgres-aws", namespace: "finplat-db" } });
    });

    it("every field the intent sets is in the pinned CloudNativePG Cluster CRD (a partial object: nothing required), and a misspelt one is caught", () => {
        const all = clusterIntentManifest("postgres-azure", "finplat-db", { primary: "postgres-azure", promotionToken: "dG9r", fenced: true, reseedRequired: "postgres-aws" });
        assert.deepEqual(clusterApplyErrors(all), []);
        assert.deepEqual(clusterApplyErrors(clusterIntentManifest("postgres-aws", "finplat-db", {})), []);
        const spec = (all as { spec: { replica: object } }).spec;
        assert.deepEqual(clusterApplyErrors({ ...all, spec: { replica: { ...spec.replica, promotionTokens: "dG9r" } } }), ["spec.replica.promotionTokens: unknown field"]);
        assert.deepEqual(clusterApplyErrors({ ...all, spec: { replica: { primary: 1 } } }), ["spec.replica.primary: expected string, got integer"]);
    });

    it("SQL runs as the local postgres user in the postgres container, stopping at the first error", () => {
        assert.deepEqual(psqlArgs("finplat-db", "postgres-aws-1", "ledger", ["SET default_transaction_read_only = on", "SELECT 1"]), [
            "exec", "-n", "finplat-db", "postgres-aws-1", "-c", "postgres", "--request-timeout=20s", "--",
            "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", "ledger", "-c", "SET default_transaction_read_only = on", "-c", "SELECT 1",
        ]);
        const parsed = parseInstanceState(
            "postgres-azure-1",
            '{"inRecovery" : true, "currentLsn" : null, "replayLsn" : "0/4FFFFD8", "lastReplayAt" : "2025-03-01T09:59:40.123456+00:00", "now" : "2025-03-01T10:00:00.5+00:00", "lastArchivedWal" : null, "lastArchivedAt" : null, "lastFailedAt" : null, "walSegmentBytes" : 16777216}\n',
        );
        assert.deepEqual(parsed, { pod: "postgres-azure-1", inRecovery: true, now: "2025-03-01T10:00:00.5+00:00", walSegmentBytes: SEGMENT, replayLsn: "0/4FFFFD8", lastReplayAt: "2025-03-01T09:59:40.123456+00:00" });
        assert.throws(() => parseInstanceState("p", "psql: error: connection refused"), /unexpected psql answer from p/);
    });
});

describe("drill: update plans from engine events", () => {
    const pre = (op: string, urn: string, type: string, keys?: string[], diffs?: string[]) => ({ resourcePreEvent: { metadata: { op, urn, type, keys, diffs, provider: "" } }, sequence: 0, timestamp: 0 });
    const urn = (type: string, name: string) => `urn:pulumi:prod::finplat-dr::${type}::${name}`;
    const events = [
        { preludeEvent: { config: {} }, sequence: 0, timestamp: 0 },
        pre("same", urn("aws:ec2/vpc:Vpc", "pair-aws-vpc"), "aws:ec2/vpc:Vpc"),
        pre("update", urn("aws:route53/record:Record", "global-primary"), "aws:route53/record:Record", undefined, ["records"]),
        pre("create-replacement", urn("kubernetes:core/v1:PersistentVolumeClaim", "data"), "kubernetes:core/v1:PersistentVolumeClaim", ["spec.storageClassName"]),
        pre("replace", urn("kubernetes:core/v1:PersistentVolumeClaim", "data"), "kubernetes:core/v1:PersistentVolumeClaim", ["spec.storageClassName"]),
        pre("delete-replaced", urn("kubernetes:core/v1:PersistentVolumeClaim", "data"), "kubernetes:core/v1:PersistentVolumeClaim", ["spec.storageClassName"]),
        pre("update", urn("aws:route53/record:Record", "global-primary"), "aws:route53/record:Record", undefined, ["records"]),
    ];

    it("names each step once, leaves out unchanged resources, and merges a replacement's create and delete", () => {
        const steps = plannedStepsFromEvents(events);
        assert.deepEqual(steps.map((s) => `${s.op} ${s.name}`), ["update global-primary", "create-replacement data", "replace data", "delete-replaced data"]);
        assert.deepEqual(replacementsIn(steps).map((s) => [s.type, s.name, s.op, s.replaceKeys]), [["kubernetes:core/v1:PersistentVolumeClaim", "data", "replace", ["spec.storageClassName"]]]);
    });

    it("finds the failed resources of an update and a Kubernetes object's URN in the exported state", () => {
        const failed = [{ resOpFailedEvent: { metadata: { op: "update", urn: "urn:a", type: "t", provider: "" }, status: 1, steps: 1 }, sequence: 1, timestamp: 0 }];
        assert.deepEqual(failedResourcesFromEvents([...failed, ...failed] as EngineEvent[]), ["urn:a"]);
        const deployment = {
            resources: [
                { urn: "urn:other-ns", type: "kubernetes:postgresql.cnpg.io/v1:Cluster", outputs: { metadata: { name: "postgres-aws", namespace: "finplat-db-pitr" } } },
                { urn: "urn:db", type: "kubernetes:postgresql.cnpg.io/v1:Cluster", outputs: { metadata: { name: "postgres-aws", namespace: "finplat-db" } } },
            ],
        };
        assert.equal(findResourceInDeployment(deployment, "kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres-aws", "finplat-db"), "urn:db");
        assert.equal(findResourceInDeployment(deployment, "kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres-azure", "finplat-db"), undefined);
    });

    it("reads a side's archive generation from the stack's whole config (the database section is JSON), 1 when unset, refusing anything else", () => {
        const config = (database?: object) => ({ "dr-platform:activeCloud": { value: "azure" }, ...(database ? { "dr-platform:database": { value: JSON.stringify(database) } } : {}) });
        assert.equal(archiveGenerationFromConfig(config(), "aws"), 1);
        assert.equal(archiveGenerationFromConfig(config({ namespace: "db" }), "aws"), 1);
        assert.equal(archiveGenerationFromConfig(config({ archive: { generation: { aws: 3 } } }), "aws"), 3);
        assert.equal(archiveGenerationFromConfig(config({ archive: { generation: { aws: 3 } } }), "azure"), 1);
        assert.throws(() => archiveGenerationFromConfig(config({ archive: { generation: { aws: "3" } } }), "aws"), /config database\.archive\.generation\.aws is "3", expected a positive integer/);
    });
});

describe("drill --simulate: the database switch", () => {
    const cluster = (name: string, before: string, after: string, kind: "update" | "replace" = "update") => ({
        urn: `urn:${name}`,
        type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
        name,
        kind,
        changes: [{ path: "spec.replica.primary", before, after, ...(kind === "replace" ? { replaceRule: "metadata.name" } : {}) }],
    });
    const budget = { budget: DB_BUDGET, targets: { rtoSeconds: 300, rpoMinutes: 60 }, source: "stack outputs" as const, problems: [] };

    it("shows replica.primary moving on both Clusters in place, and the steps --execute and --disaster would take", () => {
        const sim = databaseSimulation(DB_OUTPUTS, [cluster("pair-aws-db", "postgres-aws", "postgres-azure"), cluster("pair-azure-db", "postgres-aws", "postgres-azure")], "aws", "azure", budget)!;
        assert.deepEqual(sim, {
            namespace: "finplat-db",
            from: "postgres-aws",
            to: "postgres-azure",
            primaryUpdates: ['pair-aws-db: "postgres-aws" → "postgres-azure" (in place)', 'pair-azure-db: "postgres-aws" → "postgres-azure" (in place)'],
            rpoSeconds: 65,
        });
        const text = renderSimulation({ stack: "prod", from: "aws", to: "azure", failback: false, overrides: [], resourcesBefore: 2, resourcesAfter: 2, changes: [], replacements: [], refusals: [], database: sim });
        assert.match(text, /Database \(CloudNativePG distributed topology, namespace finplat-db\):\n {2}replica\.primary pair-aws-db: "postgres-aws" → "postgres-azure" \(in place\)/);
        assert.match(text, /--execute: {12}lag pre-check \(database RPO 65 s\) → demote postgres-aws → its demotion token → promote postgres-azure with it → writable → pulumi up --plan → DNS/);
        assert.match(text, /--execute --disaster: fence postgres-aws if its cluster answers → promote postgres-azure without a token/);
    });

    it("a flip that leaves replica.primary alone is a problem; no database output, no section", () => {
        assert.match(databaseSimulation(DB_OUTPUTS, [], "aws", "azure")!.problem!, /expected spec\.replica\.primary to change on both Clusters, found 0/);
        assert.equal(databaseSimulation({}, [], "aws", "azure"), undefined);
    });
});
