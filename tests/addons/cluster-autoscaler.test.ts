import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../components/addons/charts";
import {
    AUTOSCALER_IMAGE_BY_MINOR,
    CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
    ClusterAutoscaler,
    autoscalerImageTag,
} from "../../components/addons/cluster-autoscaler";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { SYSTEM_POOL_TOLERATION } from "../../components/cluster/contract";
import { AutoscalerTuning } from "../../components/cluster/types";
import { Evaluation } from "../../commands/offline/harness";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { FakeCluster } from "../support/fake-cluster";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const TUNING: AutoscalerTuning = { expander: "least-waste", scaleDownUtilizationThreshold: 0.6, scaleDownUnneededTime: "15m" };

class MonitoringRelease extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:MonitoringRelease", name, {});
    }
}

async function evaluateAws(kubernetesVersion = "1.33", serviceMonitor = true) {
    let component: ClusterAutoscaler | undefined;
    const { ev, cluster } = await evaluateOnFakeCluster("aws", (fake) => {
        const monitoring = new MonitoringRelease("monitoring");
        component = new ClusterAutoscaler("autoscaler", { cluster: { ...fake, kubernetesVersion }, tuning: TUNING, serviceMonitor, dependsOn: [monitoring] });
    });
    return { ev, cluster, component: component! };
}

describe("ClusterAutoscaler (cluster-autoscaler chart)", () => {
    let ev: Evaluation;
    let cluster: FakeCluster;
    let component: ClusterAutoscaler;
    let values: any;
    before(async () => {
        ({ ev, cluster, component } = await evaluateAws());
        values = ev.named(RELEASE, "autoscaler").inputs.values;
    });

    it("installs the pinned cluster-autoscaler chart in kube-system, on the cluster's provider, after the monitoring CRDs", () => {
        const r = ev.named(RELEASE, "autoscaler");
        assertPinnedRelease(r, CHARTS.clusterAutoscaler, NAMESPACES.clusterAutoscaler, "cluster-autoscaler");
        assert.equal(ev.ofType("kubernetes:core/v1:Namespace").length, 0, "kube-system is not created or owned");
        assert.match(r.provider, /fake-aws-k8s/);
        assert.equal(r.parent, ev.named("finplat:addons:ClusterAutoscaler", "autoscaler").urn);
        assert.ok(r.dependencies.includes(ev.named("test:index:MonitoringRelease", "monitoring").urn));
    });

    it("sets only values keys the pinned chart defines", () => {
        assert.deepEqual(unknownValueKeys(CHARTS.clusterAutoscaler.chart, CHARTS.clusterAutoscaler.version, values), []);
    });

    it("requests exactly the node-autoscaling permission for the ServiceAccount the chart creates", () => {
        assert.equal(cluster.grants.length, 1);
        const { request } = cluster.grants[0];
        assert.deepEqual(request.permissions, [{ kind: "node-autoscaling" }]);
        assert.equal(request.namespace, NAMESPACES.clusterAutoscaler);
        assert.equal(request.serviceAccount, CLUSTER_AUTOSCALER_SERVICE_ACCOUNT);
        assert.equal(values.rbac.serviceAccount.name, request.serviceAccount, "the chart's ServiceAccount is named explicitly");
        assert.equal(values.rbac.serviceAccount.create, true);
        assert.deepEqual(values.rbac.serviceAccount.annotations, { "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/${cluster.grants[0].name}` });
        assert.equal(request.parent, component, "the identity's cloud resources live under the add-on");
    });

    it("discovers the cluster's node groups by their ASG tags in the cluster's region", () => {
        assert.equal(values.cloudProvider, "aws");
        assert.equal(values.awsRegion, "us-east-1");
        assert.deepEqual(values.autoDiscovery, {
            clusterName: "fake-aws-cluster",
            tags: ["k8s.io/cluster-autoscaler/enabled", "k8s.io/cluster-autoscaler/fake-aws-cluster"],
        });
    });

    it("runs the autoscaler release line of the cluster's Kubernetes minor: 1.33 → v1.33.6", () => {
        assert.equal(values.image.tag, "v1.33.6");
        assert.equal(values.image.repository, undefined, "the chart's registry.k8s.io image");
    });

    it("follows the cluster to another minor with another tag", async () => {
        const { ev: newer } = await evaluateAws("1.34");
        assert.equal(newer.named(RELEASE, "autoscaler").inputs.values.image.tag, "v1.34.5");
        assert.equal(autoscalerImageTag("1.31.7"), "v1.31.5", "patch versions map to their minor");
        for (const [minor, tag] of Object.entries(AUTOSCALER_IMAGE_BY_MINOR)) assert.ok(tag.startsWith(`v${minor}.`), minor);
    });

    it("refuses a Kubernetes minor it has no image for, before registering anything", async () => {
        await assert.rejects(evaluateAws("1.36"), (err: Error & { registered?: string[] }) => {
            assert.match(err.message, /no image for Kubernetes 1\.36; add its minor to AUTOSCALER_IMAGE_BY_MINOR/);
            assert.ok(!err.registered?.includes("finplat:addons:ClusterAutoscaler"));
            return true;
        });
    });

    it("passes the tuning and balances similar node groups", () => {
        assert.deepEqual(values.extraArgs, {
            expander: "least-waste",
            "scale-down-utilization-threshold": 0.6,
            "scale-down-unneeded-time": "15m",
            "balance-similar-node-groups": true,
            "skip-nodes-with-system-pods": false,
        });
    });

    it("runs a leader and a standby spread over zones, on the system pool, non-root, with requests and a memory limit", () => {
        assert.equal(values.replicaCount, 2);
        assert.deepEqual(values.podDisruptionBudget, { maxUnavailable: 1 });
        assert.equal(values.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        assert.deepEqual(values.tolerations, [SYSTEM_POOL_TOLERATION]);
        assert.deepEqual(values.nodeSelector, { "platform.finplat.io/pool": "system" });
        assert.equal(values.securityContext.runAsNonRoot, true);
        assert.equal(values.containerSecurityContext.allowPrivilegeEscalation, false);
        assertRequestsAndMemoryLimit(values.resources, "cluster-autoscaler");
    });

    it("creates a ServiceMonitor labelled for the monitoring release, and none when monitoring is off", async () => {
        assert.deepEqual(values.serviceMonitor, { enabled: true, namespace: NAMESPACES.monitoring, selector: MONITORING_SELECTOR_LABELS, interval: "30s" });
        const { ev: off } = await evaluateAws("1.33", false);
        assert.equal(off.named(RELEASE, "autoscaler").inputs.values.serviceMonitor.enabled, false);
    });

    it("refuses a cluster whose nodes are scaled by a managed autoscaler (AKS), registering nothing", async () => {
        let azure: FakeCluster | undefined;
        await assert.rejects(
            evaluateOnFakeCluster("azure", (cluster) => {
                azure = cluster;
                new ClusterAutoscaler("autoscaler", { cluster, tuning: TUNING, serviceMonitor: true });
            }),
            (err: Error & { registered?: string[] }) => {
                assert.match(err.message, /cluster fake-azure scales its nodes with mode "managed"/);
                assert.match(err.message, /only for clusters with nodeAutoscaling\.mode "cluster-autoscaler"/);
                assert.deepEqual(err.registered?.filter((t) => t !== "pulumi:pulumi:Stack" && t !== "pulumi:providers:kubernetes"), []);
                return true;
            },
        );
        assert.equal(azure!.grants.length, 0, "no identity requested");
    });
});
