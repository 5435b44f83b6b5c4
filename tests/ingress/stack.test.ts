/**
 * The whole program with each value of platform.ingress.controller, on both
 * clusters: the right objects and only those, the same public names, the other
 * add-ons following, and a switch that touches nothing but the ingress layer.
 */
import { strict as assert } from "assert";
import { ResourceChange, diffEvaluations } from "../../commands/drill/simulate";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { pinnedChartOf } from "../support/addon-testing";
import { kubernetesObjects, modelModule, validateKubernetesResources } from "../support/k8s-schema";
import { stackEvaluation } from "../support/stacks";
import { PackResult, formatViolation, runPack } from "../policy/run-policies";

const ENVOY_GATEWAY = ["platform.ingress.controller=envoy-gateway"];
const CLUSTERS = { aws: "pair-aws", azure: "pair-azure" } as const;
const T = {
    release: "kubernetes:helm.sh/v3:Release",
    crds: "kubernetes:helm.sh/v4:Chart",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    envoyProxy: "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy",
    healthCheck: "aws:route53/healthCheck:HealthCheck",
    record: "aws:route53/record:Record",
} as const;

const onCluster = (ev: Evaluation, cluster: string, type: string) => ev.ofType(type).filter((r) => r.provider.includes(`::${cluster}-k8s::`));
const chartsOn = (ev: Evaluation, cluster: string) => onCluster(ev, cluster, T.release).map((r) => pinnedChartOf(r)!.chart);
const GATEWAY_API = /^kubernetes:gateway\.(networking\.k8s|envoyproxy)\.io\//;

describe("platform.ingress.controller on the whole stack (prod)", function () {
    this.timeout(120_000);
    let nginx: Evaluation;
    let envoy: Evaluation;
    before(async () => {
        [nginx, envoy] = await Promise.all([stackEvaluation("prod"), stackEvaluation("prod", ENVOY_GATEWAY)]);
    });

    for (const [cloud, cluster] of Object.entries(CLUSTERS)) {
        it(`ingress-nginx (the default) installs only ingress-nginx's objects on ${cloud}: its release and the app's Ingresses, no Gateway API object or CRD`, () => {
            assert.ok(chartsOn(nginx, cluster).includes("ingress-nginx"));
            assert.ok(!chartsOn(nginx, cluster).some((c) => c.startsWith("gateway-")));
            assert.deepEqual(onCluster(nginx, cluster, T.ingress).map((i) => i.inputs.metadata.name), ["financial-app"]);
            assert.deepEqual(nginx.resources.filter((r) => GATEWAY_API.test(r.type) || r.type === T.crds).map((r) => r.name), []);
            assert.equal(nginx.outputs.clusters[cloud].ingressController, "ingress-nginx");
        });

        it(`envoy-gateway installs only Envoy Gateway's objects on ${cloud}: CRDs, controller, EnvoyProxy, GatewayClass, Gateway and the app's HTTPRoute; no ingress-nginx, no Ingress`, () => {
            assert.ok(chartsOn(envoy, cluster).includes("gateway-helm"));
            assert.ok(!chartsOn(envoy, cluster).includes("ingress-nginx"));
            assert.deepEqual(onCluster(envoy, cluster, T.ingress), []);
            const kinds = envoy.resources.filter((r) => r.provider.includes(`::${cluster}-k8s::`) && (GATEWAY_API.test(r.type) || r.type === T.crds)).map((r) => r.type.split(":").pop()).sort();
            assert.deepEqual(kinds, ["BackendTLSPolicy", "BackendTrafficPolicy", "Chart", "ClientTrafficPolicy", "EnvoyProxy", "Gateway", "GatewayClass", "HTTPRoute"]);
            assert.equal(envoy.outputs.clusters[cloud].ingressController, "envoy-gateway");
            assert.deepEqual(envoy.outputs.clusters[cloud].ingressAlsoRunning, []);
        });

        it(`with envoy-gateway, ${cloud} serves the same names as with ingress-nginx (its own and the global one), with a certificate from the same issuer, and publishes the same one`, () => {
            const [ingress] = onCluster(nginx, cluster, T.ingress).filter((i) => i.inputs.metadata.name === "financial-app");
            const [gateway] = onCluster(envoy, cluster, T.gateway);
            const [route] = onCluster(envoy, cluster, T.route);
            const names = ingress.inputs.spec.tls[0].hosts;
            assert.deepEqual(names, [`app.${cloud}.fin.example.com`, "app.fin.example.com"]);
            assert.deepEqual(gateway.inputs.spec.listeners.map((l: any) => l.hostname), names);
            assert.deepEqual(route.inputs.spec.hostnames, names);
            assert.equal(gateway.inputs.metadata.annotations["cert-manager.io/cluster-issuer"], ingress.inputs.metadata.annotations["cert-manager.io/cluster-issuer"]);
            const published = (r: RecordedResource) => r.inputs.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"];
            assert.equal(published(route), published(ingress));
            // The route attaches to this cluster's Gateway, which admits the app's namespace.
            assert.deepEqual(route.inputs.spec.parentRefs.map((p: any) => `${p.namespace}/${p.name}/${p.sectionName}`), gateway.inputs.spec.listeners.map((l: any) => `envoy-gateway-system/public/${l.name}`));
            assert.deepEqual(gateway.inputs.spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].values, [route.inputs.metadata.namespace]);
        });

        it(`the Envoy proxies get exactly the load balancer annotations ingress-nginx's Service gets on ${cloud} (from the cluster contract)`, () => {
            const [nginxRelease] = onCluster(nginx, cluster, T.release).filter((r) => pinnedChartOf(r)!.chart === "ingress-nginx");
            const [proxy] = onCluster(envoy, cluster, T.envoyProxy);
            assert.deepEqual(proxy.inputs.spec.provider.kubernetes.envoyService.annotations, nginxRelease.inputs.values.controller.service.annotations);
        });

        it(`cert-manager (Gateway support) and ExternalDNS (HTTPRoute source) follow on ${cloud}, after the Gateway API CRDs`, () => {
            const release = (chart: string) => onCluster(envoy, cluster, T.release).find((r) => pinnedChartOf(r)!.chart === chart)!;
            const [crds] = onCluster(envoy, cluster, T.crds);
            assert.equal(release("cert-manager").inputs.values.config.gatewayAPI.enabled, true);
            assert.ok(release("external-dns").inputs.values.sources.includes("gateway-httproute"));
            for (const chart of ["cert-manager", "external-dns", "gateway-helm"]) assert.ok(release(chart).dependencies.includes(crds.urn), `${chart} waits for the CRDs`);
            // Prod: HA Envoy proxies.
            assert.equal(onCluster(envoy, cluster, T.envoyProxy)[0].inputs.spec.provider.kubernetes.envoyDeployment.replicas, 3);
        });
    }

    it("the Route53 health checks probe the same cluster names, now served by Envoy Gateway, and say so", () => {
        for (const cloud of ["aws", "azure"]) {
            const check = (ev: Evaluation) => ev.named(T.healthCheck, `global-${cloud}-health`).inputs;
            assert.deepEqual([check(envoy).fqdn, check(envoy).resourcePath], [check(nginx).fqdn, check(nginx).resourcePath]);
            assert.equal(check(envoy).tags["ingress-controller"], "envoy-gateway");
            assert.equal(check(nginx).tags["ingress-controller"], "ingress-nginx");
            assert.equal(envoy.outputs.failover.targets[cloud].ingressController, "envoy-gateway");
        }
    });

    it("every Kubernetes object validates against its pinned schema (Gateway API v1.6.1 standard, Envoy Gateway v1.9.0 CRDs), unknown fields rejected, every one of them", async () => {
        const report = await validateKubernetesResources(envoy);
        assert.deepEqual(report.failures, []);
        assert.equal(report.validated, kubernetesObjects(envoy).length);
        assert.ok(kubernetesObjects(envoy).filter((r) => GATEWAY_API.test(r.type)).length >= 14, "the Gateway API objects were among them");
    });

    it("the Gateway API objects are also valid under @kubernetes-models/gateway-api 2.0.0 (which models Gateway API v1.5, one minor behind the pinned v1.6.1)", async () => {
        const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, any>>;
        const objects = kubernetesObjects(envoy).filter((r) => r.type.startsWith("kubernetes:gateway.networking.k8s.io/"));
        for (const object of objects) {
            const [apiVersion, kind] = [object.type.split(":")[1], object.type.split(":")[2]];
            const Model = (await importModule(modelModule(apiVersion, kind)!))[kind];
            assert.doesNotThrow(() => new Model({ ...object.inputs, apiVersion, kind }).validate(), `${kind} ${object.name}`);
        }
        assert.equal(objects.length, 8, "Gateway, GatewayClass, HTTPRoute, BackendTLSPolicy on each cluster");
    });

    it("switching controllers replaces nothing, and changes only the ingress layer and its records: no cluster, network, store, key or database", () => {
        const changes = diffEvaluations(nginx, envoy);
        assert.deepEqual(changes.filter((c) => c.kind === "replace").map((c) => c.name), []);
        assert.deepEqual(changes.filter((c) => !isIngressLayer(c)).map(describeChange), []);
        // And the switch does change what it should.
        assert.ok(changes.some((c) => c.kind === "delete" && c.type === T.ingress));
        assert.ok(changes.some((c) => c.kind === "create" && c.type === T.route));
    });

    describe("policy pack", () => {
        let result: PackResult;
        before(async () => {
            result = await runPack(envoy.resources, { config: "prod" });
        });

        it("prod with envoy-gateway: zero violations, and the ingress TLS rules found the Gateways and routes", () => {
            assert.deepEqual(result.violations.map(formatViolation), []);
            assert.ok(result.applied["ingress-tls-required"] > 0);
            assert.equal(result.applied["gateway-no-plain-http-listener"], 2, "one Gateway per cluster");
        });
    });
});

/** What a controller switch may touch: the controllers, their objects, the app's routes, and the add-on settings and records that follow them. */
const INGRESS_LAYER: { type: RegExp; name: RegExp; kinds: ResourceChange["kind"][] }[] = [
    { type: /^finplat:addons:(IngressNginx|EnvoyGateway|PublicGateway|GatewayApiCrds)$/, name: /./, kinds: ["create", "delete"] },
    { type: /^kubernetes:helm\.sh\/v[34]:(Release|Chart)$/, name: /-platform-(ingress|envoy-gateway|gateway-api-crds)$/, kinds: ["create", "delete"] },
    { type: /^kubernetes:core\/v1:Namespace$/, name: /-platform-(ingress|envoy-gateway)-ns$/, kinds: ["create", "delete"] },
    { type: GATEWAY_API, name: /./, kinds: ["create", "delete"] },
    { type: /^kubernetes:monitoring\.coreos\.com\/v1:PodMonitor$/, name: /-envoy-gateway-(controller|proxy)-monitor$/, kinds: ["create", "delete"] },
    { type: /^kubernetes:networking\.k8s\.io\/v1:Ingress$/, name: /-app-(stable|canary)$/, kinds: ["create", "delete"] },
    // cert-manager's Gateway support and ExternalDNS's route source.
    { type: /^kubernetes:helm\.sh\/v3:Release$/, name: /-platform-(cert-manager|external-dns)$/, kinds: ["update"] },
    { type: /^kubernetes:networking\.k8s\.io\/v1:NetworkPolicy$/, name: /-app-allow-from-ingress-controller$/, kinds: ["update"] },
    // The health checks' tag naming the serving controller.
    { type: /^aws:route53\/healthCheck:HealthCheck$/, name: /-health$/, kinds: ["update"] },
];

function isIngressLayer(change: ResourceChange): boolean {
    const rule = INGRESS_LAYER.find((r) => r.type.test(change.type) && r.name.test(change.name));
    if (!rule || !rule.kinds.includes(change.kind)) return false;
    if (change.type === T.healthCheck) return change.changes.every((c) => c.path === "tags.ingress-controller");
    return true;
}

function describeChange(change: ResourceChange): string {
    return `${change.kind} ${change.type} ${change.name}${change.changes.length ? `: ${change.changes.map((c) => c.path).join(", ")}` : ""}`;
}
