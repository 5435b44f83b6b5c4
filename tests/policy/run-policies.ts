/**
 * Runs the pack's policies in-process, the way the CrossGuard server does
 * (@pulumi/policy server.js), without the Pulumi CLI:
 *  - resources come from an offline evaluation (RecordedResource) or a literal;
 *  - the enforcement level of a policy is its entry in policy/config.<env>.json,
 *    else its own level, else the pack's (as the engine reconciles them);
 *  - getConfig() returns the schema defaults overlaid with the config entry;
 *  - notApplicable() and UnknownValueError (preview) behave as in the server:
 *    the first skips the policy, the second becomes an advisory message.
 */
import * as fs from "fs";
import {
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    UnknownValueError,
} from "@pulumi/policy";
import { Guardrail, Environment } from "../../policy/lib/guardrail";
import { Props } from "../../policy/lib/values";
import { policies as allPolicies } from "../../policy/policies";
import { RecordedResource, UNKNOWN } from "../../commands/offline/harness";
import { packConfigFile } from "../../commands/policy-config";

// The sentinels the real server's proxy treats as unknown (internal to @pulumi/policy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(value: T): T; unknownStringValue: string };

const PACK_LEVEL: EnforcementLevel = "mandatory";

export interface Violation {
    policy: string;
    level: EnforcementLevel;
    message: string;
    urn?: string;
}

/** A resource for a policy: the recorded shape of the offline harness. */
export type TestResource = RecordedResource;

type PackConfig = Record<string, Record<string, unknown>>;

/** policy/config.<env>.json, as `--policy-pack-config` would load it. */
export function loadPackConfig(environment: Environment): PackConfig {
    return JSON.parse(fs.readFileSync(packConfigFile(environment), "utf8"));
}

/** A small fake resource: type, inputs and the options rules look at. */
export function fake(
    type: string,
    inputs: Props,
    options: { name?: string; protect?: boolean; dependencies?: string[]; parent?: string } = {},
): TestResource {
    const name = options.name ?? type.split(":").pop()!.toLowerCase();
    return {
        urn: `urn:pulumi:test::dr-platform::${type}::${name}`,
        type,
        name,
        custom: true,
        inputs,
        parent: options.parent ?? "",
        dependencies: options.dependencies ?? [],
        provider: "",
        protect: options.protect ?? false,
        retainOnDelete: false,
        ignoreChanges: [],
        aliases: [],
        secretInputs: [],
        id: "",
        outputs: {},
    };
}

/** Values as the server hands them over: unknowns (preview) behind the unknown-checking proxy. */
function policyProps(inputs: Props): Props {
    const restore = (value: unknown): unknown => {
        if (value === UNKNOWN) return proxy.unknownStringValue;
        if (Array.isArray(value)) return value.map(restore);
        if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v)]));
        return value;
    };
    return proxy.unknownCheckingProxy(restore(inputs) as Props);
}

function options(r: TestResource): PolicyResourceOptions {
    return {
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason ?? "not applicable");
}

function isTypeOf(type: string) {
    return (resourceClass: { __pulumiType?: string }) => resourceClass.__pulumiType === type;
}

function configFor(policy: Guardrail, config: PackConfig): Record<string, unknown> {
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, schema]) => schema.default !== undefined)
            .map(([key, schema]) => [key, schema.default]),
    );
    const props = { ...config[policy.name] };
    delete props.enforcementLevel;
    return { ...defaults, ...props };
}

function levelFor(policy: Guardrail, config: PackConfig): EnforcementLevel {
    return (config[policy.name]?.enforcementLevel as EnforcementLevel | undefined) ?? policy.enforcementLevel ?? PACK_LEVEL;
}

export interface RunOptions {
    /** Pack config: an environment (loads policy/config.<env>.json) or a literal config object. */
    config?: Environment | PackConfig;
    /** Extra per-policy config properties laid over it, e.g. { "images-allowed-registries": { allowedRegistries: [...] } }. */
    overrides?: PackConfig;
}

function resolveConfig(opts: RunOptions): PackConfig {
    const base = opts.config === undefined ? {} : typeof opts.config === "string" ? loadPackConfig(opts.config) : opts.config;
    const merged: PackConfig = { ...base };
    for (const [name, props] of Object.entries(opts.overrides ?? {})) merged[name] = { ...merged[name], ...props };
    return merged;
}

export interface PolicyResult {
    violations: Violation[];
    /** Why the policy did not apply (undefined when it ran). */
    notApplicable?: string;
}

function onError(policy: Guardrail, level: EnforcementLevel, err: unknown, violations: Violation[]): string | undefined {
    if (err instanceof NotApplicable) return err.message;
    if (err instanceof UnknownValueError) {
        violations.push({ policy: policy.name, level: "advisory", message: `can't run policy '${policy.name}' during preview: ${(err as Error).message}` });
        return undefined;
    }
    throw err;
}

/** The provider as the engine describes it, from the recorded reference `<urn>::<id>`. */
function providerOf(resource: TestResource) {
    if (!resource.provider) return undefined;
    const urn = resource.provider.slice(0, resource.provider.lastIndexOf("::"));
    const parts = urn.split("::");
    return { urn, type: parts[parts.length - 2], name: parts[parts.length - 1], props: {} };
}

/** What a policy sees of one resource, for resource and stack policies alike. */
function policyView(resource: TestResource) {
    const props = policyProps(resource.inputs);
    const isType = isTypeOf(resource.type);
    return {
        type: resource.type,
        props,
        urn: resource.urn,
        name: resource.name,
        provider: providerOf(resource),
        opts: options(resource),
        isType: isType as ResourceValidationArgs["isType"],
        asType: ((cls: { __pulumiType?: string }) => (isType(cls) ? props : undefined)) as ResourceValidationArgs["asType"],
    };
}

/** Runs one resource policy on one resource. */
export async function runResourcePolicy(policy: Guardrail, resource: TestResource, opts: RunOptions = {}): Promise<PolicyResult> {
    const validations = (policy as ResourceValidationPolicy).validateResource;
    if (!validations) throw new Error(`${policy.name} is not a resource policy`);
    const config = resolveConfig(opts);
    const level = levelFor(policy, config);
    const violations: Violation[] = [];
    if (level === "disabled") return { violations, notApplicable: "disabled" };
    const args: ResourceValidationArgs = {
        ...policyView(resource),
        stackTags: new Map(),
        getConfig: <T extends object>() => configFor(policy, config) as T,
        notApplicable,
    };
    const report = (message: string) => violations.push({ policy: policy.name, level, message, urn: resource.urn });
    for (const validate of Array.isArray(validations) ? validations : [validations]) {
        try {
            await validate(args, report);
        } catch (err) {
            const reason = onError(policy, level, err, violations);
            if (reason !== undefined) return { violations, notApplicable: reason };
        }
    }
    return { violations };
}

/** The stack as a stack policy sees it: parents and dependencies resolved to resources. */
export function policyResources(resources: readonly TestResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const out = resources.map((r) => {
        const resource: PolicyResource = {
            ...policyView(r),
            dependencies: [],
            // The offline harness does not record property dependencies; rules fall back to dependencies.
            propertyDependencies: {},
        };
        byUrn.set(r.urn, resource);
        return resource;
    });
    resources.forEach((r, i) => {
        out[i].dependencies = r.dependencies.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
        const parent = byUrn.get(r.parent);
        if (parent) out[i].parent = parent;
    });
    return out;
}

/** Runs one stack policy over a whole stack. */
export async function runStackPolicy(policy: Guardrail, resources: readonly TestResource[], opts: RunOptions = {}): Promise<PolicyResult> {
    const validate = (policy as StackValidationPolicy).validateStack;
    if (!validate) throw new Error(`${policy.name} is not a stack policy`);
    const config = resolveConfig(opts);
    const level = levelFor(policy, config);
    const violations: Violation[] = [];
    if (level === "disabled") return { violations, notApplicable: "disabled" };
    const args: StackValidationArgs = {
        resources: policyResources(resources),
        stackTags: new Map(),
        getConfig: <T extends object>() => configFor(policy, config) as T,
        notApplicable,
    };
    try {
        await validate(args, (message, urn) => violations.push({ policy: policy.name, level, message, urn }));
    } catch (err) {
        const reason = onError(policy, level, err, violations);
        if (reason !== undefined) return { violations, notApplicable: reason };
    }
    return { violations };
}

/** Runs any policy: resource policies on each resource, stack policies once over all of them. */
export async function runPolicy(policy: Guardrail, resources: readonly TestResource[], opts: RunOptions = {}) {
    if ("validateStack" in policy) {
        const result = await runStackPolicy(policy, resources, opts);
        return { violations: result.violations, applied: result.notApplicable === undefined ? 1 : 0 };
    }
    let applied = 0;
    const violations: Violation[] = [];
    for (const resource of resources.filter((r) => r.custom)) {
        const result = await runResourcePolicy(policy, resource, opts);
        violations.push(...result.violations);
        if (result.notApplicable === undefined) applied++;
    }
    return { violations, applied };
}

export interface PackResult {
    violations: Violation[];
    /** Policy name → how many resources it applied to (stack policies: 1 or 0). */
    applied: Record<string, number>;
}

/** The whole pack over a stack, with policy/config.<env>.json as `--policy-pack-config`. */
export async function runPack(resources: readonly TestResource[], opts: RunOptions = {}, policies: readonly Guardrail[] = allPolicies): Promise<PackResult> {
    const violations: Violation[] = [];
    const applied: Record<string, number> = {};
    for (const policy of policies) {
        const result = await runPolicy(policy, resources, opts);
        violations.push(...result.violations);
        applied[policy.name] = result.applied;
    }
    return { violations, applied };
}

export function formatViolation(v: Violation): string {
    return `[${v.level}] ${v.policy}: ${v.message}`;
}
