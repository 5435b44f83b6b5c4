import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { IngressNginx, IngressNginxArgs, loadBalancerAddressOf } from "../../components/addons/ingress-nginx";
import { INGRESS_CLASS, MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { CloudName, CLOUDS } from "../../components/cluster/contract";
import { Evaluation } from "../../commands/offline/harness";
import { assertPinnedRelease, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";

const RELEASE = "kubernetes:helm.sh/v3:Release";

async function build(cloud: CloudName, args: Partial<Omit<IngressNginxArgs, "cluster">> = {}): Promise<Evaluation> {
    const { ev } = await evaluateOnFakeCluster(cloud, (cluster) => {
        const monitoring = new k8s.helm.v3.Release("monitoring", { chart: "kube-prometheus-stack" }, { provider: cluster.provider });
        const ingress = new IngressNginx(`${cluster.name}-ingress`, {
            cluster,
            replicas: 3,
            serviceMonitor: true,
            dependsOn: [monitoring],
            ...args,
        });
        return { ingressClassName: ingress.ingressClassName };
    });
    return ev;
}

const releaseOf = (ev: Evaluation, cloud: CloudName) => ev.named(RELEASE, `fake-${cloud}-ingress`);
const controllerOf = (ev: Evaluation, cloud: CloudName) => releaseOf(ev, cloud).inputs.values.controller;

describe("IngressNginx add-on", () => {
    const evs = {} as Record<CloudName, Evaluation>;
    before(async () => {
        for (const cloud of CLOUDS) evs[cloud] = await build(cloud);
    });

    for (const cloud of CLOUDS) {
        it(`installs the pinned ingress-nginx chart as release "ingress-nginx" in ${NAMESPACES.ingress}, under the component, with the ${cloud} cluster's provider`, () => {
            const release = releaseOf(evs[cloud], cloud);
            assertPinnedRelease(release, CHARTS.ingressNginx, NAMESPACES.ingress, "ingress-nginx");
            assert.match(release.parent, new RegExp(`finplat:addons:IngressNginx::fake-${cloud}-ingress$`));
            assert.match(release.provider, new RegExp(`fake-${cloud}-k8s`));
        });

        it(`sets only values keys the pinned chart defines (${cloud})`, () => {
            assert.deepEqual(unknownValueKeys(CHARTS.ingressNginx.chart, CHARTS.ingressNginx.version, releaseOf(evs[cloud], cloud).inputs.values), []);
        });

        it(`spreads the controller across zones by the cluster's topology key, selecting exactly the controller pods (${cloud})`, () => {
            assert.deepEqual(controllerOf(evs[cloud], cloud).topologySpreadConstraints, [{
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: {
                    matchLabels: {
                        "app.kubernetes.io/name": "ingress-nginx",
                        "app.kubernetes.io/instance": "ingress-nginx",
                        "app.kubernetes.io/component": "controller",
                    },
                },
            }]);
        });
    }

    it("runs the requested replicas with a PDB keeping one up, and no PDB setting for a single replica", async () => {
        const controller = controllerOf(evs.aws, "aws");
        assert.equal(controller.replicaCount, 3);
        assert.equal(controller.minAvailable, 1);
        const single = controllerOf(await build("aws", { replicas: 1 }), "aws");
        assert.equal(single.replicaCount, 1);
        assert.equal("minAvailable" in single, false);
    });

    it("rejects a replica count that is not a positive integer", async () => {
        await assert.rejects(build("aws", { replicas: 0 }), /replicas must be a positive integer/);
    });

    it("stays on the workload pool with memory-limited requests (no system-pool toleration)", () => {
        const controller = controllerOf(evs.aws, "aws");
        assert.equal(controller.tolerations, undefined);
        assert.equal(controller.nodeSelector, undefined);
        assert.deepEqual(controller.resources, { requests: { cpu: "200m", memory: "256Mi" }, limits: { memory: "512Mi" } });
    });

    it("fronts EKS with an NLB the built-in AWS service controller provisions, and nothing Azure-specific", () => {
        const service = controllerOf(evs.aws, "aws").service;
        assert.equal(service.type, "LoadBalancer");
        assert.deepEqual(service.annotations, {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
        });
    });

    it("points the Azure load balancer's health probe at /healthz, and nothing AWS-specific", () => {
        const service = controllerOf(evs.azure, "azure").service;
        assert.equal(service.type, "LoadBalancer");
        assert.deepEqual(service.annotations, { "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz" });
    });

    it("preserves the client IP with externalTrafficPolicy Local on both clouds", () => {
        for (const cloud of CLOUDS) assert.equal(controllerOf(evs[cloud], cloud).service.externalTrafficPolicy, "Local");
    });

    it("disallows snippet annotations and caps annotation risk at Medium (canary annotations are Low)", () => {
        const controller = controllerOf(evs.aws, "aws");
        assert.equal(controller.allowSnippetAnnotations, false);
        assert.equal(controller.enableAnnotationValidations, true);
        assert.equal(controller.config["annotations-risk-level"], "Medium");
        assert.equal(controller.config["allow-snippet-annotations"], undefined, "set through the chart key, not the ConfigMap");
    });

    it("hardens TLS and response headers: HSTS with subdomains, TLS 1.2+, no version banner, no trusted X-Forwarded-*", () => {
        const controller = controllerOf(evs.azure, "azure");
        assert.deepEqual(controller.config, {
            "annotations-risk-level": "Medium",
            hsts: "true",
            "hsts-include-subdomains": "true",
            "server-tokens": "false",
            "use-forwarded-headers": "false",
            "ssl-protocols": "TLSv1.2 TLSv1.3",
        });
        assert.deepEqual(controller.addHeaders, {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin",
        });
    });

    it("creates the default IngressClass the platform names, and keeps the admission webhook", () => {
        const controller = controllerOf(evs.aws, "aws");
        assert.deepEqual(controller.ingressClassResource, { name: INGRESS_CLASS, enabled: true, default: true });
        assert.equal(controller.admissionWebhooks.enabled, true);
        assert.equal(evs.aws.outputs.ingressClassName, INGRESS_CLASS);
    });

    it("scrapes metrics through a ServiceMonitor Prometheus selects, after the monitoring release", () => {
        const release = releaseOf(evs.aws, "aws");
        const metrics = release.inputs.values.controller.metrics;
        assert.equal(metrics.enabled, true);
        assert.deepEqual(metrics.serviceMonitor, { enabled: true, additionalLabels: MONITORING_SELECTOR_LABELS });
        const monitoring = evs.aws.named(RELEASE, "monitoring");
        assert.ok(release.dependencies.includes(monitoring.urn), "the ServiceMonitor CRD comes from the monitoring release");
    });

    it("creates no ServiceMonitor when monitoring is off", async () => {
        const metrics = controllerOf(await build("aws", { serviceMonitor: false, dependsOn: [] }), "aws").metrics;
        assert.equal(metrics.enabled, false);
        assert.equal(metrics.serviceMonitor.enabled, false);
    });

    it("lets the user's values win over the computed ones", async () => {
        const controller = controllerOf(await build("aws", { values: { controller: { config: { "annotations-risk-level": "Low" } } } }), "aws");
        assert.equal(controller.config["annotations-risk-level"], "Low");
        assert.equal(controller.config.hsts, "true", "other computed keys survive the merge");
    });

    it("reads the load balancer address as the hostname (AWS NLB) or the IP (Azure LB)", () => {
        assert.equal(loadBalancerAddressOf({ loadBalancer: { ingress: [{ hostname: "abc.elb.us-east-1.amazonaws.com" } as any] } } as any), "abc.elb.us-east-1.amazonaws.com");
        assert.equal(loadBalancerAddressOf({ loadBalancer: { ingress: [{ ip: "20.1.2.3" } as any] } } as any), "20.1.2.3");
        assert.equal(loadBalancerAddressOf({ loadBalancer: {} } as any), undefined);
        assert.equal(loadBalancerAddressOf(undefined), undefined);
    });
});
