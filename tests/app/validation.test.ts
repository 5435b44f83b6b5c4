import { strict as assert } from "assert";
import { TYPES, containerNamed, evaluateApp, objectNamed } from "./app-fixture";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("FinancialApp image rules", () => {
    it("prod rejects the latest tag with an error that says how to fix it", async () => {
        await assert.rejects(
            evaluateApp("aws", { image: { repository: "registry.example.com/fin/financial-app", tag: "latest" } }),
            /FinancialApp "aws-app" has invalid arguments:[\s\S]*image\.tag: "latest" is not allowed in prod; pin an explicit version tag or a digest/,
        );
    });

    it("prod rejects an image with neither tag nor digest", async () => {
        await assert.rejects(
            evaluateApp("azure", { image: { repository: "registry.example.com/fin/financial-app" } }),
            /image: "registry\.example\.com\/fin\/financial-app" has no tag or digest; prod runs only an explicit version/,
        );
    });

    it("prod rejects a latest canary tag and latest sidecars", async () => {
        await assert.rejects(evaluateApp("aws", { canary: { weight: 10, tag: "latest", replicas: 1 } }), /canary\.tag: "latest" is not allowed in prod/);
        await assert.rejects(
            evaluateApp("aws", { sidecarImages: { envoy: "envoyproxy/envoy:latest", fluentd: "fluent/fluentd:v1.18", prometheusAgent: "quay.io/prometheus/prometheus:v3.5.0", debug: "busybox" } }),
            (err: Error) => {
                assert.match(err.message, /sidecarImages\.envoy: "envoyproxy\/envoy:latest" uses the mutable "latest" tag; pin an explicit version/);
                assert.match(err.message, /sidecarImages\.debug: "busybox" has no tag or digest \(it would mean latest\); pin an explicit version/);
                return true;
            },
        );
    });

    it("rejects a sidecar with a truncated digest in any environment, and accepts latest sidecars in dev", async () => {
        const sidecars = { envoy: "envoyproxy/envoy@sha256:abc", fluentd: "fluent/fluentd:latest", prometheusAgent: "quay.io/prometheus/prometheus:v3.5.0", debug: "busybox:1.37" };
        await assert.rejects(evaluateApp("aws", { environment: "dev", sidecarImages: sidecars }), (err: Error) => {
            assert.match(err.message, /sidecarImages\.envoy: "envoyproxy\/envoy@sha256:abc" digest "sha256:abc" is not sha256:<64 hex>/);
            assert.doesNotMatch(err.message, /sidecarImages\.fluentd/);
            return true;
        });
    });

    it("rejects a tag and a digest together in any environment", async () => {
        await assert.rejects(evaluateApp("aws", { environment: "dev", image: { repository: "r/app", tag: "1.0", digest: DIGEST } }), /either a tag or a digest, not both/);
    });

    it("prod accepts a digest and runs it everywhere the app image runs", async () => {
        const { ev, app } = await evaluateApp("aws", { image: { repository: "registry.example.com/fin/financial-app", digest: DIGEST } });
        const reference = `registry.example.com/fin/financial-app@${DIGEST}`;
        assert.equal(app.imageReference, reference);
        assert.equal(containerNamed(objectNamed(ev, TYPES.deployment, "financial-app"), "financial-service").image, reference);
    });

    it("dev tolerates an untagged image (the registry's default) but still reports other problems together", async () => {
        const { app } = await evaluateApp("aws", { environment: "dev", image: { repository: "registry.example.com/fin/financial-app" } });
        assert.equal(app.imageReference, "registry.example.com/fin/financial-app");
        await assert.rejects(evaluateApp("aws", { canary: { weight: 20, replicas: 1 }, sizing: { replicas: 1, minReplicas: 3, maxReplicas: 2, targetCpuUtilization: 70, targetRequestsPerSecond: 5 } }), (err: Error) => {
            assert.match(err.message, /canary\.tag: required when canary\.weight is 20/);
            assert.match(err.message, /sizing\.maxReplicas: 2 must be >= minReplicas \(3\)/);
            return true;
        });
    });

    it("rejects Vault secret names that would clobber the log shipper's files, and absolute or mount-prefixed paths", async () => {
        await assert.rejects(evaluateApp("aws", { vaultSecrets: [{ name: "elasticsearch-password", path: "x/y" }] }), /reserved for the log shipper/);
        await assert.rejects(evaluateApp("aws", { vaultSecrets: [{ name: "db", path: "secret/data/db" }] }), /must be relative to the "secret" KV v2 mount/);
    });
});
