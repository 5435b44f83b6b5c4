/**
 * The public health route: Route53 probes https://<host><healthCheckPath> through
 * ingress-nginx and Envoy. Envoy must send exactly that path to the app's
 * management listener (where /healthz lives) and nothing else of it: /metrics
 * and every other path stay on the business port.
 */
import { strict as assert } from "assert";
import { envoyBootstrap } from "../../components/app/envoy-config";
import { HEALTH_PATHS, PORTS } from "../../components/app/layout";
import { healthCheckPathProblems } from "../../components/app/validation";
import { CLOUDS, TYPES, defaultEvaluation, evaluateApp, objectNamed } from "./app-fixture";
import { Evaluation } from "../../commands/offline/harness";

const MANAGEMENT = "financial_service_management";
const BUSINESS = "financial_service";

function envoyOf(ev: Evaluation): any {
    return JSON.parse(objectNamed(ev, TYPES.configMap, "financial-app-envoy").inputs.data["envoy.json"]);
}

function httpsRoutes(bootstrap: any): any[] {
    const https = bootstrap.static_resources.listeners.find((l: any) => l.name === "https");
    return https.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
}

function clusterAddress(bootstrap: any, name: string): unknown {
    const cluster = bootstrap.static_resources.clusters.find((c: any) => c.name === name);
    assert.ok(cluster, `cluster ${name} exists`);
    return cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
}

/** Envoy's route selection for the matchers this config uses: the first route that matches wins. */
function clusterFor(routes: any[], path: string): string | undefined {
    for (const r of routes) {
        const keys = Object.keys(r.match);
        assert.deepEqual(keys.filter((k) => k !== "path" && k !== "prefix"), [], `only path/prefix matchers are modelled, got ${keys}`);
        const hit = r.match.path !== undefined ? path === r.match.path : path.startsWith(r.match.prefix);
        if (hit) return r.route?.cluster;
    }
    return undefined;
}

for (const cloud of CLOUDS) {
    describe(`FinancialApp public health route (${cloud})`, () => {
        it("routes exactly /healthz (path match, not prefix) to a management cluster on 127.0.0.1:9102, before the catch-all", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const bootstrap = envoyOf(ev);
            const routes = httpsRoutes(bootstrap);
            const health = routes.findIndex((r) => r.route?.cluster === MANAGEMENT);
            const catchAll = routes.findIndex((r) => r.match.prefix === "/");
            assert.ok(health >= 0, "a route to the management cluster exists");
            assert.deepEqual(routes[health].match, { path: HEALTH_PATHS.live }, "exact path match only");
            assert.ok(catchAll >= 0 && health < catchAll, "the health route comes before the catch-all");
            assert.equal(routes[catchAll].route.cluster, BUSINESS);
            assert.equal(catchAll, routes.length - 1, "the catch-all is last");
            assert.deepEqual(clusterAddress(bootstrap, MANAGEMENT), { address: "127.0.0.1", port_value: PORTS.appMetrics });
            assert.deepEqual(clusterAddress(bootstrap, BUSINESS), { address: "127.0.0.1", port_value: PORTS.appHttp });
        });

        it("never routes /metrics or anything but the exact health path to the management listener", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const routes = httpsRoutes(envoyOf(ev));
            assert.deepEqual(routes.filter((r) => r.route?.cluster === MANAGEMENT).map((r) => r.match), [{ path: "/healthz" }], "one management route");
            for (const r of routes) assert.ok(!JSON.stringify(r.match).includes("/metrics"), "no route names /metrics");
            assert.equal(clusterFor(routes, "/healthz"), MANAGEMENT);
            for (const path of ["/metrics", "/readyz", "/healthz/", "/healthz/metrics", "/healthzz", "/", "/api/v1/ledger"]) {
                assert.equal(clusterFor(routes, path), BUSINESS, `${path} goes to the business port`);
            }
        });

        it("honours a custom healthCheckPath and drops the default one", async () => {
            const { ev } = await evaluateApp(cloud, { healthCheckPath: "/readyz" });
            const bootstrap = envoyOf(ev);
            const routes = httpsRoutes(bootstrap);
            assert.deepEqual(routes[0], { match: { path: "/readyz" }, route: { cluster: MANAGEMENT, timeout: "5s" } });
            assert.equal(clusterFor(routes, "/readyz"), MANAGEMENT);
            assert.equal(clusterFor(routes, "/healthz"), BUSINESS);
            assert.equal(clusterFor(routes, "/metrics"), BUSINESS);
            assert.deepEqual(clusterAddress(bootstrap, MANAGEMENT), { address: "127.0.0.1", port_value: PORTS.appMetrics });
        });

        it("leaves the kubelet-facing health listener unchanged", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const health = envoyOf(ev).static_resources.listeners.find((l: any) => l.name === "health");
            const routes = health.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
            assert.ok(!routes.some((r: any) => r.route?.cluster === MANAGEMENT));
        });
    });
}

describe("FinancialApp healthCheckPath validation", () => {
    it("defaults to /healthz in the renderer too", () => {
        assert.deepEqual(httpsRoutes(envoyBootstrap("financial-app"))[0].match, { path: "/healthz" });
    });

    it("accepts ordinary health paths", () => {
        for (const path of ["/healthz", "/readyz", "/status/live", "/health-check_v2.json"]) assert.deepEqual(healthCheckPathProblems(path), [], path);
    });

    it("rejects /, /metrics (any case, and below it) and paths without a leading slash", () => {
        assert.match(healthCheckPathProblems("/")[0], /whole management listener/);
        for (const path of ["/metrics", "/METRICS", "/metrics/prometheus"]) assert.match(healthCheckPathProblems(path)[0], /metrics stays internal/, path);
        assert.match(healthCheckPathProblems("healthz")[0], /must start with \//);
        assert.match(healthCheckPathProblems("")[0], /must start with \//);
    });

    it("rejects paths Envoy would never match after normalization", () => {
        for (const path of ["/healthz/", "/a//b", "/a/../metrics", "/./healthz", "/healthz?full=1", "/health z"]) {
            assert.match(healthCheckPathProblems(path)[0], /normalized path/, path);
        }
    });

    it("fails the component with every problem named", async () => {
        await assert.rejects(evaluateApp("aws", { healthCheckPath: "/metrics" }), /FinancialApp "aws-app" has invalid arguments:[\s\S]*healthCheckPath: "\/metrics" would publish the app's metrics/);
        await assert.rejects(evaluateApp("azure", { healthCheckPath: "/" }), /healthCheckPath: "\/" would expose the whole management listener/);
        await assert.rejects(evaluateApp("aws", { healthCheckPath: "healthz" }), /healthCheckPath: "healthz" must start with \//);
    });
});
