/**
 * A stand-in for the Pulumi engine, served over gRPC like the real one, so the
 * benchmark can run Pulumi's own runner (`@pulumi/pulumi/cmd/run`) as
 * `pulumi up` does: the runner connects to `--monitor` and `--engine`, and every
 * registration crosses a real gRPC channel with protobuf serialization.
 *
 * It answers with the offline harness's realistic provider outputs
 * (commands/offline/fake-cloud.ts), advertises the features a current engine
 * advertises, and does no diffing or provider work (that is the engine's time,
 * not the program's).
 */
import * as grpc from "@grpc/grpc-js";
import * as fs from "fs";
import { fileURLToPath } from "url";
import { fakeInvokeResult, fakeResourceOutputs } from "../../commands/offline/fake-cloud";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const enginproto = require("@pulumi/pulumi/proto/engine_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const rpc = require("@pulumi/pulumi/runtime/rpc");

export interface MockEngineOptions {
    project: string;
    stack: string;
    organization: string;
    dryRun: boolean;
    /** Keep each registration's stack trace (as the SDK sends it for error reports). */
    recordStackTraces?: boolean;
    /** Called when the program signals it is done (before it exits): the moment to sample its memory. */
    onShutdownSignal?: () => void;
}

export interface RegistrationTrace {
    type: string;
    name: string;
    /** Innermost first, as "file:line" (file as the SDK's file URI turned into a path). */
    frames: string[];
}

export interface MockEngine {
    address: string;
    /** Registrations (custom, component and provider resources, the stack included), by type. */
    registrations: string[];
    /** Reads of existing resources (`Resource.get`), by type. */
    reads: string[];
    invokes: string[];
    stackTraces: RegistrationTrace[];
    /** The stack's outputs as the program registered them (plain JSON). */
    stackOutputs: Record<string, unknown>;
    /** Engine log messages at warning level or above, as the CLI would print them. */
    diagnostics: string[];
    /** How many log messages arrived, by severity. */
    logCounts: Record<string, number>;
    stop(): Promise<void>;
}

const SEVERITY = ["debug", "info", "warning", "error"];

/** What the engine hands back for an input: output values resolved, secrets kept secret. */
function settle(value: any): any {
    if (Array.isArray(value)) return value.map(settle);
    if (!value || typeof value !== "object") return value;
    const sig = value[rpc.specialSigKey];
    if (sig === rpc.specialOutputValueSig) {
        const inner = "value" in value ? settle(value.value) : rpc.unknownValue;
        return value.secret ? { [rpc.specialSigKey]: rpc.specialSecretSig, value: inner } : inner;
    }
    if (sig !== undefined) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, settle(v)]));
}

/** Plain JSON for the fake cloud: secrets unwrapped, resource references as their URN. */
function plain(value: any): any {
    if (Array.isArray(value)) return value.map(plain);
    if (!value || typeof value !== "object") return value;
    const sig = value[rpc.specialSigKey];
    if (sig === rpc.specialSecretSig) return plain(value.value);
    if (sig === rpc.specialResourceSig) return value.urn;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

function framesOf(trace: any): string[] {
    return (trace?.getFramesList() ?? []).map((frame: any) => {
        const position = frame.getPc();
        return position ? `${fileURLToPath(position.getUri())}:${position.getLine()}` : "";
    });
}

/** The type segment of a URN, which children's URNs are qualified with. */
function qualifiedType(urn: string): string {
    return urn.split("::")[2] ?? "";
}

export async function startMockEngine(options: MockEngineOptions): Promise<MockEngine> {
    const registrations: string[] = [];
    const reads: string[] = [];
    const invokes: string[] = [];
    const stackTraces: RegistrationTrace[] = [];
    const diagnostics: string[] = [];
    const logCounts: Record<string, number> = {};
    let rootUrn = "";
    const stackOutputs: Record<string, unknown> = {};

    const urnFor = (parent: string, type: string, name: string) => {
        const parentType = parent && parent !== rootUrn ? `${qualifiedType(parent)}$` : "";
        return `urn:pulumi:${options.stack}::${options.project}::${parentType}${type}::${name}`;
    };

    /** Outputs as a provider would return them after `up`: the inputs, plus what the cloud computes. */
    const stateOf = (type: string, name: string, properties: any, custom: boolean) => {
        if (!custom) return { id: "", state: {} };
        const inputs = settle(properties?.toJavaScript() ?? {});
        const computed = options.dryRun ? {} : fakeResourceOutputs(type, name, plain(inputs));
        const id = options.dryRun ? "" : typeof computed.id === "string" ? computed.id : `${name}-id`;
        return { id, state: { ...inputs, ...computed } };
    };

    const monitor = {
        getDeploymentInfo(_call: any, callback: any) {
            const info = new resproto.DeploymentInfo();
            info.setProject(options.project);
            info.setStack(options.stack);
            info.setOrganization(options.organization);
            info.setDryrun(options.dryRun);
            info.setSupportedfeaturesList(Object.values(resproto.ResourceMonitorFeature));
            callback(null, info);
        },
        supportsFeature(_call: any, callback: any) {
            const response = new resproto.SupportsFeatureResponse();
            response.setHassupport(true);
            callback(null, response);
        },
        registerResource(call: any, callback: any) {
            const req = call.request;
            const type: string = req.getType();
            const name: string = req.getName();
            registrations.push(type);
            if (options.recordStackTraces) stackTraces.push({ type, name, frames: framesOf(req.getStacktrace()) });
            const urn = urnFor(req.getParent(), type, name);
            const { id, state } = stateOf(type, name, req.getObject(), req.getCustom());
            const response = new resproto.RegisterResourceResponse();
            response.setUrn(urn);
            response.setId(id);
            response.setObject(structproto.Struct.fromJavaScript(state));
            callback(null, response);
        },
        readResource(call: any, callback: any) {
            const req = call.request;
            reads.push(req.getType());
            const { state } = stateOf(req.getType(), req.getName(), req.getProperties(), true);
            const response = new resproto.ReadResourceResponse();
            response.setUrn(urnFor(req.getParent(), req.getType(), req.getName()));
            response.setProperties(structproto.Struct.fromJavaScript(state));
            callback(null, response);
        },
        registerResourceOutputs(call: any, callback: any) {
            if (call.request.getUrn() === rootUrn) Object.assign(stackOutputs, plain(settle(call.request.getOutputs()?.toJavaScript() ?? {})));
            callback(null, new emptyproto.Empty());
        },
        invoke(call: any, callback: any) {
            const req = call.request;
            invokes.push(req.getTok());
            const result = fakeInvokeResult(req.getTok(), plain(req.getArgs()?.toJavaScript() ?? {}));
            const response = new resproto.ResourceInvokeResponse();
            response.setReturn(structproto.Struct.fromJavaScript(result));
            callback(null, response);
        },
        call(_call: any, callback: any) {
            callback({ code: grpc.status.UNIMPLEMENTED, details: "the mock engine has no remote components" });
        },
        existsResource(_call: any, callback: any) {
            callback({ code: grpc.status.UNIMPLEMENTED, details: "not needed by this program" });
        },
        registerStackTransform(_call: any, callback: any) {
            callback(null, new emptyproto.Empty());
        },
        registerStackInvokeTransform(_call: any, callback: any) {
            callback(null, new emptyproto.Empty());
        },
        registerResourceHook(_call: any, callback: any) {
            callback(null, new emptyproto.Empty());
        },
        registerErrorHook(_call: any, callback: any) {
            callback(null, new emptyproto.Empty());
        },
        registerPackage(_call: any, callback: any) {
            const response = new resproto.RegisterPackageResponse();
            response.setRef("bench-package");
            callback(null, response);
        },
        signalAndWaitForShutdown(_call: any, callback: any) {
            options.onShutdownSignal?.();
            callback(null, new emptyproto.Empty());
        },
    };

    const engine = {
        log(call: any, callback: any) {
            const req = call.request;
            const severity = SEVERITY[req.getSeverity()] ?? "info";
            logCounts[severity] = (logCounts[severity] ?? 0) + 1;
            if (severity === "warning" || severity === "error") diagnostics.push(`${severity}: ${req.getMessage()}`);
            callback(null, new emptyproto.Empty());
        },
        getRootResource(_call: any, callback: any) {
            const response = new enginproto.GetRootResourceResponse();
            response.setUrn(rootUrn);
            callback(null, response);
        },
        setRootResource(call: any, callback: any) {
            rootUrn = call.request.getUrn();
            callback(null, new enginproto.SetRootResourceResponse());
        },
        requirePulumiVersion(_call: any, callback: any) {
            callback(null, new enginproto.RequirePulumiVersionResponse());
        },
        startDebugging(_call: any, callback: any) {
            callback({ code: grpc.status.UNIMPLEMENTED, details: "no debugger" });
        },
    };

    // The engine accepts messages as large as the SDK sends (rendered Helm values can be big).
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(resrpc.ResourceMonitorService, monitor);
    server.addService(engrpc.EngineService, engine);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    return {
        address: `127.0.0.1:${port}`,
        registrations,
        reads,
        invokes,
        stackTraces,
        stackOutputs,
        diagnostics,
        logCounts,
        stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}

export interface ProcessSample {
    /** Peak resident memory so far, in MB. */
    peakRssMb: number;
    /** CPU time so far (user + system), in ms: less sensitive than wall time to other load on the machine. */
    cpuMs: number;
}

/** Peak memory and CPU time of a live process (Linux /proc; undefined elsewhere). */
export function sampleProcess(pid: number): ProcessSample | undefined {
    try {
        const status = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        // Fields after the command name (which may contain spaces) of /proc/<pid>/stat; utime and stime are the 12th and 13th.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const ticks = Number(fields[11]) + Number(fields[12]);
        // Linux reports in USER_HZ, 100 per second on every common configuration.
        return status ? { peakRssMb: Number(status[1]) / 1024, cpuMs: ticks * 10 } : undefined;
    } catch {
        return undefined;
    }
}
