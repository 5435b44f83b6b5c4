/**
 * Raw stack config for validation tests: the smallest valid one per environment (what a
 * Pulumi.<stack>.yaml must state), and the problems parseStackConfig reports for one.
 */
import { strict as assert } from "assert";
import { ConfigError, parseStackConfig } from "../../stacks/config";

const PROD_ENDPOINT = { publicAccess: true, allowedCidrs: ["203.0.113.0/24"] };

/**
 * A fresh minimal valid config. `overrides` replace top-level keys, except that an object
 * is merged one level deep into the base's (`{ platform: { kyverno: … } }` keeps certManager).
 */
export function minimalStackConfig(environment: "dev" | "prod", overrides: Record<string, any> = {}): Record<string, any> {
    const prod = environment === "prod";
    const config: Record<string, any> = {
        environment,
        activeCloud: "aws",
        tags: { costCenter: "cc-1", owner: "team@fin.example.com" },
        dns: { rootZone: "fin.example.com" },
        // Prod requires the API endpoints' allowed ranges and states its alert receivers.
        aws: { dnsZone: "aws.fin.example.com", ...(prod ? { endpoint: { ...PROD_ENDPOINT } } : {}) },
        azure: { dnsZone: "azure.fin.example.com", ...(prod ? { endpoint: { ...PROD_ENDPOINT } } : {}) },
        platform: { certManager: { acmeEmail: "team@fin.example.com" }, ...(prod ? { monitoring: { receivers: [] } } : {}) },
        app: { image: { repository: "registry.fin.example.com/financial-app", tag: "1.4.2" } },
        dr: { globalHostname: "app.fin.example.com" },
    };
    for (const [key, value] of Object.entries(overrides)) {
        config[key] = value && typeof value === "object" && !Array.isArray(value) ? { ...config[key], ...value } : value;
    }
    return config;
}

/** The problems a config error lists ([] when the config is valid); any other error fails the test. */
export function configProblems(raw: Record<string, any>, secrets: string[] = []): string[] {
    try {
        parseStackConfig(raw, new Set(secrets));
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems;
    }
}
