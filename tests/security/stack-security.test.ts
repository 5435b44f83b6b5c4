/**
 * The security layers in the real dev and prod stacks (shared evaluations).
 */
import { strict as assert } from "assert";
import { CHARTS } from "../../components/addons/charts";
import { NAMESPACES, PROMETHEUS } from "../../components/addons/well-known";
import { PRIVILEGED_NAMESPACES, SYSTEM_NAMESPACES } from "../../components/security/namespaces";
import { allowedRegistries } from "../../components/security/registries";
import { registryPatternRegExp } from "../../components/security/image-reference";
import { clusterOf } from "../../commands/offline/evaluate-stack";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { assertPinnedRelease } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { stackEvaluation } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CLUSTERS = ["aws", "azure"] as const;
const onCluster = (r: RecordedResource, cloud: string) => clusterOf(r) === cloud;

function release(ev: Evaluation, cloud: string, chart: string): RecordedResource {
    const found = ev.ofType(RELEASE).filter((r) => r.inputs.chart === chart && onCluster(r, cloud));
    assert.equal(found.length, 1, `${chart} on ${cloud}`);
    return found[0];
}

const kyvernoPolicies = (ev: Evaluation, cloud: string) => ev.resources.filter((r) => r.type.startsWith("kubernetes:policies.kyverno.io/v1:") && onCluster(r, cloud));

describe("security layers in the dev and prod stacks", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        [dev, prod] = await Promise.all([stackEvaluation("dev"), stackEvaluation("prod")]);
    });

    it("Kyverno, Falco and Falcosidekick run on both clusters of both stacks, pinned, with valid keys, through that cluster's provider", () => {
        for (const ev of [dev, prod]) {
            for (const cloud of CLUSTERS) {
                for (const [chart, namespace, releaseName] of [[CHARTS.kyverno, NAMESPACES.kyverno, "kyverno"], [CHARTS.falco, NAMESPACES.falco, "falco"], [CHARTS.falcosidekick, NAMESPACES.logging, "falcosidekick"]] as const) {
                    const r = release(ev, cloud, chart.chart);
                    assertPinnedRelease(r, chart, namespace, releaseName);
                    assert.deepEqual(unknownValueKeys(chart.chart, chart.version, r.inputs.values), [], r.name);
                }
                assert.equal(kyvernoPolicies(ev, cloud).length, 6, `${cloud}: every admission policy`);
            }
        }
    });

    it("prod enforces (Deny, fail closed, 3 admission replicas); dev audits and warns", () => {
        for (const cloud of CLUSTERS) {
            for (const p of kyvernoPolicies(prod, cloud)) assert.deepEqual([p.inputs.spec.validationActions, p.inputs.spec.failurePolicy], [["Deny"], "Fail"], p.name);
            for (const p of kyvernoPolicies(dev, cloud)) assert.deepEqual([p.inputs.spec.validationActions, p.inputs.spec.failurePolicy], [["Audit", "Warn"], "Ignore"], p.name);
            assert.equal(release(prod, cloud, "kyverno").inputs.values.admissionController.replicas, 3);
        }
    });

    it("the registries and the signer come from the stack config: the platform's sources plus security.allowedRegistries, and its keyless identity", () => {
        const expected = allowedRegistries(["registry.fin.example.com"]);
        for (const cloud of CLUSTERS) {
            const byName = (name: string) => kyvernoPolicies(prod, cloud).find((p) => p.inputs.metadata.name === name)!;
            const allowed = byName("restrict-image-registries").inputs.spec.variables.find((v: any) => v.name === "allowed").expression;
            assert.equal(allowed, `[${expected.map((p) => `r'${registryPatternRegExp(p)}'`).join(", ")}]`);
            const identity = byName("verify-app-image-signatures").inputs.spec.attestors[0].cosign.keyless.identities[0];
            assert.equal(identity.issuer, "https://token.actions.githubusercontent.com");
            assert.match(identity.subjectRegExp, /^\^https:\/\/github\\\.com\/finplat\/financial-app\//);
        }
    });

    it("Falco on each cluster alerts through that cluster's own Alertmanager and Elasticsearch, with the app namespace's rules", () => {
        for (const cloud of CLUSTERS) {
            const sidekick = release(prod, cloud, "falcosidekick");
            assert.equal(sidekick.inputs.namespace, NAMESPACES.logging);
            assert.equal(sidekick.inputs.values.config.alertmanager.hostport, PROMETHEUS.alertmanagerUrl);
            assert.match(sidekick.inputs.values.config.alertmanager.extralabels, new RegExp(`cluster:pair-${cloud}(,|$)`));
            // Cluster-local service names resolve in the cluster the release runs in, so they must name the Alertmanager
            // and the Elasticsearch this cluster declares: kube-prometheus-stack's fullnameOverride and namespace, ECK's cluster.
            const kps = release(prod, cloud, "kube-prometheus-stack");
            assert.equal(sidekick.inputs.values.config.alertmanager.hostport, `http://${kps.inputs.values.fullnameOverride}-alertmanager.${kps.inputs.namespace}.svc:9093`);
            const elasticsearch = prod.ofType("kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch").filter((r) => onCluster(r, cloud));
            assert.equal(elasticsearch.length, 1, `${cloud}: one Elasticsearch`);
            const { name, namespace } = elasticsearch[0].inputs.metadata;
            assert.equal(sidekick.inputs.values.config.elasticsearch.hostport, `https://${name}-es-http.${namespace}.svc:9200`);
            assert.equal(namespace, sidekick.inputs.namespace, "Falcosidekick reads ECK's Secrets, so it runs in Elasticsearch's namespace");
            const rules = JSON.parse(release(prod, cloud, "falco").inputs.values.customRules["finplat-workloads.yaml"]);
            assert.ok(rules.some((r: any) => r.macro === "finplat_financial_app_container" && r.condition.includes('k8s.ns.name = "financial-app"')));
            assert.equal(rules.filter((r: any) => r.rule).length, 5);
        }
    });

    it("policy reports become metrics: kube-state-metrics reads PolicyReports when Kyverno runs", () => {
        const ksm = release(prod, "aws", "kube-prometheus-stack").inputs.values["kube-state-metrics"];
        assert.equal(ksm.customResourceState.enabled, true);
        assert.deepEqual(ksm.customResourceState.config.spec.resources.map((r: any) => r.groupVersionKind.kind), ["PolicyReport", "ClusterPolicyReport"]);
        assert.deepEqual(ksm.rbac.extraRules, [{ apiGroups: ["wgpolicyk8s.io"], resources: ["policyreports", "clusterpolicyreports"], verbs: ["list", "watch"] }]);
        assert.deepEqual(unknownValueKeys("kube-state-metrics", "8.4.0", ksm), []);
    });

    it("the namespaces labelled privileged are exactly the documented node-agent namespaces; the app's is restricted and checked by every policy", () => {
        for (const ev of [dev, prod]) {
            const namespaces = ev.ofType("kubernetes:core/v1:Namespace");
            const privileged = [...new Set(namespaces.filter((n) => n.inputs.metadata.labels?.["pod-security.kubernetes.io/enforce"] === "privileged").map((n) => n.inputs.metadata.name))].sort();
            assert.deepEqual(privileged, Object.keys(PRIVILEGED_NAMESPACES).sort());
            const app = namespaces.find((n) => n.inputs.metadata.name === "financial-app")!;
            assert.equal(app.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            for (const p of CLUSTERS.flatMap((cloud) => kyvernoPolicies(ev, cloud))) {
                const excluded: string[] = p.inputs.spec.matchConstraints.namespaceSelector.matchExpressions[0].values;
                assert.ok(!excluded.includes("financial-app"), `${p.inputs.metadata.name} covers the app`);
                for (const ns of Object.keys(SYSTEM_NAMESPACES)) assert.ok(excluded.includes(ns), `${p.inputs.metadata.name} skips ${ns}`);
            }
        }
    });
});
