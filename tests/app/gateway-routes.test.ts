import { strict as assert } from "assert";
import { argsProblems } from "../../components/app/validation";
import { ClusterHandle } from "../../components/cluster/contract";
import { Evaluation } from "../../commands/offline/harness";
import { validateAllKubernetesResources } from "../support/k8s-schema";
import { ArgsOverrides, CLOUDS, TYPES, appArgs, evaluateApp, objectNamed } from "./app-fixture";

const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const BACKEND_TLS = "kubernetes:gateway.networking.k8s.io/v1:BackendTLSPolicy";
const TRAFFIC = "kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy";
const GLOBAL = "app.fin.example.com";
const GATEWAY = { name: "public", namespace: "envoy-gateway-system", listeners: { cluster: "https-cluster", global: "https-global" } };
const ENVOY: ArgsOverrides = { publicEntry: { serving: "envoy-gateway", running: ["envoy-gateway"], gateway: GATEWAY }, aliases: [GLOBAL] };
const parentRef = (sectionName: string) => ({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "envoy-gateway-system", sectionName });
const backend = (name: string, weight?: number) => ({ group: "", kind: "Service", name, port: 443, ...(weight === undefined ? {} : { weight }) });

const allAnnotations = (ev: Evaluation) => ev.resources.flatMap((r) => Object.keys(r.inputs.metadata?.annotations ?? {}));

for (const cloud of CLOUDS) {
    const host = `app.${cloud}.fin.example.com`;

    describe(`FinancialApp behind Envoy Gateway (${cloud})`, () => {
        let ev: Evaluation;
        before(async () => {
            ({ ev } = await evaluateApp(cloud, ENVOY));
        });

        it("routes the cluster's name and the global name through the Gateway's listener for each, publishing only the cluster's name", () => {
            const route = objectNamed(ev, ROUTE, "financial-app").inputs;
            assert.deepEqual(route.spec.parentRefs, [parentRef("https-cluster"), parentRef("https-global")]);
            assert.deepEqual(route.spec.hostnames, [host, GLOBAL]);
            assert.deepEqual(route.spec.rules[0].matches, [{ path: { type: "PathPrefix", value: "/" } }]);
            assert.equal(route.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"], host);
            assert.equal(route.metadata.annotations["external-dns.alpha.kubernetes.io/gateway-hostname-source"], "annotation-only", "the global name belongs to the Route53 failover records");
        });

        it("splits traffic by weighted backendRefs: the canary weight lands in the HTTPRoute", () => {
            assert.deepEqual(objectNamed(ev, ROUTE, "financial-app").inputs.spec.rules[0].backendRefs, [backend("financial-app", 90), backend("financial-app-canary", 10)]);
        });

        it("creates no Ingress and sets no nginx annotation anywhere", () => {
            assert.deepEqual(ev.ofType(TYPES.ingress), []);
            assert.deepEqual(allAnnotations(ev).filter((a) => a.startsWith("nginx.ingress.kubernetes.io/")), []);
        });

        it("verifies the pods' Envoy against the internal CA on both tracks' Services (BackendTLSPolicy), before the route exists", () => {
            const policy = objectNamed(ev, BACKEND_TLS, "financial-app");
            assert.deepEqual(policy.inputs.spec, {
                targetRefs: [
                    { group: "", kind: "Service", name: "financial-app", sectionName: "https" },
                    { group: "", kind: "Service", name: "financial-app-canary", sectionName: "https" },
                ],
                validation: {
                    caCertificateRefs: [{ group: "", kind: "Secret", name: "financial-app-internal-trust" }],
                    hostname: "financial-app.financial-app.svc",
                },
            });
            // The CA Secret is cert-manager's: the policy waits for its Certificate, the route for the policy.
            assert.ok(policy.dependencies.includes(objectNamed(ev, TYPES.certificate, "financial-app-internal-trust").urn));
            assert.ok(objectNamed(ev, ROUTE, "financial-app").dependencies.includes(policy.urn));
            const envoyNames = objectNamed(ev, TYPES.certificate, "financial-app-envoy-tls").inputs.spec.dnsNames;
            assert.ok(envoyNames.includes("financial-app.financial-app.svc") && envoyNames.includes("financial-app-canary.financial-app.svc"), "the name verified is on the certificate of both tracks");
        });

        it("every object it emits validates against its pinned schema (Gateway API v1.6.1 standard, Envoy Gateway v1.9.0 CRDs)", async () => {
            assert.deepEqual(await validateAllKubernetesResources(ev), []);
        });

        it("maps the edge limits to a BackendTrafficPolicy on the route: 60 s request timeout, 5 s connect, 413 above 1 MiB, no rate limit by default", () => {
            assert.deepEqual(objectNamed(ev, TRAFFIC, "financial-app").inputs.spec, {
                targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "financial-app" }],
                timeout: { http: { requestTimeout: "60s" }, tcp: { connectTimeout: "5s" } },
                requestBuffer: { limit: "1Mi" },
            });
        });
    });

    describe(`FinancialApp routes by controller (${cloud})`, () => {
        it("weight 0 creates no canary backend, Service or Deployment, and targets only the stable Service", async () => {
            const { ev } = await evaluateApp(cloud, { ...ENVOY, canary: { weight: 0, replicas: 1 } });
            assert.deepEqual(objectNamed(ev, ROUTE, "financial-app").inputs.spec.rules[0].backendRefs, [backend("financial-app")]);
            assert.deepEqual(objectNamed(ev, BACKEND_TLS, "financial-app").inputs.spec.targetRefs.map((t: any) => t.name), ["financial-app"]);
            assert.deepEqual(ev.resources.filter((r) => String(r.inputs.metadata?.name ?? "").includes("canary")).map((r) => r.type), []);
        });

        it("a configured rate limit becomes nginx's limit-rps and Envoy Gateway's local rate limit, with the same timeouts and body size on both", async () => {
            const edge = { requestTimeoutSeconds: 30, connectTimeoutSeconds: 3, maxRequestBodyMiB: 8, requestsPerSecond: 200 };
            const { ev } = await evaluateApp(cloud, { ...ENVOY, publicEntry: { serving: "envoy-gateway", running: ["envoy-gateway", "ingress-nginx"], gateway: GATEWAY }, edge });
            // The rate limit is rendered only here (no stack sets one): check it against the pinned CRD, not only by value.
            assert.deepEqual(await validateAllKubernetesResources(ev), []);
            const spec = objectNamed(ev, TRAFFIC, "financial-app").inputs.spec;
            assert.deepEqual(spec.rateLimit, { type: "Local", local: { rules: [{ limit: { requests: 200, unit: "Second" } }] } });
            assert.deepEqual([spec.timeout.http.requestTimeout, spec.timeout.tcp.connectTimeout, spec.requestBuffer.limit], ["30s", "3s", "8Mi"]);
            const a = objectNamed(ev, TYPES.ingress, "financial-app").inputs.metadata.annotations;
            assert.deepEqual(
                ["proxy-read-timeout", "proxy-send-timeout", "proxy-connect-timeout", "proxy-body-size", "limit-rps"].map((k) => a[`nginx.ingress.kubernetes.io/${k}`]),
                ["30", "30", "3", "8m", "200"],
            );
        });

        it("during a migration both controllers route to the app and only the serving one's route carries the hostname", async () => {
            const running = ["ingress-nginx", "envoy-gateway"] as const;
            for (const serving of running) {
                const { ev } = await evaluateApp(cloud, { ...ENVOY, publicEntry: { serving, running: [...running], gateway: GATEWAY } });
                const published = (type: string) => objectNamed(ev, type, "financial-app").inputs.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"];
                assert.equal(published(TYPES.ingress), serving === "ingress-nginx" ? host : undefined, `${serving} serves: Ingress`);
                assert.equal(published(ROUTE), serving === "envoy-gateway" ? host : undefined, `${serving} serves: HTTPRoute`);
                // Both still serve both names, with the same canary split.
                assert.deepEqual(objectNamed(ev, TYPES.ingress, "financial-app-canary").inputs.metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"], "10");
                assert.deepEqual(objectNamed(ev, ROUTE, "financial-app").inputs.spec.rules[0].backendRefs.map((b: any) => b.weight), [90, 10]);
            }
        });

        it("by default (ingress-nginx alone) creates no Gateway API object, and states nginx's own limits on the Ingress", async () => {
            const { ev } = await evaluateApp(cloud, { aliases: [GLOBAL] });
            assert.deepEqual(ev.resources.filter((r) => /gateway\.(networking\.k8s|envoyproxy)\.io/.test(r.type)), []);
            const a = objectNamed(ev, TYPES.ingress, "financial-app").inputs.metadata.annotations;
            assert.deepEqual([a["nginx.ingress.kubernetes.io/proxy-read-timeout"], a["nginx.ingress.kubernetes.io/proxy-connect-timeout"], a["nginx.ingress.kubernetes.io/proxy-body-size"]], ["60", "5", "1m"]);
            assert.equal(a["nginx.ingress.kubernetes.io/limit-rps"], undefined);
        });
    });
}

describe("FinancialApp public entry validation", () => {
    const cluster = { dns: { zoneName: "aws.fin.example.com" } } as ClusterHandle;
    const problems = (overrides: ArgsOverrides) => argsProblems(appArgs(cluster, overrides)).filter((p) => p.startsWith("publicEntry") || p.startsWith("edge"));

    it("refuses a second alias when envoy-gateway runs (the Gateway listens for one global name), and allows it on ingress-nginx alone", () => {
        const aliasProblems = (overrides: ArgsOverrides) => argsProblems(appArgs(cluster, overrides)).filter((p) => p.startsWith("aliases"));
        assert.deepEqual(aliasProblems({ ...ENVOY, aliases: [GLOBAL, "pay.fin.example.com"] }),
            [`aliases: 2 given (${GLOBAL}, pay.fin.example.com), but envoy-gateway's Gateway has one listener for aliases (the global name); give at most one`]);
        assert.deepEqual(aliasProblems({ ...ENVOY, publicEntry: { serving: "ingress-nginx", running: ["ingress-nginx", "envoy-gateway"], gateway: GATEWAY }, aliases: [GLOBAL, "pay.fin.example.com"] }).length, 1, "also while migrating");
        assert.deepEqual(aliasProblems({ aliases: [GLOBAL, "pay.fin.example.com"] }), []);
        assert.deepEqual(aliasProblems(ENVOY), []);
    });

    it("needs the Gateway to attach to when envoy-gateway routes, and the serving controller among the running ones", () => {
        assert.deepEqual(problems({ publicEntry: { serving: "envoy-gateway", running: ["envoy-gateway"] } }),
            ["publicEntry.gateway: required when envoy-gateway routes to the app (the Gateway and listeners its HTTPRoute attaches to)"]);
        assert.deepEqual(problems({ publicEntry: { serving: "envoy-gateway", running: ["ingress-nginx"], gateway: GATEWAY } }),
            ['publicEntry.running: must include the serving controller "envoy-gateway"']);
        assert.deepEqual(problems(ENVOY), []);
    });

    it("rejects edge limits nginx or Envoy would refuse", () => {
        assert.deepEqual(problems({ edge: { requestTimeoutSeconds: 60, connectTimeoutSeconds: 75, maxRequestBodyMiB: 0 } }), [
            "edge.connectTimeoutSeconds: 75 must be an integer from 1 to 60",
            "edge.maxRequestBodyMiB: 0 must be an integer from 1 to 1024",
        ]);
    });
});
