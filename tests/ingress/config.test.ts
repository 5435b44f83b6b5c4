import { strict as assert } from "assert";
import { parseStackConfig } from "../../stacks/config";
import { configProblems, minimalStackConfig } from "../support/stack-config";

const config = (environment: "dev" | "prod", platform: Record<string, unknown> = {}) => minimalStackConfig(environment, { platform });
const problems = (raw: Record<string, any>) => configProblems(raw);

describe("platform.ingress config", () => {
    it("defaults to ingress-nginx alone, so existing stacks keep their controller", () => {
        for (const env of ["dev", "prod"] as const) {
            const parsed = parseStackConfig(config(env));
            assert.deepEqual(parsed.platform.ingress, { controller: "ingress-nginx" });
            assert.equal(parsed.platform.ingressNginx.enabled, true);
        }
        assert.equal(parseStackConfig(config("prod")).platform.envoyGateway.replicas, 3, "prod runs 3 Envoy proxies when it is selected");
    });

    it("accepts envoy-gateway, and the other controller as alsoRun during a migration", () => {
        assert.deepEqual(parseStackConfig(config("prod", { ingress: { controller: "envoy-gateway" } })).platform.ingress, { controller: "envoy-gateway" });
        assert.deepEqual(parseStackConfig(config("prod", { ingress: { controller: "ingress-nginx", alsoRun: "envoy-gateway" } })).platform.ingress,
            { controller: "ingress-nginx", alsoRun: "envoy-gateway" });
    });

    it("a bad controller names the key, the value and the allowed values", () => {
        assert.deepEqual(problems(config("dev", { ingress: { controller: "traefik" } })),
            ['platform.ingress.controller: "traefik" is not allowed; allowed values: ingress-nginx, envoy-gateway']);
        assert.deepEqual(problems(config("dev", { ingress: { controller: "envoy-gateway", alsoRun: "haproxy" } })),
            ['platform.ingress.alsoRun: "haproxy" is not allowed; allowed values: ingress-nginx, envoy-gateway']);
    });

    it("rejects alsoRun naming the serving controller itself", () => {
        assert.deepEqual(problems(config("dev", { ingress: { controller: "envoy-gateway", alsoRun: "envoy-gateway" } })),
            ['platform.ingress.alsoRun: "envoy-gateway" is already platform.ingress.controller; during a migration it names the other controller ("ingress-nginx"), otherwise remove it']);
    });

    it("prod runs at least two Envoy proxies whenever Envoy Gateway runs, serving or not", () => {
        assert.deepEqual(problems(config("prod", { ingress: { controller: "ingress-nginx", alsoRun: "envoy-gateway" }, envoyGateway: { replicas: 1 } })),
            ["platform.envoyGateway.replicas: prod needs at least 2 Envoy proxy replicas, got 1"]);
        assert.deepEqual(problems(config("prod", { envoyGateway: { replicas: 1 } })), [], "not checked while Envoy Gateway does not run");
        assert.deepEqual(problems(config("dev", { ingress: { controller: "envoy-gateway" }, envoyGateway: { replicas: 1 } })), []);
    });

    it("rejects an unknown key under platform.ingress with a suggestion", () => {
        assert.deepEqual(problems(config("dev", { ingress: { controler: "envoy-gateway" } })),
            ['platform.ingress.controler: unknown key (did you mean "controller"?); allowed keys: controller, alsoRun']);
    });
});

describe("app.edge config", () => {
    it("states nginx's own defaults (60 s timeouts, 5 s connect, 1 MiB bodies) and no rate limit", () => {
        assert.deepEqual(parseStackConfig(config("prod")).app.edge, { requestTimeoutSeconds: 60, connectTimeoutSeconds: 5, maxRequestBodyMiB: 1 });
    });

    it("rejects a timeout out of range, naming the key", () => {
        const raw = config("dev");
        raw.app.edge = { requestTimeoutSeconds: 0 };
        assert.deepEqual(problems(raw), ["app.edge.requestTimeoutSeconds: 0 is too small; minimum is 1"]);
    });
});
