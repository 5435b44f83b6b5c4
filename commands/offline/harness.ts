/**
 * Evaluates a Pulumi program offline, under Pulumi's own mock runtime, and
 * records every resource registration with its inputs and options.
 *
 * The stock MockMonitor hands a mock only the type, name and inputs. We wrap
 * its registerResource to also record parent, dependsOn, provider, protect,
 * retainOnDelete, ignoreChanges and aliases: the options a reviewer checks.
 */
import * as pulumi from "@pulumi/pulumi";
import { fakeInvokeResult, fakeResourceOutputs } from "./fake-cloud";

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings");
const stack = require("@pulumi/pulumi/runtime/stack");
const runtimeConfig = require("@pulumi/pulumi/runtime/config");
const rpc = require("@pulumi/pulumi/runtime/rpc");
/* eslint-enable @typescript-eslint/no-require-imports */

/** What `pulumi preview` prints for a value only known after deploy. */
export const UNKNOWN = "(known after deploy)";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    inputs: Record<string, any>;
    parent: string;
    dependencies: string[];
    provider: string;
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    aliases: unknown[];
    /** Input keys whose values are secrets. */
    secretInputs: string[];
    /** The id the provider returned ("" in a preview, where it is unknown). */
    id: string;
    /** What the provider computed (ARNs, names, ids): outputs that are not inputs. Empty in a preview. */
    outputs: Record<string, any>;
}

export interface InvokeRecord {
    token: string;
    args: Record<string, unknown>;
}

export interface EvaluationOptions {
    project: string;
    stack: string;
    /** Fully-qualified config ("project:key" → value; objects are JSON-encoded like the CLI does). */
    config: Record<string, string>;
    secretKeys?: string[];
    /** true: outputs a provider computes stay unknown, as in `pulumi preview`. */
    preview?: boolean;
    /** The program; its return value becomes the stack outputs. */
    program: () => unknown;
}

export class Evaluation {
    constructor(
        public readonly resources: RecordedResource[],
        public readonly outputs: Record<string, any>,
        public readonly invokes: InvokeRecord[],
        /** Stack output names whose values are secrets. */
        public readonly secretOutputs: string[] = [],
    ) {}

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The single resource of a type whose name is exactly `name`. */
    named(type: string, name: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            const names = this.ofType(type).map((r) => r.name).join(", ");
            throw new Error(`expected one ${type} named ${name}, found ${found.length} (have: ${names})`);
        }
        return found[0];
    }

    byUrn(urn: string): RecordedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }

    /** All resources below a component, at any depth. */
    descendantsOf(urn: string): RecordedResource[] {
        const children = this.resources.filter((r) => r.parent === urn);
        return children.flatMap((c) => [c, ...this.descendantsOf(c.urn)]);
    }

    /** Walks parents up to the root. */
    ancestorsOf(resource: RecordedResource): RecordedResource[] {
        const chain: RecordedResource[] = [];
        let current = this.byUrn(resource.parent);
        while (current) {
            chain.push(current);
            current = this.byUrn(current.parent);
        }
        return chain;
    }
}

const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Plain JSON from a gRPC struct: unknowns become UNKNOWN, secrets unwrap (recorded separately). */
function plain(value: any): any {
    if (value === UNKNOWN_SENTINEL) return UNKNOWN;
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
        if (value[rpc.specialSigKey] === SECRET_SIG) return plain(value.value);
        if (value[rpc.specialSigKey] !== undefined && "urn" in value) return value.urn;
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

function secretKeysOf(struct: Record<string, any>): string[] {
    return Object.entries(struct ?? {})
        .filter(([, v]) => v && typeof v === "object" && v[rpc.specialSigKey] === SECRET_SIG)
        .map(([k]) => k);
}

/** `value` with every leaf replaced by the engine's unknown marker. */
function unknownLeaves(value: unknown): unknown {
    if (Array.isArray(value)) return UNKNOWN_SENTINEL;
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unknownLeaves(v)]));
    return UNKNOWN_SENTINEL;
}

/**
 * What a preview knows of a resource: its inputs. A property the provider computes is absent (so
 * unknown); one the provider fills in *inside* an input object (an AKS cluster's issuerURL inside
 * oidcIssuerProfile) is unknown there, as the engine reports it, so the whole object is unknown.
 */
function previewOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    const computed = fakeResourceOutputs(type, name, inputs);
    const nested: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(computed)) {
        const input = inputs[key];
        if (!input || typeof input !== "object" || Array.isArray(input) || !value || typeof value !== "object") continue;
        const added = Object.entries(value as Record<string, unknown>).filter(([k]) => !(k in input));
        if (added.length > 0) nested[key] = { ...input, ...Object.fromEntries(added.map(([k, v]) => [k, unknownLeaves(v)])) };
    }
    return nested;
}

let evaluationLock: Promise<unknown> = Promise.resolve();

/** Runs one program evaluation; evaluations are serialized because the runtime is process-global. */
export function evaluate(options: EvaluationOptions): Promise<Evaluation> {
    const run = evaluationLock.then(() => evaluateNow(options));
    evaluationLock = run.catch(() => undefined);
    return run;
}

async function evaluateNow(options: EvaluationOptions): Promise<Evaluation> {
    const resources: RecordedResource[] = [];
    const invokes: InvokeRecord[] = [];
    const preview = options.preview ?? false;

    await pulumi.runtime.setMocks({
        newResource: (args) => {
            const outputs = preview ? previewOutputs(args.type, args.name, args.inputs) : fakeResourceOutputs(args.type, args.name, args.inputs);
            // Azure IDs are ARM resource paths; other providers get a name-derived id.
            const id = preview ? undefined : typeof outputs.id === "string" ? outputs.id : `${args.name}-id`;
            return { id, state: { ...args.inputs, ...outputs } };
        },
        call: (args) => {
            invokes.push({ token: args.token, args: args.inputs });
            return fakeInvokeResult(args.token, args.inputs);
        },
    }, options.project, options.stack, preview);

    const monitor = settings.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const object = req.getObject()?.toJavaScript() ?? {};
        const entry: RecordedResource = {
            urn: "",
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            inputs: plain(object),
            parent: req.getParent(),
            dependencies: req.getDependenciesList(),
            provider: req.getProvider(),
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete() === true,
            ignoreChanges: req.getIgnorechangesList(),
            aliases: req.getAliasesList().map((a: any) => a.toObject()),
            secretInputs: secretKeysOf(object),
            id: "",
            outputs: {},
        };
        resources.push(entry);
        return register(req, (err: unknown, response: any) => {
            if (response) {
                entry.urn = response.getUrn();
                entry.id = response.getId() ?? "";
                // Only what the provider added or changed: the inputs are recorded already (and can be large).
                const state = plain(response.getObject()?.toJavaScript() ?? {});
                entry.outputs = Object.fromEntries(Object.entries(state).filter(([key, value]) =>
                    !(key in entry.inputs) || JSON.stringify(value) !== JSON.stringify(entry.inputs[key])));
            }
            callback(err, response);
        });
    };

    // Stack outputs as the engine receives them, to tell which ones are secrets.
    const secretOutputs: string[] = [];
    let registeredOutputs: Record<string, any> = {};
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: any) => {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) {
            const struct = req.getOutputs()?.toJavaScript() ?? {};
            secretOutputs.push(...secretKeysOf(struct));
            registeredOutputs = plain(struct);
        }
        return registerOutputs(req, callback);
    };

    runtimeConfig.setAllConfig(options.config, options.secretKeys ?? []);
    let outputs: Record<string, any>;
    try {
        outputs = await stack.runInPulumiStack(async () => options.program());
        await settings.waitForRPCs();
    } catch (err) {
        await settings.waitForRPCs().catch(() => undefined);
        // Tests assert what was registered before a failure (bad config must register nothing).
        throw Object.assign(err as Error, { registered: resources.map((r) => r.type) });
    }
    // In a preview, outputs holding unknowns do not resolve; the registered form keeps them, marked UNKNOWN.
    return new Evaluation(resources, preview ? registeredOutputs : outputs ?? {}, invokes, secretOutputs);
}
