import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { CloudNativePg } from "../../components/addons/cloudnative-pg";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { CloudName } from "../../components/cluster/contract";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";

const RELEASE = "kubernetes:helm.sh/v3:Release";

async function build(cloud: CloudName, serviceMonitor = true): Promise<{ ev: Evaluation; operator: RecordedResource; plugin: RecordedResource; stand: Record<string, string> }> {
    const stand: Record<string, string> = {};
    const { ev } = await evaluateOnFakeCluster(cloud, (cluster) => {
        // Stand-ins for the monitoring release (PodMonitor CRD) and cert-manager's issuers.
        const monitoring = new k8s.core.v1.ConfigMap("monitoring", { data: {} }, { provider: cluster.provider });
        const issuers = new k8s.core.v1.ConfigMap("cert-manager-issuers", { data: {} }, { provider: cluster.provider });
        new CloudNativePg("cnpg", { cluster, serviceMonitor, certManager: [issuers], dependsOn: [monitoring] });
    });
    for (const name of ["monitoring", "cert-manager-issuers"]) stand[name] = ev.named("kubernetes:core/v1:ConfigMap", name).urn;
    return { ev, operator: ev.named(RELEASE, "cnpg-operator"), plugin: ev.named(RELEASE, "cnpg-barman-cloud"), stand };
}

describe("CloudNativePG add-on (operator + Barman Cloud plugin)", () => {
    for (const cloud of ["aws", "azure"] as const) {
        describe(cloud, () => {
            let built: Awaited<ReturnType<typeof build>>;
            before(async () => {
                built = await build(cloud);
            });

            it("installs the pinned operator and plugin charts into one namespace (the plugin must sit next to the operator)", () => {
                assertPinnedRelease(built.operator, CHARTS.cloudnativePg, NAMESPACES.cloudnativePg, "cnpg");
                assertPinnedRelease(built.plugin, CHARTS.barmanCloudPlugin, NAMESPACES.cloudnativePg, "barman-cloud");
                assert.deepEqual([CHARTS.cloudnativePg.version, CHARTS.barmanCloudPlugin.version], ["0.29.0", "0.7.0"], "operator 1.30.0, plugin v0.13.0");
                const namespaces = built.ev.ofType("kubernetes:core/v1:Namespace");
                assert.deepEqual(namespaces.map((n) => n.inputs.metadata.name), [NAMESPACES.cloudnativePg], "one namespace, created once");
                assert.equal(namespaces[0].inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            });

            it("sets only keys the pinned charts define", () => {
                assert.deepEqual(unknownValueKeys("cloudnative-pg", CHARTS.cloudnativePg.version, built.operator.inputs.values), []);
                assert.deepEqual(unknownValueKeys("plugin-barman-cloud", CHARTS.barmanCloudPlugin.version, built.plugin.inputs.values), []);
            });

            it("orders the plugin after cert-manager's issuers (its chart issues its mTLS certificates) and after the operator", () => {
                assert.ok(built.plugin.dependencies.includes(built.stand["cert-manager-issuers"]), "plugin waits for cert-manager");
                assert.ok(built.plugin.dependencies.includes(built.operator.urn), "plugin waits for the operator and its CRDs");
                assert.ok(built.operator.dependencies.includes(built.stand.monitoring), "operator waits for the PodMonitor CRD");
                assert.ok(!built.operator.dependencies.includes(built.stand["cert-manager-issuers"]), "the operator itself needs no cert-manager");
            });

            it("scrapes the operator with a PodMonitor Prometheus selects, and watches every namespace", () => {
                const values = built.operator.inputs.values;
                assert.deepEqual(values.monitoring, { podMonitorEnabled: true, podMonitorAdditionalLabels: { ...MONITORING_SELECTOR_LABELS } });
                assert.equal(values.config.clusterWide, true, "the database and its PITR slot live outside cnpg-system");
                assert.equal(values.crds.create, true);
            });

            it("runs both on the system pool with requests and a memory limit", () => {
                for (const release of [built.operator, built.plugin]) {
                    const values = release.inputs.values;
                    assertRequestsAndMemoryLimit(values.resources, release.name);
                    assert.deepEqual(values.tolerations, [{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }]);
                    assert.deepEqual(values.nodeSelector, { "platform.finplat.io/pool": "system" });
                }
            });
        });
    }

    it("renders no PodMonitor without monitoring", async () => {
        const { operator } = await build("aws", false);
        assert.equal(operator.inputs.values.monitoring.podMonitorEnabled, false);
    });
});
