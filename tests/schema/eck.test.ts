import { strict as assert } from "assert";
import { validateKubernetesObject } from "../support/k8s-schema";

async function reasons(object: unknown, kind = "Elasticsearch"): Promise<string[]> {
    const apiVersion = kind === "Kibana" ? "kibana.k8s.elastic.co/v1" : "elasticsearch.k8s.elastic.co/v1";
    try {
        await validateKubernetesObject(apiVersion, kind, object);
        return [];
    } catch (err) {
        return (err as Error).message.split("; ").sort();
    }
}

function elasticsearch(nodeSet: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): unknown {
    return {
        metadata: { name: "logging", namespace: "logging" },
        spec: {
            version: "9.5.1",
            volumeClaimDeletePolicy: "DeleteOnScaledownAndClusterDeletion",
            nodeSets: [
                {
                    name: "default",
                    count: 1,
                    config: { "node.store.allow_mmap": false },
                    podTemplate: { spec: { containers: [{ name: "elasticsearch", resources: { limits: { memory: "4Gi" } } }] } },
                    volumeClaimTemplates: [{ metadata: { name: "elasticsearch-data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "30Gi" } } } }],
                    ...nodeSet,
                },
            ],
            ...spec,
        },
    };
}

describe("ECK custom resources (field lists from the ECK 3.5.0 CRDs)", () => {
    it("a valid Elasticsearch and Kibana pass; free-form config is free-form", async () => {
        assert.deepEqual(await reasons(elasticsearch()), []);
        const kibana = { metadata: { name: "logging" }, spec: { version: "9.5.1", count: 1, elasticsearchRef: { name: "logging" }, config: { any: { thing: 1 } } } };
        assert.deepEqual(await reasons(kibana, "Kibana"), []);
    });

    it("a misspelt field in a volume claim template fails, naming the path", async () => {
        const broken = elasticsearch({ volumeClaimTemplates: [{ metadata: { name: "elasticsearch-data" }, spec: { storageClasName: "gp3" } }] });
        assert.deepEqual(await reasons(broken), ["spec.nodeSets[0].volumeClaimTemplates[0].spec.storageClasName: unknown field"]);
    });

    it("the pod template is checked as a core PodTemplateSpec, although the CRD leaves it open", async () => {
        const broken = elasticsearch({ podTemplate: { spec: { containers: [{ name: "elasticsearch", securityContext: { runAsNonroot: true } }] } } });
        assert.deepEqual(await reasons(broken), ["spec.nodeSets[0].podTemplate.spec.containers[0].securityContext.runAsNonroot: unknown field"]);
        const kibana = { metadata: { name: "k" }, spec: { version: "9.5.1", podTemplate: { spec: { container: [] } } } };
        assert.deepEqual(await reasons(kibana, "Kibana"), ["spec.podTemplate.spec.container: unknown field"]);
    });

    it("enums, required fields, patterns and types of the CRD are enforced", async () => {
        assert.deepEqual(await reasons(elasticsearch({}, { volumeClaimDeletePolicy: "Delete" })), [
            'spec.volumeClaimDeletePolicy: "Delete" is not one of DeleteOnScaledownOnly, DeleteOnScaledownAndClusterDeletion',
        ]);
        assert.deepEqual(await reasons(elasticsearch({ name: undefined, count: "1" })), ["spec.nodeSets[0].count: expected integer, got string", "spec.nodeSets[0].name: required field missing"]);
        assert.deepEqual(await reasons(elasticsearch({ name: "__" })), ['spec.nodeSets[0].name: "__" does not match the pattern [a-zA-Z0-9-]+']);
        assert.deepEqual(await reasons(elasticsearch({ name: "a".repeat(24) })), ["spec.nodeSets[0].name: length 24 is above the maximum 23"]);
    });
});
