import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, chartSource } from "../../components/addons/charts";
import { installChart } from "../../components/addons/helm-addon";
import { deepMerge } from "../../components/addons/deep-merge";
import { assertPinnedRelease, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";

class Probe extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Probe", name);
    }
}

describe("add-on contract", () => {
    it("installs a pinned chart as a helm.v3.Release in its own namespace, with the cluster's provider, user values winning", async () => {
        const { ev } = await evaluateOnFakeCluster("aws", (cluster) => {
            const owner = new Probe("probe");
            installChart(owner, "probe-chart", {
                cluster,
                chart: CHARTS.ingressNginx,
                namespace: "ingress-nginx",
                releaseName: "ingress-nginx",
                values: { controller: { replicaCount: 2, service: { type: "LoadBalancer" } } },
                overrides: { controller: { replicaCount: 5 } },
            });
        });
        const release = ev.named("kubernetes:helm.sh/v3:Release", "probe-chart");
        const namespace = ev.named("kubernetes:core/v1:Namespace", "probe-chart-ns");
        assertPinnedRelease(release, CHARTS.ingressNginx, "ingress-nginx");
        assert.equal(release.inputs.values.controller.replicaCount, 5, "user override wins");
        assert.equal(release.inputs.values.controller.service.type, "LoadBalancer", "computed values survive the merge");
        assert.ok(release.dependencies.includes(namespace.urn), "release waits for its namespace");
        assert.match(release.provider, /fake-aws-k8s/);
        assert.match(release.parent, /Probe::probe$/);
    });

    it("installs an OCI-published chart by its full oci:// reference, without repository options", async () => {
        const { ev } = await evaluateOnFakeCluster("azure", (cluster) => {
            installChart(new Probe("probe"), "probe-oci", {
                cluster,
                chart: CHARTS.envoyGateway,
                namespace: "envoy-gateway-system",
                releaseName: "envoy-gateway",
                values: {},
            });
        });
        const release = ev.named("kubernetes:helm.sh/v3:Release", "probe-oci");
        assert.equal(release.inputs.chart, "oci://docker.io/envoyproxy/gateway-helm");
        assert.equal(release.inputs.version, "v1.9.0");
        assert.equal(release.inputs.repositoryOpts, undefined, "Helm resolves an OCI chart from its reference alone");
        assertPinnedRelease(release, CHARTS.envoyGateway, "envoy-gateway-system", "envoy-gateway");
        assert.deepEqual(chartSource(CHARTS.velero), { chart: "velero", repositoryOpts: { repo: "https://vmware-tanzu.github.io/helm-charts" } });
    });

    it("deep merge replaces lists and keeps null so users can delete chart defaults", () => {
        const merged = deepMerge({ a: { list: [1, 2], keep: 1, drop: "x" } }, { a: { list: [3], drop: null } });
        assert.deepEqual(merged, { a: { list: [3], keep: 1, drop: null } });
    });

    it("the key checker flags a mistyped values key and accepts real and free-form ones", () => {
        const { chart, version } = CHARTS.ingressNginx;
        assert.deepEqual(unknownValueKeys(chart, version, { controller: { replicaCount: 2, config: { "any-key": "x" }, service: { annotations: { a: "b" } } } }), []);
        assert.deepEqual(unknownValueKeys(chart, version, { controller: { replicaCnt: 2 } }), ["controller.replicaCnt"]);
        // Structured subtrees are checked too; only truly free-form maps are open.
        assert.deepEqual(unknownValueKeys("velero", CHARTS.velero.version, { configuration: { uploaderTyp: "kopia", features: "" } }), ["configuration.uploaderTyp"]);
        assert.deepEqual(unknownValueKeys("vault", CHARTS.vault.version, { server: { ha: { raft: { enabld: true } } } }), ["server.ha.raft.enabld"]);
    });
});
