/**
 * How a rule is declared: one enforcement level per environment, and the
 * environment read from the pack's config.
 *
 * Pulumi decides a violation's level per policy, from (1) the policy's entry
 * in the `--policy-pack-config` file, (2) the policy's own `enforcementLevel`,
 * (3) the pack default. There is no per-violation level, so "mandatory in prod,
 * advisory in dev" has to be a config file per environment
 * (policy/config.<env>.json). Those files are generated from `levels` below
 * (see packConfig) and a test keeps them in sync. The code default is the prod
 * level, so a preview run without a config file is as strict as prod.
 *
 * The environment also reaches the rule code (`environment` config property on
 * every policy), for checks that only apply in prod. Resource tags carry the
 * environment too, but Kubernetes objects have none, so tags only serve as a
 * cross-check (rules/environment-guard.ts).
 */
import {
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationPolicy,
} from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The enforcement level of a rule in each environment. */
export type Levels = Record<Environment, EnforcementLevel>;

/** Blocks a deployment everywhere. */
export const MANDATORY: Levels = { dev: "mandatory", prod: "mandatory" };
/** Blocks prod; in dev it is reported but does not block. */
export const ADVISORY_IN_DEV: Levels = { dev: "advisory", prod: "mandatory" };

export type Guardrail = (ResourceValidationPolicy | StackValidationPolicy) & { levels: Levels };

interface GuardrailSpec {
    name: string;
    description: string;
    levels: Levels;
    remediationSteps?: string;
    /** Rule-specific config properties, on top of `environment`. */
    config?: Record<string, PolicyConfigJSONSchema>;
}

/** Config every rule understands. */
export interface RuleConfig {
    environment?: Environment;
}

function configSchema(extra: Record<string, PolicyConfigJSONSchema> = {}): PolicyConfigSchema {
    return {
        properties: {
            environment: {
                type: "string",
                enum: [...ENVIRONMENTS],
                default: "prod",
                description: "Stack environment; selects prod-only checks. Set by policy/config.<env>.json.",
            },
            ...extra,
        },
    };
}

/** The environment a rule runs for: prod unless the pack config says dev. */
export function environmentOf(args: { getConfig<T extends object>(): T }): Environment {
    return args.getConfig<RuleConfig>().environment === "dev" ? "dev" : "prod";
}

/** The policy fields every guardrail shares; its own level is the prod level (the strictest). */
function policyBase(spec: GuardrailSpec) {
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.levels.prod,
        levels: spec.levels,
        remediationSteps: spec.remediationSteps,
        configSchema: configSchema(spec.config),
    };
}

export function resourceRule(spec: GuardrailSpec & { validateResource: ResourceValidation }): ResourceValidationPolicy & { levels: Levels } {
    return { ...policyBase(spec), validateResource: spec.validateResource };
}

export function stackRule(spec: GuardrailSpec & { validateStack: StackValidation }): StackValidationPolicy & { levels: Levels } {
    return { ...policyBase(spec), validateStack: spec.validateStack };
}

/** A validation that only looks at the given resource types (others are "not applicable"). */
export function forTypes(
    types: readonly string[],
    validate: (args: ResourceValidationArgs, report: (message: string) => void) => void,
): ResourceValidation {
    return (args, reportViolation) => {
        if (!types.includes(args.type)) {
            args.notApplicable(`applies to ${types.join(", ")}`);
        }
        validate(args, (message) => reportViolation(message));
    };
}

/**
 * The content of policy/config.<env>.json: every rule with its level for the
 * environment and the environment itself.
 */
export function packConfig(policies: readonly Guardrail[], environment: Environment): Record<string, { enforcementLevel: EnforcementLevel; environment: Environment }> {
    return Object.fromEntries(policies.map((p) => [p.name, { enforcementLevel: p.levels[environment], environment }]));
}
