import { strict as assert } from "assert";
import { generateKeyPairSync } from "crypto";
import { parseStackConfig } from "../../stacks/config";
import { PLATFORM_IMAGE_SOURCES } from "../../components/security/registries";
import { securitySettings } from "../../stacks/security";
import { configProblems, minimalStackConfig } from "../support/stack-config";

const config = minimalStackConfig;
const problems = (raw: Record<string, any>) => configProblems(raw);

const keyless = (fields: Record<string, unknown>) => ({ imageSignature: { method: "keyless", keyless: { issuer: "https://token.actions.githubusercontent.com", ...fields } } });

describe("security config", () => {
    it("defaults: Kyverno audits in dev and enforces with 3 replicas in prod; Falco on; the placeholder registry and keyless identity", () => {
        const dev = parseStackConfig(config("dev"));
        const prod = parseStackConfig(config("prod"));
        assert.deepEqual([dev.platform.kyverno.mode, dev.platform.kyverno.replicas], ["Audit", 1]);
        assert.deepEqual([prod.platform.kyverno.mode, prod.platform.kyverno.replicas], ["Enforce", 3]);
        assert.ok(dev.platform.falco.enabled && prod.platform.falco.enabled);
        assert.deepEqual(prod.security.allowedRegistries, ["registry.fin.example.com"]);
        assert.equal(prod.security.imageSignature.method, "keyless");
    });

    it("the admission policy's registries are the platform's sources plus the config's; the signed repository is the app's", () => {
        const settings = securitySettings(parseStackConfig(config("prod", { security: { allowedRegistries: ["registry.fin.example.com", "123456789012.dkr.ecr.*.amazonaws.com/finplat"] } })));
        assert.deepEqual(settings.allowedRegistries, [...PLATFORM_IMAGE_SOURCES.map((s) => s.pattern), "registry.fin.example.com", "123456789012.dkr.ecr.*.amazonaws.com/finplat"]);
        assert.equal(settings.signedImages.attestor.method === "keyless" && settings.signedImages.attestor.subjectRegExp, parseStackConfig(config("prod")).security.imageSignature.keyless!.subject, "an anchored subject is matched as an expression");
        const exact = securitySettings(parseStackConfig(config("prod", { security: keyless({ subject: "release@fin.example.com" }) }))).signedImages.attestor;
        assert.deepEqual(exact, { method: "keyless", issuer: "https://token.actions.githubusercontent.com", subject: "release@fin.example.com", rekorUrl: undefined });
        assert.deepEqual(settings.signedImages.repositories, ["registry.fin.example.com/financial-app"]);
        // The default in-cluster database is reached at its Service: by port; an external one by its range and port.
        assert.deepEqual([settings.runtimeProfiles[0].allowedCidrs, settings.runtimeProfiles[0].inClusterPorts], [[], [53, 8200, 9200, 9090, 5432]]);
        const external = securitySettings(parseStackConfig(config("prod", { app: { database: { mode: "external", cidr: "10.60.0.0/24", port: 5432 } } }))).runtimeProfiles[0];
        assert.deepEqual([external.allowedCidrs, external.inClusterPorts], [[{ cidr: "10.60.0.0/24", port: 5432 }], [53, 8200, 9200, 9090]]);
    });

    it("a malformed registry pattern is rejected, naming the key and the entry", () => {
        for (const [bad, why] of [["Docker.io", /lower-case/], ["ghcr.io/finplat/", /must not end with \//], ["registry", /registry host with a dot/], ["ghcr.io/finplat/app:1.0", /names a tag or digest/]] as const) {
            const found = problems(config("dev", { security: { allowedRegistries: ["registry.fin.example.com", bad] } }));
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], new RegExp(`^security\\.allowedRegistries\\[1\\]: "${bad.replace(/[.*/]/g, "\\$&")}" `));
            assert.match(found[0], why);
        }
    });

    it("the app image and every sidecar must come from an allowed registry, naming the key to change", () => {
        const found = problems(config("dev", { app: { image: { repository: "evil.example.net/financial-app", tag: "1.4.2" }, sidecarImages: { envoy: "ghcr.io/someone/envoy:v1" } } }));
        assert.ok(found.some((p) => /^app\.image\.repository: "evil\.example\.net\/financial-app" is not from an allowed registry; add its registry to security\.allowedRegistries/.test(p)), found.join("\n"));
        assert.ok(found.some((p) => /^app\.sidecarImages\.envoy: "ghcr\.io\/someone\/envoy:v1" is not from an allowed registry/.test(p)), found.join("\n"));
    });

    it("a bad keyless identity is rejected naming the key: http issuer, unterminated or invalid expression, match-all, non-identity subject", () => {
        const cases: [Record<string, unknown>, RegExp][] = [
            [{ issuer: "http://issuer.example.com", subject: "https://github.com/finplat/app/.github/workflows/release.yml@refs/heads/main" }, /^security\.imageSignature\.keyless\.issuer: "http:\/\/issuer\.example\.com" must be an https:\/\/ URL/],
            [{ subject: "^https://github\\.com/finplat/.*" }, /^security\.imageSignature\.keyless\.subject: ".*" starts a regular expression with \^ but does not end it with \$/],
            [{ subject: "^(unclosed$" }, /^security\.imageSignature\.keyless\.subject: "\^\(unclosed\$" is not a valid regular expression/],
            [{ subject: "^.*$" }, /accepts any signer/],
            [{ subject: "release pipeline" }, /^security\.imageSignature\.keyless\.subject: "release pipeline" must be the signer's identity/],
            [{ subjectRegExp: "^x$" }, /^security\.imageSignature\.keyless\.subjectRegExp: unknown key/],
        ];
        for (const [fields, expected] of cases) {
            const found = problems(config("dev", { security: keyless(fields) }));
            assert.equal(found.length, 1, `${JSON.stringify(fields)}: ${found.join("\n")}`);
            assert.match(found[0], expected);
        }
        assert.deepEqual(problems(config("dev", { security: keyless({ subject: "release@fin.example.com" }) })), []);
    });

    it("key-based signatures need a parsable PEM public key", () => {
        const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
        const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
        assert.deepEqual(problems(config("prod", { security: { imageSignature: { method: "key", publicKey: pem } } })), []);
        assert.match(problems(config("prod", { security: { imageSignature: { method: "key" } } }))[0], /^security\.imageSignature\.publicKey: required when method is "key"/);
        assert.match(problems(config("prod", { security: { imageSignature: { method: "key", publicKey: "ssh-ed25519 AAAA" } } }))[0], /^security\.imageSignature\.publicKey: must be a PEM public key/);
        const broken = "-----BEGIN PUBLIC KEY-----\nnot-base64\n-----END PUBLIC KEY-----";
        assert.match(problems(config("prod", { security: { imageSignature: { method: "key", publicKey: broken } } }))[0], /^security\.imageSignature\.publicKey: the PEM does not parse/);
        assert.match(problems(config("prod", { security: { imageSignature: { method: "cosign" } } })).join("\n"), /security\.imageSignature\.method: "cosign" is not allowed; allowed values: keyless, key/);
    });

    it("prod must enforce with a highly available admission controller; dev may audit", () => {
        const found = problems(config("prod", { platform: { certManager: { acmeEmail: "team@fin.example.com" }, monitoring: { receivers: [] }, kyverno: { mode: "Audit", replicas: 1 } } }));
        assert.deepEqual(found, [
            'platform.kyverno.mode: "Audit" is not allowed in prod; prod refuses violations ("Enforce")',
            "platform.kyverno.replicas: prod runs the admission controller highly available with at least 3 replicas, got 1",
        ]);
        assert.deepEqual(problems(config("dev", { platform: { certManager: { acmeEmail: "team@fin.example.com" }, kyverno: { mode: "Audit", replicas: 1 } } })), []);
        assert.match(problems(config("dev", { platform: { certManager: { acmeEmail: "team@fin.example.com" }, kyverno: { mode: "Block" } } })).join("\n"), /platform\.kyverno\.mode: "Block" is not allowed; allowed values: Enforce, Audit/);
    });
});
