/**
 * One side's PostgreSQL in isolation: two fake clusters (one per cloud), each with its
 * PostgresCluster, the peer's archive granted the way the stack grants it.
 */
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CloudName } from "../../components/cluster/contract";
import { PostgresCluster, PostgresSettings } from "../../components/database/postgres-cluster";
import { BARMAN_CLOUD_PLUGIN, CNPG_CLUSTER_LABEL, postgresClusterName } from "../../components/database/names";
import { databaseAlertRules } from "../../components/database/alerts";
import { MONITORING_SELECTOR_LABELS } from "../../components/addons/well-known";
import { Evaluation, RecordedResource, evaluate } from "../../commands/offline/harness";
import { FakeCluster, fakeCluster } from "../support/fake-cluster";
import { validateKubernetesObject } from "../support/k8s-schema";

const NS = "database";
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const SETTINGS: PostgresSettings = {
    imageName: "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie",
    instances: 3,
    synchronousReplicas: 1,
    storageGb: 200,
    walStorageGb: 50,
    resources: { cpu: "2", memory: "8Gi" },
    parameters: { max_connections: "300" },
    archiveTimeoutSeconds: 30,
    retentionDays: 30,
    backupSchedule: "0 0 1 * * *",
};

interface Pair {
    ev: Evaluation;
    clusters: Record<CloudName, FakeCluster>;
    sides: Record<CloudName, PostgresCluster>;
}

const FIRST_GENERATION: Record<CloudName, number> = { aws: 1, azure: 1 };

/** Both sides, aws primary; the replica runs 2 instances. */
async function buildPair(primaryCloud: CloudName = "aws", archiveGenerations = FIRST_GENERATION): Promise<Pair> {
    const clusters = {} as Record<CloudName, FakeCluster>;
    const sides = {} as Record<CloudName, PostgresCluster>;
    const ev = await evaluate({
        project: "t",
        stack: "t",
        config: {},
        program: () => {
            clusters.aws = fakeCluster("aws", primaryCloud === "aws" ? "active" : "passive");
            clusters.azure = fakeCluster("azure", primaryCloud === "azure" ? "active" : "passive");
            for (const [cloud, peer] of [["aws", "azure"], ["azure", "aws"]] as const) {
                const operator = new k8s.core.v1.ConfigMap(`${cloud}-operator`, { data: {} }, { provider: clusters[cloud].provider });
                const peerArchive = clusters[peer].grantBackupReadAccess(`${peer}-archive-reader-${cloud}`, {
                    issuerUrl: clusters[cloud].oidcIssuerUrl,
                    issuerName: cloud,
                    namespace: NS,
                    serviceAccount: postgresClusterName(cloud),
                    store: "archive",
                });
                sides[cloud] = new PostgresCluster(`${cloud}-db`, {
                    cluster: clusters[cloud],
                    namespace: NS,
                    primaryCloud,
                    archiveGenerations,
                    peerArchive,
                    settings: { ...SETTINGS, instances: cloud === primaryCloud ? 3 : 2 },
                    app: { database: "app", role: "app", password: "generated-once" },
                    clients: [{ namespace: "financial-app", podLabels: { "app.kubernetes.io/name": "financial-app" } }],
                    monitoring: true,
                    rpoSeconds: 60,
                    baseBackupIntervalMinutes: 1440,
                    protect: true,
                    dependsOn: [operator],
                });
            }
        },
    });
    return { ev, clusters, sides };
}

const of = (ev: Evaluation, type: string, cloud: CloudName) => ev.ofType(type).filter((r) => r.name.startsWith(`${cloud}-db`));
const spec = (ev: Evaluation, cloud: CloudName) => of(ev, CLUSTER, cloud)[0].inputs.spec;

describe("PostgresCluster (one side of the distributed topology)", () => {
    let pair: Pair;
    before(async () => {
        pair = await buildPair("aws");
    });

    it("the primary side: replica.primary and replica.self are its own Cluster, the source is the peer; it starts empty (initdb) as the app's role", () => {
        const s = spec(pair.ev, "aws");
        assert.deepEqual(s.replica, { self: "postgres-aws", primary: "postgres-aws", source: "postgres-azure" });
        assert.deepEqual(s.bootstrap, { initdb: { database: "app", owner: "app", secret: { name: "app-credentials" }, dataChecksums: true } });
        assert.equal(s.instances, 3);
        assert.equal(pair.sides.aws.role, "primary");
    });

    it("the replica side: the same primary, itself as self, bootstrapped from the peer's archive", () => {
        const s = spec(pair.ev, "azure");
        assert.deepEqual(s.replica, { self: "postgres-azure", primary: "postgres-aws", source: "postgres-aws" });
        assert.deepEqual(s.bootstrap, { recovery: { source: "postgres-aws" } });
        assert.equal(s.instances, 2);
        assert.equal(pair.sides.azure.role, "replica");
    });

    it("both sides list both Clusters identically in externalClusters, each read from its archive through the plugin", () => {
        const expected = ["aws", "azure"].map((c) => ({
            name: `postgres-${c}`,
            plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: `archive-${c}`, serverName: `postgres-${c}` } },
        }));
        assert.deepEqual(spec(pair.ev, "aws").externalClusters, expected);
        assert.deepEqual(spec(pair.ev, "azure").externalClusters, expected);
    });

    it("a side's next archive generation renames its server on both Clusters (its own plugin, the peer's externalClusters entry), and nothing else", async () => {
        const reseeded = await buildPair("azure", { aws: 2, azure: 1 });
        const aws = spec(reseeded.ev, "aws");
        const azure = spec(reseeded.ev, "azure");
        assert.deepEqual(aws.plugins[0].parameters, { barmanObjectName: "archive-aws", serverName: "postgres-aws-g2" });
        const entries = (s: any) => Object.fromEntries(s.externalClusters.map((e: any) => [e.name, e.plugin.parameters.serverName]));
        assert.deepEqual(entries(aws), { "postgres-aws": "postgres-aws-g2", "postgres-azure": "postgres-azure" });
        assert.deepEqual(entries(azure), entries(aws), "both sides read a cloud's archive under the same server name");
        assert.deepEqual(azure.plugins[0].parameters, { barmanObjectName: "archive-azure", serverName: "postgres-azure" }, "the other side keeps its generation");
        assert.deepEqual([reseeded.sides.aws.serverName, reseeded.sides.azure.serverName], ["postgres-aws-g2", "postgres-azure"]);
        // The re-seeded side is a replica again: recovery from the peer, into the new (empty) server folder.
        assert.deepEqual(aws.bootstrap, { recovery: { source: "postgres-azure" } });
        assert.equal(aws.replica.self, "postgres-aws", "the Cluster keeps its name: only the archive folder moves");
        assert.equal(await validateKubernetesObject("postgresql.cnpg.io/v1", "Cluster", { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "postgres-aws", namespace: NS }, spec: aws }), "validated");
    });

    for (const cloud of ["aws", "azure"] as const) {
        it(`${cloud}: archives to its own store through the plugin, with quorum synchronous replication, no superuser, the encrypted default class, one instance per zone`, () => {
            const s = spec(pair.ev, cloud);
            assert.deepEqual(s.plugins, [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: `archive-${cloud}`, serverName: `postgres-${cloud}` } }]);
            assert.equal(s.backup, undefined, "no in-tree barmanObjectStore (removed in operator 1.31)");
            assert.deepEqual(s.postgresql.synchronous, { method: "any", number: 1, dataDurability: "required" });
            assert.equal(s.postgresql.parameters.archive_timeout, "30s");
            assert.equal(s.enableSuperuserAccess, false);
            const storageClass = pair.clusters[cloud].defaultStorageClass;
            assert.deepEqual(s.storage, { size: "200Gi", storageClass, resizeInUseVolumes: true });
            assert.deepEqual(s.walStorage, { size: "50Gi", storageClass, resizeInUseVolumes: true });
            assert.deepEqual(s.affinity, { enablePodAntiAffinity: true, topologyKey: "topology.kubernetes.io/zone", podAntiAffinityType: "required" });
            assert.deepEqual(s.resources, { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } });
            assert.deepEqual(s.managed.roles.map((r: any) => [r.name, r.login, r.passwordSecret.name]), [["app", true, "app-credentials"]]);
        });

        it(`${cloud}: the Cluster survives a delete, and its bootstrap is read only once (ignored after creation)`, () => {
            const cluster = of(pair.ev, CLUSTER, cloud)[0];
            assert.deepEqual([cluster.protect, cluster.retainOnDelete, cluster.ignoreChanges], [true, true, ["spec.bootstrap"]]);
        });

        it(`${cloud}: the instances' ServiceAccount (named after the Cluster) may write only this side's archive`, () => {
            const grant = pair.clusters[cloud].grants.find((g) => g.name === `${cloud}-db-archive`)!;
            assert.deepEqual([grant.request.namespace, grant.request.serviceAccount, grant.request.permissions], [NS, `postgres-${cloud}`, [{ kind: "archive-store-write" }]]);
            const s = spec(pair.ev, cloud);
            // The archive-writer identity itself (the fake cluster names it after the grant), bound through the ServiceAccount template.
            const annotations = cloud === "aws"
                ? { "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/${cloud}-db-archive` }
                : { "azure.workload.identity/client-id": `client-${cloud}-db-archive` };
            assert.deepEqual(s.serviceAccountTemplate, { metadata: { annotations } }, "the identity is bound through the ServiceAccount template");
            assert.deepEqual(s.inheritedMetadata?.labels, cloud === "azure" ? { "azure.workload.identity/use": "true" } : undefined);
        });
    }

    it("reads the peer's archive with a token of its own cluster, for the peer's read-only identity (no secret)", () => {
        // On AWS: the Azure archive, via Azure workload identity env; on Azure: the S3 archive, via web identity.
        const awsPeer = pair.ev.named(OBJECT_STORE, "aws-db-archive-azure").inputs.spec;
        assert.deepEqual(awsPeer.configuration.azureCredentials, { useDefaultAzureCredentials: true });
        const awsEnv = Object.fromEntries(awsPeer.instanceSidecarConfiguration.env.map((e: any) => [e.name, e.value]));
        assert.deepEqual(Object.keys(awsEnv).sort(), ["AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID"]);
        assert.equal(awsEnv.AZURE_FEDERATED_TOKEN_FILE, "/projected/peer-archive-token");
        assert.equal(awsPeer.retentionPolicy, undefined, "only the owner prunes its archive");
        const azurePeer = pair.ev.named(OBJECT_STORE, "azure-db-archive-aws").inputs.spec;
        assert.deepEqual(azurePeer.configuration.s3Credentials, { inheritFromIAMRole: true });
        const azureEnv = Object.fromEntries(azurePeer.instanceSidecarConfiguration.env.map((e: any) => [e.name, e.value]));
        assert.deepEqual(Object.keys(azureEnv).sort(), ["AWS_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"]);
        assert.match(azureEnv.AWS_ROLE_ARN, /role\/aws-archive-reader-azure$/);
        // The token is projected with the peer identity's audience into every instance pod (and so the plugin's sidecar).
        assert.deepEqual(spec(pair.ev, "aws").projectedVolumeTemplate.sources, [{ serviceAccountToken: { audience: "api://AzureADTokenExchange", expirationSeconds: 3600, path: "peer-archive-token" } }]);
        assert.deepEqual(spec(pair.ev, "azure").projectedVolumeTemplate.sources[0].serviceAccountToken.audience, "sts.amazonaws.com");
        const reader = pair.clusters.aws.readers.find((r) => r.name === "aws-archive-reader-azure")!;
        assert.deepEqual([reader.request.store, reader.request.namespace, reader.request.serviceAccount], ["archive", NS, "postgres-azure"]);
    });

    it("the own store keeps the retention window and reaches the archive through the pod's own identity", () => {
        const own = pair.ev.named(OBJECT_STORE, "aws-db-archive-aws").inputs.spec;
        assert.equal(own.configuration.destinationPath, "s3://fake-pg-archive/");
        assert.deepEqual(own.configuration.s3Credentials, { inheritFromIAMRole: true });
        assert.deepEqual(own.instanceSidecarConfiguration.env, [], "the cluster's own webhook injects its identity");
        assert.equal(own.retentionPolicy, "30d");
        assert.equal(pair.ev.named(OBJECT_STORE, "azure-db-archive-azure").inputs.spec.configuration.destinationPath, "https://fakebackups.blob.core.windows.net/pg-archive/");
    });

    it("holds no static credential: no Secret reference in any ObjectStore or Cluster, and the only Secret is the app role's", () => {
        const FORBIDDEN = /^(accessKeyId|secretAccessKey|sessionToken|region|storageKey|storageSasToken|connectionString|storageAccount|applicationCredentials|secretKeyRef|superuserSecret|password|sslKey|sslCert)$/;
        const offenders: string[] = [];
        const walk = (value: unknown, path: string) => {
            if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
            else if (value && typeof value === "object") {
                for (const [k, v] of Object.entries(value)) {
                    if (FORBIDDEN.test(k)) offenders.push(`${path}.${k}`);
                    walk(v, `${path}.${k}`);
                }
            }
        };
        for (const r of [...pair.ev.ofType(CLUSTER), ...pair.ev.ofType(OBJECT_STORE)]) walk(r.inputs.spec, r.name);
        assert.deepEqual(offenders, []);
        const secrets = pair.ev.ofType("kubernetes:core/v1:Secret");
        assert.deepEqual(secrets.map((s) => [s.inputs.metadata.name, s.inputs.type]), [["app-credentials", "kubernetes.io/basic-auth"], ["app-credentials", "kubernetes.io/basic-auth"]]);
        secrets.forEach((s) => assert.ok(s.secretInputs.includes("stringData"), "the password stays a Pulumi secret"));
        assert.deepEqual(secrets.map((s) => s.inputs.stringData), [{ username: "app", password: "generated-once" }, { username: "app", password: "generated-once" }], "one credential, identical on both sides");
    });

    it("takes a base backup on schedule through the plugin (six-field cron), from a standby", () => {
        const backup = pair.ev.named("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "aws-db-base-backup");
        assert.deepEqual(backup.inputs.spec, {
            schedule: "0 0 1 * * *",
            cluster: { name: "postgres-aws" },
            method: "plugin",
            pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
            immediate: true,
            backupOwnerReference: "self",
            target: "prefer-standby",
        });
        assert.ok(backup.dependencies.includes(of(pair.ev, CLUSTER, "aws")[0].urn));
    });

    it("waits for the operator, the plugin's ObjectStores and the app credential before creating the Cluster", () => {
        const cluster = of(pair.ev, CLUSTER, "aws")[0];
        const urnOf = (type: string, name: string) => pair.ev.named(type, name).urn;
        for (const dep of [
            urnOf("kubernetes:core/v1:ConfigMap", "aws-operator"),
            urnOf(OBJECT_STORE, "aws-db-archive-aws"),
            urnOf(OBJECT_STORE, "aws-db-archive-azure"),
            urnOf("kubernetes:core/v1:Secret", "aws-db-app-credentials"),
            urnOf("kubernetes:core/v1:Namespace", "aws-db-ns"),
        ]) assert.ok(cluster.dependencies.includes(dep), dep);
    });

    it("the database and PITR namespaces enforce, audit and warn Pod Security restricted, pinned to the cluster's minor", () => {
        for (const cloud of ["aws", "azure"] as const) {
            const namespaces = of(pair.ev, "kubernetes:core/v1:Namespace", cloud);
            assert.deepEqual(namespaces.map((n) => n.inputs.metadata.name).sort(), ["database", "database-pitr"]);
            const version = `v${pair.clusters[cloud].kubernetesVersion}`;
            for (const namespace of namespaces) {
                const labels = namespace.inputs.metadata.labels;
                for (const mode of ["enforce", "audit", "warn"]) {
                    assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted", `${namespace.name}: ${mode}`);
                    assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], version, `${namespace.name}: ${mode}-version`);
                }
            }
        }
    });

    it("provides a point-in-time-recovery slot: its own namespace, a read-only identity for exactly one ServiceAccount, an ObjectStore on the own archive", async () => {
        for (const cloud of ["aws", "azure"] as const) {
            const restore = pair.sides[cloud].restore;
            assert.deepEqual([restore.namespace, restore.clusterName, restore.objectStore], ["database-pitr", `postgres-${cloud}-pitr`, `archive-${cloud}`]);
            const grant = pair.clusters[cloud].grants.find((g) => g.name === `${cloud}-db-pitr`)!;
            assert.deepEqual([grant.request.namespace, grant.request.serviceAccount, grant.request.permissions], ["database-pitr", `postgres-${cloud}-pitr`, [{ kind: "archive-store-read" }]]);
            const store = pair.ev.named(OBJECT_STORE, `${cloud}-db-pitr-archive-${cloud}`).inputs;
            assert.equal(store.metadata.namespace, "database-pitr");
            assert.equal(store.spec.retentionPolicy, undefined, "the slot never prunes the live archive");
            assert.deepEqual(restore.podLabels, cloud === "azure" ? { "azure.workload.identity/use": "true" } : {});
            // The drill binds the restore's ServiceAccount with these: the slot's own read-only grant, not the live cluster's writer.
            const annotations = await new Promise((done) => restore.serviceAccountAnnotations.apply(done));
            assert.deepEqual(annotations, cloud === "aws"
                ? { "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/${cloud}-db-pitr` }
                : { "azure.workload.identity/client-id": `client-${cloud}-db-pitr` });
        }
    });

    it("the CloudNativePG custom resources it emits validate against the pinned CRDs, and a misspelt field is refused", async () => {
        for (const r of [...pair.ev.ofType(CLUSTER), ...pair.ev.ofType(OBJECT_STORE), ...pair.ev.ofType("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup")]) {
            const [, apiVersion, kind] = /^kubernetes:(.+):(\w+)$/.exec(r.type)!;
            assert.equal(await validateKubernetesObject(apiVersion, kind, r.inputs), "validated", r.name);
        }
        const cluster = of(pair.ev, CLUSTER, "aws")[0].inputs;
        await assert.rejects(validateKubernetesObject("postgresql.cnpg.io/v1", "Cluster", { ...cluster, spec: { ...cluster.spec, replica: { ...cluster.spec.replica, primaryCluster: "x" } } }), /primaryCluster/);
        await assert.rejects(validateKubernetesObject("postgresql.cnpg.io/v1", "Cluster", { ...cluster, spec: { ...cluster.spec, barmanObjectStore: {} } }), /barmanObjectStore/);
        const store = pair.ev.named(OBJECT_STORE, "aws-db-archive-aws").inputs;
        await assert.rejects(validateKubernetesObject("barmancloud.cnpg.io/v1", "ObjectStore", { ...store, spec: { ...store.spec, configuration: { ...store.spec.configuration, s3Credentials: { inheritFromIamRole: true } } } }), /inheritFromIamRole/);
    });

    it("scrapes exactly this Cluster's pods, labelled by Cluster, and alerts with this side's instance count, RPO budget and backup interval", async () => {
        for (const cloud of ["aws", "azure"] as const) {
            const self = `postgres-${cloud}`;
            const monitor = pair.ev.named("kubernetes:monitoring.coreos.com/v1:PodMonitor", `${cloud}-db-pod-monitor`).inputs;
            assert.deepEqual(monitor.metadata, { name: self, namespace: NS, labels: { ...MONITORING_SELECTOR_LABELS } });
            assert.deepEqual(monitor.spec, {
                selector: { matchLabels: { [CNPG_CLUSTER_LABEL]: self } },
                podTargetLabels: [CNPG_CLUSTER_LABEL],
                podMetricsEndpoints: [{ port: "metrics" }],
            });
            const rule = pair.ev.named("kubernetes:monitoring.coreos.com/v1:PrometheusRule", `${cloud}-db-alerts`).inputs;
            assert.deepEqual(rule.metadata, { name: `${self}-rpo`, namespace: NS, labels: { ...MONITORING_SELECTOR_LABELS } });
            const instances = cloud === "aws" ? 3 : 2;
            assert.deepEqual(rule.spec.groups, [{
                name: `${self}.rpo`,
                rules: databaseAlertRules({ namespace: NS, clusterName: self, instances, rpoSeconds: 60, baseBackupIntervalMinutes: 1440 }),
            }]);
            assert.equal(await validateKubernetesObject("monitoring.coreos.com/v1", "PodMonitor", { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", ...monitor }), "validated");
            assert.equal(await validateKubernetesObject("monitoring.coreos.com/v1", "PrometheusRule", { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", ...rule }), "validated");
        }
    });

    it("refuses a peer archive in its own cloud, and more synchronous standbys than instances", async () => {
        await assert.rejects(evaluate({
            project: "t", stack: "t", config: {},
            program: () => {
                const cluster = fakeCluster("aws");
                const sameCloud = fakeCluster("aws", "passive", "other-aws").grantBackupReadAccess("r", { issuerUrl: cluster.oidcIssuerUrl, issuerName: "aws", namespace: NS, serviceAccount: "postgres-aws", store: "archive" });
                new PostgresCluster("db", { cluster, namespace: NS, primaryCloud: "aws", archiveGenerations: FIRST_GENERATION, peerArchive: sameCloud, settings: SETTINGS, app: { database: "app", role: "app", password: "p" }, clients: [], monitoring: false, rpoSeconds: 60, baseBackupIntervalMinutes: 1440, protect: false, dependsOn: [] });
            },
        }), /the peer archive is in the same cloud \(aws\)/);
        await assert.rejects(evaluate({
            project: "t", stack: "t", config: {},
            program: () => {
                const cluster = fakeCluster("aws");
                const peer = fakeCluster("azure", "passive").grantBackupReadAccess("r", { issuerUrl: cluster.oidcIssuerUrl, issuerName: "aws", namespace: NS, serviceAccount: "postgres-aws", store: "archive" });
                new PostgresCluster("db", { cluster, namespace: NS, primaryCloud: "aws", archiveGenerations: FIRST_GENERATION, peerArchive: peer, settings: { ...SETTINGS, instances: 1 }, app: { database: "app", role: "app", password: "p" }, clients: [], monitoring: false, rpoSeconds: 60, baseBackupIntervalMinutes: 1440, protect: false, dependsOn: [] });
            },
        }), /1 synchronous standbys need more than 1 instances/);
    });
});

describe("database NetworkPolicies", () => {
    let pair: Pair;
    before(async () => {
        pair = await buildPair("aws");
    });

    const policies = (prefix: string): Record<string, RecordedResource> =>
        Object.fromEntries(pair.ev.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => p.name.startsWith(prefix)).map((p) => [p.inputs.metadata.name, p]));

    it("deny ingress by default, then admit the app on 5432, the other instances, the operator and Prometheus, each to this Cluster's pods only", () => {
        const p = policies("aws-db-");
        const ingress = (name: string) => p[name].inputs.spec.ingress[0];
        assert.deepEqual(p["postgres-aws-default-deny-ingress"].inputs.spec, { podSelector: {}, policyTypes: ["Ingress"] });
        const pods = { matchLabels: { "cnpg.io/cluster": "postgres-aws" } };
        for (const name of ["allow-from-app", "allow-between-instances", "allow-from-operator", "allow-from-monitoring"]) {
            assert.deepEqual(p[`postgres-aws-${name}`].inputs.spec.podSelector, pods, name);
        }
        assert.deepEqual(ingress("postgres-aws-allow-from-app"), {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "financial-app" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "financial-app" } } }],
            ports: [{ protocol: "TCP", port: 5432 }],
        });
        assert.deepEqual(ingress("postgres-aws-allow-between-instances").from, [{ podSelector: pods }]);
        assert.deepEqual(ingress("postgres-aws-allow-from-operator").ports.map((x: any) => x.port), [8000, 5432]);
        assert.deepEqual(ingress("postgres-aws-allow-from-operator").from[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "cnpg-system" });
        assert.deepEqual(ingress("postgres-aws-allow-from-monitoring").ports, [{ protocol: "TCP", port: 9187 }]);
        const ipBlocks = Object.values(p).flatMap((x) => (x.inputs.spec.ingress ?? []).flatMap((i: any) => i.from.filter((f: any) => f.ipBlock)));
        assert.deepEqual(ipBlocks, [], "nothing is admitted by address: no port is open to the other cloud");
    });

    it("the PITR slot admits no client, only the operator, its own instances and Prometheus", () => {
        const p = policies("aws-db-pitr-");
        assert.deepEqual(Object.keys(p).sort(), ["postgres-aws-pitr-allow-between-instances", "postgres-aws-pitr-allow-from-monitoring", "postgres-aws-pitr-allow-from-operator", "postgres-aws-pitr-default-deny-ingress"]);
        Object.values(p).forEach((x) => assert.equal(x.inputs.metadata.namespace, "database-pitr"));
    });
});
