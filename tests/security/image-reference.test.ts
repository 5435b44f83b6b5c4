import { strict as assert } from "assert";
import { canonicalImage, imageAllowed, parseImageReference, registryPatternProblem, unpinnedReason } from "../../components/security/image-reference";

describe("image references and registry patterns", () => {
    it("parses references as runtimes do: Docker Hub and library/ implied, ports are not tags, digests kept", () => {
        assert.deepEqual(parseImageReference("busybox:1.37.0"), { registry: "docker.io", repository: "library/busybox", tag: "1.37.0", digest: undefined });
        assert.deepEqual(parseImageReference("localhost:5000/app"), { registry: "localhost:5000", repository: "app", tag: undefined, digest: undefined });
        assert.deepEqual(parseImageReference(`index.docker.io/velero/velero:v1@sha256:${"b".repeat(64)}`), { registry: "docker.io", repository: "velero/velero", tag: "v1", digest: `sha256:${"b".repeat(64)}` });
        assert.equal(canonicalImage("envoyproxy/envoy:v1.34.1"), "docker.io/envoyproxy/envoy:v1.34.1");
    });

    it("pinned means a tag (not latest where refused) or a well-formed digest", () => {
        assert.equal(unpinnedReason("quay.io/prometheus/prometheus:v3.5.0", true), undefined);
        assert.match(unpinnedReason("quay.io/prometheus/prometheus", false)!, /no tag or digest/);
        assert.match(unpinnedReason("nginx:Latest", true)!, /latest/);
        assert.match(unpinnedReason("nginx@sha256:abc", true)!, /not sha256:<64 hex>/);
    });

    it("a pattern admits its registry or path prefix at a path boundary only; * is one label or segment", () => {
        assert.ok(imageAllowed("ghcr.io/finplat/ledger:1", ["ghcr.io/finplat"]));
        assert.ok(!imageAllowed("ghcr.io/finplat-evil/ledger:1", ["ghcr.io/finplat"]));
        assert.ok(!imageAllowed("docker.io.evil.example.net/x:1", ["docker.io"]));
        assert.ok(imageAllowed("busybox:1.37.0", ["docker.io/library/busybox"]));
        assert.ok(imageAllowed("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1", ["123456789012.dkr.ecr.*.amazonaws.com"]));
        assert.ok(!imageAllowed("123456789012.dkr.ecr.a.b.amazonaws.com/app:1", ["123456789012.dkr.ecr.*.amazonaws.com"]));
    });

    it("malformed patterns are explained", () => {
        assert.equal(registryPatternProblem("registry.fin.example.com:5000/team"), undefined);
        assert.match(registryPatternProblem("quay.io/app:1.0")!, /names a tag or digest/);
        assert.match(registryPatternProblem("https://quay.io")!, /registry host with a dot/);
        assert.match(registryPatternProblem(" quay.io")!, /lower-case without spaces/);
    });
});
