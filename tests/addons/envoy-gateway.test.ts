import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { CertManager } from "../../components/addons/cert-manager";
import { EnvoyGateway, EnvoyGatewayArgs } from "../../components/addons/envoy-gateway";
import { ExternalDns } from "../../components/addons/external-dns";
import { GatewayApiCrds } from "../../components/addons/gateway-api-crds";
import { PublicGateway } from "../../components/addons/public-gateway";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { CLOUDS, CloudName, SYSTEM_POOL_TOLERATION } from "../../components/cluster/contract";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { kubernetesObjects, validateAllKubernetesResources } from "../support/k8s-schema";

const T = {
    release: "kubernetes:helm.sh/v3:Release",
    chartV4: "kubernetes:helm.sh/v4:Chart",
    envoyProxy: "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy",
    gatewayClass: "kubernetes:gateway.networking.k8s.io/v1:GatewayClass",
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    clientPolicy: "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy",
    podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
} as const;

const PROXY_PODS = {
    "app.kubernetes.io/name": "envoy",
    "app.kubernetes.io/component": "proxy",
    "app.kubernetes.io/managed-by": "envoy-gateway",
    "gateway.envoyproxy.io/owning-gateway-name": "public",
    "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
};

/** The ingress layer of one fake cluster: CRDs, Envoy Gateway and the public Gateway, as PlatformServices wires them. */
async function build(cloud: CloudName, args: Partial<Omit<EnvoyGatewayArgs, "cluster" | "crds">> = {}): Promise<Evaluation> {
    const { ev } = await evaluateOnFakeCluster(cloud, (cluster) => {
        const monitoring = new k8s.helm.v3.Release("monitoring", { chart: "kube-prometheus-stack" }, { provider: cluster.provider });
        const crds = new GatewayApiCrds(`${cluster.name}-gwapi`, { cluster });
        const eg = new EnvoyGateway(`${cluster.name}-eg`, { cluster, proxyReplicas: 3, serviceMonitor: true, crds, dependsOn: [monitoring], ...args });
        new PublicGateway(`${cluster.name}-gw`, {
            cluster,
            gatewayClassName: eg.gatewayClassName,
            hostnames: { cluster: `app.${cluster.dns.zoneName}`, global: "app.fin.example.com" },
            routeNamespaces: ["financial-app"],
            issuer: "letsencrypt-production",
            dependsOn: [eg.gatewayClass],
        });
    });
    return ev;
}

const only = (ev: Evaluation, type: string): RecordedResource => {
    const found = ev.ofType(type);
    assert.equal(found.length, 1, `one ${type}`);
    return found[0];
};

describe("Envoy Gateway add-on", () => {
    const evs = {} as Record<CloudName, Evaluation>;
    before(async () => {
        for (const cloud of CLOUDS) evs[cloud] = await build(cloud);
    });

    it("installs the Gateway API CRDs of the standard channel and Envoy Gateway's CRDs from gateway-crds-helm at the controller's version, applied by Pulumi", () => {
        const chart = only(evs.aws, T.chartV4);
        assert.equal(chart.inputs.chart, "oci://docker.io/envoyproxy/gateway-crds-helm");
        assert.equal(chart.inputs.version, CHARTS.envoyGateway.version, "CRDs and controller from one Envoy Gateway release");
        assert.deepEqual(chart.inputs.values, { crds: { gatewayAPI: { enabled: true, channel: "standard" }, envoyGateway: { enabled: true } } });
        assert.deepEqual(unknownValueKeys(CHARTS.envoyGatewayCrds.chart, CHARTS.envoyGatewayCrds.version, chart.inputs.values), []);
        assert.match(chart.provider, /fake-aws-k8s/);
    });

    for (const cloud of CLOUDS) {
        it(`installs the pinned gateway-helm chart from its OCI registry into ${NAMESPACES.envoyGateway}, without its own (experimental-channel) CRDs, after the CRDs (${cloud})`, () => {
            const release = evs[cloud].named(T.release, `fake-${cloud}-eg`);
            assertPinnedRelease(release, CHARTS.envoyGateway, NAMESPACES.envoyGateway, "envoy-gateway");
            assert.deepEqual(release.inputs.values.crds, { enabled: false });
            assert.deepEqual(unknownValueKeys(CHARTS.envoyGateway.chart, CHARTS.envoyGateway.version, release.inputs.values), []);
            // Depending on the GatewayApiCrds component means depending on its chart (Pulumi waits for every CRD in it).
            const crds = evs[cloud].named(T.chartV4, `fake-${cloud}-gwapi`);
            assert.ok(release.dependencies.includes(crds.urn));
            assert.match(release.provider, new RegExp(`fake-${cloud}-k8s`));
        });

        it(`runs the controller on the system pool, two replicas spread over three zones with a PDB (${cloud})`, () => {
            const { deployment, podDisruptionBudget, certgen } = evs[cloud].named(T.release, `fake-${cloud}-eg`).inputs.values;
            assert.equal(deployment.replicas, 2);
            assert.deepEqual(podDisruptionBudget, { minAvailable: 1 });
            assert.deepEqual(deployment.pod.tolerations, [SYSTEM_POOL_TOLERATION]);
            assert.deepEqual(deployment.pod.nodeSelector, { "platform.finplat.io/pool": "system" });
            assert.deepEqual(deployment.pod.topologySpreadConstraints[0].labelSelector.matchLabels,
                { "control-plane": "envoy-gateway", "app.kubernetes.io/name": "gateway-helm", "app.kubernetes.io/instance": "envoy-gateway" });
            assertRequestsAndMemoryLimit(deployment.envoyGateway.resources, "controller");
            assert.deepEqual(certgen.job.tolerations, [SYSTEM_POOL_TOLERATION]);
            assertRequestsAndMemoryLimit(certgen.job.resources, "certgen job");
        });

        it(`gives the proxies the cluster contract's load balancer, client IPs preserved, HA replicas with a PDB, spread over zones on the workload pool (${cloud})`, () => {
            const { kubernetes } = only(evs[cloud], T.envoyProxy).inputs.spec.provider;
            const expected = cloud === "aws"
                ? { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb", "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true" }
                : { "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz" };
            assert.deepEqual(kubernetes.envoyService, { type: "LoadBalancer", externalTrafficPolicy: "Local", annotations: expected });
            assert.equal(kubernetes.envoyDeployment.replicas, 3);
            assert.deepEqual(kubernetes.envoyPDB, { minAvailable: 1 });
            assert.deepEqual(kubernetes.envoyDeployment.pod.topologySpreadConstraints, [{
                maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: PROXY_PODS },
            }]);
            assert.equal(kubernetes.envoyDeployment.pod.tolerations, undefined, "user traffic stays off the system pool");
            assertRequestsAndMemoryLimit(kubernetes.envoyDeployment.container.resources, "envoy proxy");
        });
    }

    for (const cloud of CLOUDS) {
        it(`every object of the layer validates against its pinned schema: Namespace, EnvoyProxy, GatewayClass, Gateway, ClientTrafficPolicy, PodMonitors (${cloud})`, async () => {
            const kinds = kubernetesObjects(evs[cloud]).map((r) => r.type.split(":").pop()).sort();
            assert.deepEqual(kinds, ["ClientTrafficPolicy", "EnvoyProxy", "Gateway", "GatewayClass", "Namespace", "PodMonitor", "PodMonitor"]);
            assert.deepEqual(await validateAllKubernetesResources(evs[cloud]), []);
        });
    }

    it("a single proxy gets no PDB (it would block every node drain)", async () => {
        const ev = await build("azure", { proxyReplicas: 1 });
        assert.equal(only(ev, T.envoyProxy).inputs.spec.provider.kubernetes.envoyPDB, undefined);
        assert.deepEqual(await validateAllKubernetesResources(ev), []);
    });

    it("the GatewayClass names Envoy Gateway's controller and the EnvoyProxy, which wait for the CRDs and the controller", () => {
        const ev = evs.aws;
        const gatewayClass = only(ev, T.gatewayClass);
        const proxy = only(ev, T.envoyProxy);
        assert.deepEqual(gatewayClass.inputs.spec, {
            controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
            parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: proxy.inputs.metadata.name, namespace: "envoy-gateway-system" },
        });
        assert.equal(proxy.inputs.metadata.namespace, "envoy-gateway-system");
        const crds = ev.named(T.chartV4, "fake-aws-gwapi");
        const release = ev.named(T.release, "fake-aws-eg");
        for (const r of [gatewayClass, proxy]) assert.ok(r.dependencies.includes(crds.urn) && r.dependencies.includes(release.urn), r.name);
        assert.ok(gatewayClass.dependencies.includes(proxy.urn));
    });

    it("scrapes the controller's /metrics and the proxies' Envoy stats with PodMonitors Prometheus selects", () => {
        const monitors = Object.fromEntries(evs.aws.ofType(T.podMonitor).map((m) => [m.inputs.metadata.name, m.inputs]));
        assert.deepEqual(Object.keys(monitors).sort(), ["envoy-gateway-controller", "envoy-gateway-proxy"]);
        assert.deepEqual(monitors["envoy-gateway-proxy"].spec, { selector: { matchLabels: PROXY_PODS }, podMetricsEndpoints: [{ port: "metrics", path: "/stats/prometheus" }] });
        assert.deepEqual(monitors["envoy-gateway-controller"].spec.podMetricsEndpoints, [{ port: "metrics", path: "/metrics" }]);
        for (const m of Object.values(monitors) as any[]) assert.deepEqual(m.metadata.labels, MONITORING_SELECTOR_LABELS);
    });

    it("creates no PodMonitor when monitoring is off", async () => {
        assert.deepEqual((await build("aws", { serviceMonitor: false })).ofType(T.podMonitor), []);
    });

    it("rejects a proxy replica count that is not a positive integer", async () => {
        await assert.rejects(build("aws", { proxyReplicas: 0 }), /proxyReplicas must be a positive integer/);
    });
});

describe("the public Gateway", () => {
    const evs = {} as Record<CloudName, Evaluation>;
    before(async () => {
        for (const cloud of CLOUDS) evs[cloud] = await build(cloud);
    });

    for (const cloud of CLOUDS) {
        it(`has one HTTPS listener per public name (the cluster's and the global one) on one cert-manager certificate, and no plain-HTTP listener (${cloud})`, () => {
            const gateway = only(evs[cloud], T.gateway).inputs;
            assert.deepEqual([gateway.metadata.namespace, gateway.metadata.name, gateway.spec.gatewayClassName], ["envoy-gateway-system", "public", "envoy-gateway"]);
            const tls = { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "public-gateway-tls" }] };
            assert.deepEqual(gateway.spec.listeners.map((l: any) => [l.name, l.protocol, l.port, l.hostname, l.tls]), [
                ["https-cluster", "HTTPS", 443, `app.${cloud}.fin.example.com`, tls],
                ["https-global", "HTTPS", 443, "app.fin.example.com", tls],
            ]);
            assert.equal(gateway.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-production");
            assert.equal(gateway.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.addresses[0].value}", "waits for the load balancer's address");
        });
    }

    it("admits HTTPRoutes from the app's namespace only", () => {
        for (const listener of only(evs.aws, T.gateway).inputs.spec.listeners) {
            assert.deepEqual(listener.allowedRoutes, {
                namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["financial-app"] }] } },
                kinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }],
            });
        }
    });

    it("does on the Gateway what nginx's global config did: TLS 1.2+, HSTS with subdomains and the security headers; X-Forwarded-For is not trusted", () => {
        const policy = only(evs.aws, T.clientPolicy).inputs;
        assert.deepEqual(policy.spec.targetRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public" }]);
        assert.equal(policy.metadata.namespace, "envoy-gateway-system");
        assert.deepEqual(policy.spec.tls, { minVersion: "1.2" });
        assert.deepEqual(policy.spec.headers.lateResponseHeaders.set, [
            { name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" },
            { name: "X-Content-Type-Options", value: "nosniff" },
            { name: "X-Frame-Options", value: "DENY" },
            { name: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ]);
        // Envoy Gateway v1.9 without clientIPDetection: use_remote_address, 0 trusted XFF hops (the TCP peer is the client).
        assert.equal(policy.spec.clientIPDetection, undefined);
    });
});

describe("cert-manager and ExternalDNS follow the Gateway", () => {
    it("cert-manager turns on its Gateway API support, and rolls its controller when that configuration changes", async () => {
        const { ev } = await evaluateOnFakeCluster("aws", (cluster) => {
            new CertManager("with", { cluster, acmeEmail: "p@fin.example.com", serviceMonitor: false, gatewayApi: true });
            new CertManager("without", { cluster, acmeEmail: "p@fin.example.com", serviceMonitor: false });
        });
        const values = ev.named(T.release, "with").inputs.values;
        assert.deepEqual(values.config, { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", gatewayAPI: { enabled: true } });
        assert.match(values.podAnnotations["checksum/config"], /^[0-9a-f]{64}$/);
        assert.deepEqual(unknownValueKeys(CHARTS.certManager.chart, CHARTS.certManager.version, values), []);
        const without = ev.named(T.release, "without").inputs.values;
        assert.equal(without.config, undefined, "stacks without Gateways keep the chart's configuration untouched");
        assert.equal(without.podAnnotations, undefined);
    });

    it("ExternalDNS also reads HTTPRoutes, pointing them only at the platform Gateway namespace's addresses (the chart grants gateways, httproutes, namespaces read)", async () => {
        const { ev } = await evaluateOnFakeCluster("azure", (cluster) => {
            new ExternalDns("with", { cluster, policy: "upsert-only", ownerId: "o", domainFilters: [cluster.dns.zoneName], serviceMonitor: false, gatewayNamespace: "envoy-gateway-system" });
        });
        const values = ev.named(T.release, "with").inputs.values;
        assert.deepEqual(values.sources, ["ingress", "service", "gateway-httproute"]);
        assert.equal(values.gatewayNamespace, "envoy-gateway-system");
        assert.equal(values.rbac, undefined, "the chart's ClusterRole follows `sources`: no extra permissions");
        assert.deepEqual(unknownValueKeys(CHARTS.externalDns.chart, CHARTS.externalDns.version, values), []);
    });
});
