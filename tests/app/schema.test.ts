import { strict as assert } from "assert";
import { kubernetesObjects, typeToApiVersionKind, validateAllKubernetesResources, validateKubernetesObject } from "../support/k8s-schema";
import { CLOUDS, evaluateApp, defaultEvaluation } from "./app-fixture";

describe("Kubernetes schema validation of the app", () => {
    for (const cloud of CLOUDS) {
        it(`every object the app emits on ${cloud} (canary and monitoring on) is valid for its schema`, async () => {
            const { ev } = await defaultEvaluation(cloud);
            const objects = kubernetesObjects(ev);
            const kinds = new Set(objects.map((r) => typeToApiVersionKind(r.type)!.kind));
            for (const kind of ["Deployment", "CronJob", "Certificate", "PodMonitor", "PrometheusRule", "NetworkPolicy", "HorizontalPodAutoscaler", "Ingress"]) {
                assert.ok(kinds.has(kind), `${kind} is among the validated objects`);
            }
            assert.deepEqual(await validateAllKubernetesResources(ev), []);
        });

        it(`the dev variant on ${cloud} (no canary, no monitoring) is valid too`, async () => {
            const { ev } = await evaluateApp(cloud, { environment: "dev", canary: { weight: 0, replicas: 1 }, monitoring: false });
            assert.deepEqual(await validateAllKubernetesResources(ev), []);
        });
    }

    it("maps recorded types to apiVersion and kind, core group included", () => {
        assert.deepEqual(typeToApiVersionKind("kubernetes:core/v1:Service"), { apiVersion: "v1", kind: "Service" });
        assert.deepEqual(typeToApiVersionKind("kubernetes:apps/v1:Deployment"), { apiVersion: "apps/v1", kind: "Deployment" });
        assert.deepEqual(typeToApiVersionKind("kubernetes:cert-manager.io/v1:Certificate"), { apiVersion: "cert-manager.io/v1", kind: "Certificate" });
    });

    it("rejects a malformed built-in object and a malformed custom resource", async () => {
        await assert.rejects(
            validateKubernetesObject("apps/v1", "Deployment", { metadata: { name: "x" }, spec: { template: { spec: { containers: [{ name: "a", ports: [{ containerPort: "80" }] }] } } } }),
            /must have required property 'selector'|containerPort must be integer/,
        );
        await assert.rejects(validateKubernetesObject("cert-manager.io/v1", "Certificate", { metadata: { name: "x" }, spec: { dnsNames: ["a"] } }), /secretName|issuerRef/);
        await assert.rejects(validateKubernetesObject("monitoring.coreos.com/v1", "PrometheusRule", { metadata: { name: "x" }, spec: { groups: [{ rules: [] }] } }), /name/);
    });

    it("refuses kinds without a model package or a field list, naming what to add", async () => {
        await assert.rejects(validateKubernetesObject("example.com/v1", "Widget", {}), /no schema for example\.com\/v1\/Widget: derive its field list .*FIELD_LISTS/);
        assert.equal(await validateKubernetesObject("elasticsearch.k8s.elastic.co/v1", "Elasticsearch", { metadata: { name: "x" }, spec: { version: "9.0.0", nodeSets: [{ name: "default", count: 1 }] } }), "validated");
        assert.equal(await validateKubernetesObject("v1", "ConfigMap", { metadata: { name: "x" }, data: { a: "b" } }), "validated");
    });
});
