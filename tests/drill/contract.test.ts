/**
 * The drill and the program, as one whole: the drill reads the `database` (and
 * failover) stack outputs of the real program, and its tests run on fakes. Here
 * the prod stack is evaluated offline (the shared cached evaluation) and
 *   - its `database` output is checked field by field against the objects the
 *     program declares (Clusters, ObjectStores, the PITR slot's identity);
 *   - the fakes are checked against it: the same shape and types, the same
 *     naming scheme (components/database/names.ts), archives in the same format,
 *     and preview steps that name resources the program really registers.
 * A renamed field or a changed naming scheme fails here, not in production.
 */
import { strict as assert } from "assert";
import { CLOUDS, CloudName } from "../../components/cluster/contract";
import { BARMAN_CLOUD_PLUGIN, databaseNamesFor, serverNameOf } from "../../components/database/names";
import { DatabaseTopology, databaseFromOutputs } from "../../commands/drill/database";
import { endpointsFromOutputs } from "../../commands/drill/orchestrator";
import { pitrManifest } from "../../commands/drill/pitr";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { validateKubernetesObject } from "../support/k8s-schema";
import { stackEvaluation } from "../support/stacks";
import { DATABASE_OUTPUT, DB_OUTPUTS, FAKE_ARCHIVES, NAMESPACE } from "./fake-cnpg";
import { FLIP_STEPS, OUTPUTS } from "./fakes";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const IAM_ROLE = "aws:iam/role:Role";

/** Every leaf path of a JSON value with its type ("string", "number", "object{}" for an empty map). */
function shape(value: unknown, path = ""): string[] {
    if (Array.isArray(value)) return [`${path}: array`];
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value);
        if (entries.length === 0) return [`${path}: object{}`];
        return entries.flatMap(([k, v]) => shape(v, path ? `${path}.${k}` : k));
    }
    return [`${path}: ${typeof value}`];
}

/** Shape of a map whose keys are data (annotations, labels): its values' types only. */
function withDataMaps(lines: string[]): string[] {
    return lines
        .map((l) => l.replace(/\.(serviceAccountAnnotations|podLabels)(\..*)?: (string|object\{\})$/, ".$1: map"))
        .filter((l, i, all) => all.indexOf(l) === i)
        .sort();
}

/** The Kubernetes object of a type with this metadata.name and namespace, on one cloud's provider. */
function object(ev: Evaluation, type: string, cloud: CloudName, name: string, namespace: string): RecordedResource {
    const found = ev.ofType(type).filter((r) => r.inputs.metadata?.name === name && r.inputs.metadata?.namespace === namespace && r.provider.includes(`pair-${cloud}`));
    assert.equal(found.length, 1, `one ${type} ${namespace}/${name} on ${cloud}, found ${found.length}`);
    return found[0];
}

describe("the drill's contract with the program: the real `database` output (prod, offline)", function () {
    this.timeout(120_000);
    let prod: Evaluation;
    let topology: DatabaseTopology;
    before(async () => {
        prod = await stackEvaluation("prod");
        topology = databaseFromOutputs(prod.outputs)!;
    });

    it("parses with the drill's own reader, every field present, the primary on the active cloud", () => {
        assert.ok(topology, "prod exports a database");
        assert.equal(topology.primaryCloud, prod.outputs.activeCloud);
        assert.deepEqual(CLOUDS.map((c) => topology.clusters[c].role), ["primary", "replica"]);
        assert.deepEqual(topology, JSON.parse(JSON.stringify(prod.outputs.database)), "the reader drops or defaults nothing");
    });

    for (const cloud of CLOUDS) {
        const peer: CloudName = cloud === "aws" ? "azure" : "aws";
        it(`${cloud}: names the Cluster the program declares, its -rw Service, its archive, server name and both ObjectStores as its plugins read them`, () => {
            const side = topology.clusters[cloud];
            const names = databaseNamesFor(cloud, topology.namespace);
            const cluster = object(prod, CLUSTER, cloud, side.name, topology.namespace);
            const spec = cluster.inputs.spec;
            assert.equal(side.name, names.clusterName);
            assert.equal(side.rwService, `${side.name}-rw.${topology.namespace}.svc`, "CloudNativePG's read-write Service of that Cluster");
            assert.equal(side.instances, spec.instances);
            assert.equal(spec.replica.primary, topology.clusters[topology.primaryCloud].name);
            const archiver = spec.plugins.find((p: any) => p.name === BARMAN_CLOUD_PLUGIN && p.isWALArchiver);
            assert.deepEqual(archiver.parameters, { barmanObjectName: side.objectStore, serverName: side.serverName });
            assert.equal(side.serverName, serverNameOf(cloud, 1), "prod is at the first archive generation");
            const own = object(prod, OBJECT_STORE, cloud, side.objectStore, topology.namespace);
            assert.equal(own.inputs.spec.configuration.destinationPath, side.archive);
            const peerEntry = spec.externalClusters.find((e: any) => e.name === topology.clusters[peer].name);
            assert.deepEqual(peerEntry.plugin.parameters, { barmanObjectName: side.peerObjectStore, serverName: topology.clusters[peer].serverName }, "it reads the peer under the server name the peer archives to");
            const peerStore = object(prod, OBJECT_STORE, cloud, side.peerObjectStore, topology.namespace);
            assert.equal(peerStore.inputs.spec.configuration.destinationPath, topology.clusters[peer].archive, "the peer's ObjectStore reads the peer's archive");
        });

        it(`${cloud}: the restore slot names an ObjectStore on the own archive in its namespace, and an identity trusted for exactly its Cluster's ServiceAccount`, async () => {
            const side = topology.clusters[cloud];
            const slot = side.restore;
            assert.deepEqual({ namespace: slot.namespace, clusterName: slot.clusterName, objectStore: slot.objectStore }, databaseNamesFor(cloud, topology.namespace).restore);
            const store = object(prod, OBJECT_STORE, cloud, slot.objectStore, slot.namespace);
            assert.equal(store.inputs.spec.configuration.destinationPath, side.archive);
            if (cloud === "aws") {
                const roleArn = slot.serviceAccountAnnotations["eks.amazonaws.com/role-arn"];
                const role = prod.ofType(IAM_ROLE).find((r) => roleArn.endsWith(`/${r.inputs.name ?? r.name}`) || roleArn.includes(`/${r.name}-`))!;
                assert.ok(role, `an IAM role behind ${roleArn}`);
                const trust = JSON.parse(role.inputs.assumeRolePolicy) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
                const subjects = trust.Statement.flatMap((st) => Object.entries(st.Condition.StringEquals).filter(([k]) => k.endsWith(":sub")).map(([, v]) => v));
                assert.deepEqual(subjects, [`system:serviceaccount:${slot.namespace}:${slot.clusterName}`]);
            } else {
                assert.deepEqual(slot.podLabels, { "azure.workload.identity/use": "true" });
                assert.match(slot.serviceAccountAnnotations["azure.workload.identity/client-id"], /^[0-9a-f-]{36}$/);
            }
            // The drill's PITR manifest, from the real Cluster spec and the real slot, is a valid Cluster reading that archive.
            const live = object(prod, CLUSTER, cloud, side.name, topology.namespace);
            const manifest = pitrManifest(slot, { name: side.name, namespace: topology.namespace, fencedInstances: [], primaryOwners: [], spec: live.inputs.spec }, "2025-03-01T09:45:00.000Z") as any;
            assert.deepEqual(manifest.spec.externalClusters[0].plugin.parameters, { barmanObjectName: slot.objectStore, serverName: side.serverName });
            assert.equal(await validateKubernetesObject(manifest.apiVersion, manifest.kind, manifest), "validated");
        });
    }
});

describe("the drill's fakes follow the program (so they cannot drift)", function () {
    this.timeout(120_000);
    let prod: Evaluation;
    before(async () => {
        prod = await stackEvaluation("prod");
    });

    it("the fake `database` output has exactly the real one's shape and types", () => {
        assert.deepEqual(withDataMaps(shape(DATABASE_OUTPUT)), withDataMaps(shape(prod.outputs.database)));
        assert.deepEqual(databaseFromOutputs(DB_OUTPUTS), DATABASE_OUTPUT, "and the drill's reader accepts it, dropping or defaulting nothing");
    });

    it("the fake names follow the program's naming scheme: the real output with the fake's namespace gives the fake's names", () => {
        const real = prod.outputs.database;
        const inFakeNamespace = (text: string) => text.split(`.${real.namespace}.`).join(`.${NAMESPACE}.`).replace(new RegExp(`^${real.namespace}-`), `${NAMESPACE}-`);
        for (const cloud of CLOUDS) {
            const fake = DATABASE_OUTPUT.clusters[cloud];
            const want = real.clusters[cloud];
            for (const key of ["name", "serverName", "objectStore", "peerObjectStore", "rwService"] as const) {
                assert.equal(fake[key], inFakeNamespace(want[key]), `${cloud}.${key}`);
            }
            for (const key of ["namespace", "clusterName", "objectStore"] as const) {
                assert.equal(fake.restore[key], inFakeNamespace(want.restore[key]), `${cloud}.restore.${key}`);
            }
            assert.deepEqual(Object.keys(fake.restore.serviceAccountAnnotations), Object.keys(want.restore.serviceAccountAnnotations), `${cloud}: the same identity binding`);
            assert.deepEqual(fake.restore.podLabels, want.restore.podLabels);
        }
    });

    it("the fake archives are in the program's destinationPath format", () => {
        const formats: Record<CloudName, RegExp> = { aws: /^s3:\/\/[a-z0-9][a-z0-9.-]+\/$/, azure: /^https:\/\/[a-z0-9]{3,24}\.blob\.core\.windows\.net\/[a-z0-9-]+\/$/ };
        for (const cloud of CLOUDS) {
            assert.match(prod.outputs.database.clusters[cloud].archive, formats[cloud], `real ${cloud}`);
            assert.match(FAKE_ARCHIVES[cloud], formats[cloud], `fake ${cloud}`);
        }
    });

    it("the fake failover outputs are a subset of the real ones, with the same types, and read the same way", () => {
        const real = new Set(shape(prod.outputs));
        const missing = shape(OUTPUTS).filter((line) => !real.has(line));
        assert.deepEqual(missing, []);
        assert.deepEqual(Object.keys(endpointsFromOutputs(OUTPUTS)).sort(), Object.keys(endpointsFromOutputs(prod.outputs)).sort());
    });

    it("the fake preview steps name resources the program registers, under their real types and names", () => {
        for (const step of FLIP_STEPS) {
            const found = prod.resources.filter((r) => r.type === step.type && r.name === step.name);
            assert.equal(found.length, 1, `${step.type} ${step.name}`);
        }
    });
});
