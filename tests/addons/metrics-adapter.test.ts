import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../components/addons/charts";
import { MetricsAdapter, REQUESTS_PER_SECOND_METRIC, requestsPerSecondRule } from "../../components/addons/metrics-adapter";
import { NAMESPACES, PROMETHEUS } from "../../components/addons/well-known";
import { SYSTEM_POOL_TOLERATION, defaultPlacement } from "../../components/cluster/contract";
import { Evaluation, evaluate } from "../../commands/offline/harness";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { fakeCluster } from "../support/fake-cluster";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const PROMETHEUS_SERVICE = "http://kps-prometheus.monitoring.svc";

class Monitoring extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Monitoring", name, {});
    }
}

async function evaluateBoth(zones?: string[]): Promise<Evaluation> {
    return evaluate({
        project: "t",
        stack: "t",
        config: {},
        program: () => {
            for (const cloud of ["aws", "azure"] as const) {
                const fake = fakeCluster(cloud);
                const cluster = zones ? { ...fake, placement: defaultPlacement(zones) } : fake;
                const monitoring = new Monitoring(`monitoring-${cloud}`);
                new MetricsAdapter(`adapter-${cloud}`, { cluster, prometheusUrl: PROMETHEUS_SERVICE, prometheusPort: 9090, dependsOn: [monitoring] });
            }
        },
    });
}

describe("MetricsAdapter (prometheus-adapter)", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateBoth();
    });

    for (const cloud of ["aws", "azure"]) {
        describe(`on ${cloud}`, () => {
            const release = () => ev.named(RELEASE, `adapter-${cloud}`);

            it("installs the pinned prometheus-adapter as release prometheus-adapter in the monitoring namespace it does not own", () => {
                const r = release();
                assertPinnedRelease(r, CHARTS.prometheusAdapter, NAMESPACES.monitoring, "prometheus-adapter");
                assert.equal(ev.ofType("kubernetes:core/v1:Namespace").length, 0, "Monitoring owns the namespace");
                assert.ok(r.dependencies.includes(ev.named("test:index:Monitoring", `monitoring-${cloud}`).urn), "waits for Monitoring");
                assert.match(r.provider, new RegExp(`fake-${cloud}-k8s`));
                assert.equal(r.parent, ev.named("finplat:addons:MetricsAdapter", `adapter-${cloud}`).urn);
            });

            it("sets only values keys the pinned chart defines", () => {
                assert.deepEqual(unknownValueKeys(CHARTS.prometheusAdapter.chart, CHARTS.prometheusAdapter.version, release().inputs.values), []);
            });

            it("queries the kube-prometheus-stack Prometheus Service, port given separately", () => {
                const { prometheus } = release().inputs.values;
                assert.deepEqual(prometheus, { url: PROMETHEUS_SERVICE, port: 9090 });
                assert.equal(`${prometheus.url}:${prometheus.port}`, PROMETHEUS.url);
            });

            it("serves only the requests-per-second rule, not the chart's default rules", () => {
                const { rules } = release().inputs.values;
                assert.equal(rules.default, false);
                assert.deepEqual(rules.custom, [requestsPerSecondRule()]);
            });

            it("runs two replicas spread over zones with a PodDisruptionBudget, on the system pool, with requests and a memory limit", () => {
                const v = release().inputs.values;
                assert.equal(v.replicas, 2);
                assert.deepEqual(v.podDisruptionBudget, { enabled: true, maxUnavailable: 1 });
                assert.equal(v.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
                assert.deepEqual(v.topologySpreadConstraints[0].labelSelector.matchLabels, { "app.kubernetes.io/name": "prometheus-adapter", "app.kubernetes.io/instance": "prometheus-adapter" });
                assert.deepEqual(v.tolerations, [SYSTEM_POOL_TOLERATION]);
                assert.deepEqual(v.nodeSelector, { "platform.finplat.io/pool": "system" });
                assertRequestsAndMemoryLimit(v.resources, "prometheus-adapter");
            });
        });
    }

    it("turns http_requests_total{namespace,pod} into the per-pod rate http_requests_per_second", () => {
        const rule = requestsPerSecondRule() as any;
        assert.equal(REQUESTS_PER_SECOND_METRIC, "http_requests_per_second");
        assert.equal(rule.seriesQuery, 'http_requests_total{namespace!="",pod!=""}');
        assert.deepEqual(rule.resources.overrides, { namespace: { resource: "namespace" }, pod: { resource: "pod" } });
        // What the adapter does with name.matches/as: a regexp replace on the series name.
        assert.equal("http_requests_total".replace(new RegExp(rule.name.matches), rule.name.as), REQUESTS_PER_SECOND_METRIC);
        assert.equal(rule.metricsQuery, "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)");
    });

    it("exports the metric name the HPA asks for", async () => {
        let metricName: string | undefined;
        await evaluateOnFakeCluster("aws", (cluster) => {
            metricName = new MetricsAdapter("adapter", { cluster, prometheusUrl: PROMETHEUS_SERVICE, prometheusPort: 9090 }).metricName;
        });
        assert.equal(metricName, REQUESTS_PER_SECOND_METRIC);
    });

    it("runs one replica without a PodDisruptionBudget on a cluster with fewer than three zones", async () => {
        const small = await evaluateBoth(["1"]);
        const v = small.named(RELEASE, "adapter-azure").inputs.values;
        assert.equal(v.replicas, 1);
        assert.equal(v.podDisruptionBudget.enabled, false);
    });

    it("rejects a Prometheus URL that already carries a port (the chart appends one)", async () => {
        await assert.rejects(
            evaluateOnFakeCluster("aws", (cluster) => {
                new MetricsAdapter("adapter", { cluster, prometheusUrl: PROMETHEUS.url, prometheusPort: 9090 });
            }),
            /prometheusUrl must not carry a port/,
        );
    });
});
