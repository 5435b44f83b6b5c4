import * as pulumi from "@pulumi/pulumi";
import { deepMerge, Values } from "../../components/addons/deep-merge";
import { DEFAULT_ZONE_COUNT, ENVIRONMENT_DEFAULTS } from "./defaults";
import { ConfigError, describeIssue } from "./errors";
import { crossFieldProblems } from "./rules";
import { ENVIRONMENTS, Environment, ParsedStackConfig, RawStackConfig, stackConfigSchema } from "./schema";

import { SECRET_KEYS, SecretKey } from "./secrets";

export { ConfigError } from "./errors";
export * from "./schema";
export * from "./secrets";

/** Validated configuration with derived values filled in. */
export type StackConfig = Omit<ParsedStackConfig, "aws" | "azure"> & {
    aws: Omit<ParsedStackConfig["aws"], "zones"> & { zones: string[] };
    azure: Omit<ParsedStackConfig["azure"], "zones"> & { zones: string[] };
    /** Tags for every cloud resource (environment, cost center, owner, managed-by). */
    resourceTags: Record<string, string>;
};

function fillZones(config: ParsedStackConfig): StackConfig {
    const count = DEFAULT_ZONE_COUNT[config.environment];
    const awsZones = config.aws.zones ?? ["a", "b", "c", "d"].slice(0, count).map((suffix) => `${config.aws.region}${suffix}`);
    const azureZones = config.azure.zones ?? ["1", "2", "3"].slice(0, count);
    return {
        ...config,
        aws: { ...config.aws, zones: awsZones },
        azure: { ...config.azure, zones: azureZones },
        resourceTags: {
            environment: config.environment,
            "cost-center": config.tags.costCenter,
            owner: config.tags.owner,
            "managed-by": "pulumi",
        },
    };
}

/**
 * Validates raw stack config (as written in Pulumi.<stack>.yaml, without the
 * project prefix) against the schema and the cross-key rules. Throws a
 * ConfigError listing every problem; registers nothing.
 */
export function parseStackConfig(raw: RawStackConfig, secretsPresent: ReadonlySet<string> = new Set()): StackConfig {
    const environment = raw.environment;
    if (!ENVIRONMENTS.includes(environment as Environment)) {
        const got = environment === undefined ? "it is missing" : `got ${JSON.stringify(environment)}`;
        throw new ConfigError([`environment: required, one of ${ENVIRONMENTS.join(", ")}; ${got}`]);
    }
    const merged = deepMerge(ENVIRONMENT_DEFAULTS[environment as Environment], raw as Values);
    const result = stackConfigSchema.safeParse(merged, { reportInput: true });
    if (!result.success) {
        throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, stackConfigSchema)));
    }
    const config = fillZones(result.data);
    const problems = crossFieldProblems(result.data, { aws: config.aws.zones, azure: config.azure.zones }, new Set(secretsPresent));
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
}

/** Parses a config value the way the CLI stores it: objects and arrays as JSON text. */
function decode(value: string): unknown {
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed);
        } catch {
            return value;
        }
    }
    return value;
}

/** Reads this project's config namespace, every key, so typos in top-level keys are caught too. */
export function readRawConfig(project = pulumi.getProject()): { raw: RawStackConfig; secretsPresent: Set<string> } {
    const prefix = `${project}:`;
    const raw: RawStackConfig = {};
    const secretsPresent = new Set<string>();
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if ((SECRET_KEYS as readonly string[]).includes(key)) {
            secretsPresent.add(key);
            continue;
        }
        raw[key] = decode(value);
    }
    return { raw, secretsPresent };
}

/** The stack's validated config. Call before creating any resource. */
export function loadStackConfig(): StackConfig {
    const { raw, secretsPresent } = readRawConfig();
    return parseStackConfig(raw, secretsPresent);
}

/** A secret config value as a Pulumi secret Output (undefined when unset). */
export function secretConfig(key: SecretKey): pulumi.Output<string> | undefined {
    return new pulumi.Config().getSecret(key);
}
