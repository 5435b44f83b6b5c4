/**
 * Runs a program the way `pulumi up` runs it: Node with the Pulumi.yaml runtime
 * options (`nodeargs`, `typescript`), then Pulumi's own runner
 * (`@pulumi/pulumi/cmd/run`) with the arguments and environment the Node.js
 * language host passes, connected to the mock engine (./mock-engine.ts).
 *
 * The language host runs:
 *   node <nodeargs> <resolved @pulumi/pulumi/cmd/run> --monitor A --engine A
 *        --organization O --project P --root-directory R --stack S --pwd R
 *        [--dry-run] --parallel N <main> [args…]
 * with PULUMI_CONFIG (JSON), PULUMI_CONFIG_SECRET_KEYS (JSON) and, when the
 * `typescript` option is on, PULUMI_NODEJS_TYPESCRIPT=true. (It also passes
 * `--sync <dir>` for the deprecated synchronous invokes; this program makes none.)
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import * as yaml from "js-yaml";
import { ProcessSample, RegistrationTrace, sampleProcess, startMockEngine } from "./mock-engine";

export const ROOT = path.resolve(__dirname, "..", "..");

export interface RuntimeOptions {
    typescript: boolean;
    nodeargs: string[];
    main: string;
}

/** The `runtime.options` and `main` of Pulumi.yaml, defaulted as the language host defaults them. */
export function runtimeOptions(root = ROOT): RuntimeOptions {
    const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
        main?: string;
        runtime: string | { options?: { typescript?: boolean; nodeargs?: string } };
    };
    const options = typeof project.runtime === "object" ? project.runtime.options ?? {} : {};
    return {
        typescript: options.typescript ?? true,
        // The host splits nodeargs like a shell; ours has no quoting.
        nodeargs: (options.nodeargs ?? "").split(/\s+/).filter(Boolean),
        main: project.main ?? ".",
    };
}

export interface RunnerRun {
    /** Program name and arguments for the runner; default: Pulumi.yaml's main. */
    program?: string[];
    project: string;
    stack: string;
    config: Record<string, string>;
    secretKeys: string[];
    dryRun?: boolean;
    /** Extra Node flags after the Pulumi.yaml nodeargs (e.g. --cpu-prof for profiling). */
    extraNodeArgs?: string[];
    /** Extra runner flags, as the language host passes them (e.g. --tracing URL). */
    runnerArgs?: string[];
    /** Extra environment for the program (tests use it to ask for a module report). */
    env?: Record<string, string>;
    /** Runtime options in place of Pulumi.yaml's (e.g. Pulumi's default, `typescript: true` without nodeargs). */
    runtime?: Partial<RuntimeOptions>;
    /** Keep each registration's stack trace (tests check where errors will point). */
    recordStackTraces?: boolean;
}

/** A program of the bench's own (tools/bench/*-program.ts, a test fixture) on an empty "bench" stack. */
export function benchProgramRun(program: string[]): RunnerRun {
    return { project: "bench", stack: "bench", config: {}, secretKeys: [], program };
}

export interface RunnerResult {
    /** Spawn to exit: Node start-up, loader, runner, SDK, program and shutdown. */
    wallMs: number;
    /** Peak memory and CPU time of the program's process, sampled when it signals shutdown. */
    sample?: ProcessSample;
    /** CPU time of this process (the mock engine, serving the program) from spawn to exit. */
    engineCpuMs: number;
    /** Resources registered with the engine, the stack and providers included. */
    resources: number;
    /** Per registration, when asked for: type, name and the stack frames the SDK sent ("file:line"). */
    stackTraces: RegistrationTrace[];
    stackOutputs: Record<string, unknown>;
    exitCode: number | null;
    stderr: string;
    stdout: string;
    diagnostics: string[];
    /** Log messages the engine received, by severity. */
    logCounts: Record<string, number>;
}

/** One run of the program through Pulumi's runner against a fresh mock engine. */
export async function runThroughRunner(run: RunnerRun): Promise<RunnerResult> {
    const options = { ...runtimeOptions(), ...run.runtime };
    const organization = "organization";
    let pid = 0;
    let sample: ProcessSample | undefined;
    const engine = await startMockEngine({
        project: run.project,
        stack: run.stack,
        organization,
        dryRun: run.dryRun ?? false,
        recordStackTraces: run.recordStackTraces,
        onShutdownSignal: () => {
            sample = sampleProcess(pid);
        },
    });
    const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [ROOT] });
    const args = [
        ...options.nodeargs,
        ...(run.extraNodeArgs ?? []),
        runPath,
        "--monitor", engine.address,
        "--engine", engine.address,
        "--organization", organization,
        "--project", run.project,
        "--root-directory", ROOT,
        "--stack", run.stack,
        "--pwd", ROOT,
        ...(run.dryRun ? ["--dry-run"] : []),
        "--parallel", String(4 * os.cpus().length),
        ...(run.runnerArgs ?? []),
        ...(run.program ?? [options.main]),
    ];
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...run.env,
        PULUMI_CONFIG: JSON.stringify(run.config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(run.secretKeys),
    };
    if (options.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    else delete env.PULUMI_NODEJS_TYPESCRIPT;

    const start = performance.now();
    const engineCpu = process.cpuUsage();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    pid = child.pid ?? 0;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", resolve);
    });
    const wallMs = performance.now() - start;
    const { user, system } = process.cpuUsage(engineCpu);
    await engine.stop();
    return { wallMs, sample, engineCpuMs: (user + system) / 1000, resources: engine.registrations.length, stackTraces: engine.stackTraces, stackOutputs: engine.stackOutputs, logCounts: engine.logCounts, exitCode, stderr, stdout, diagnostics: engine.diagnostics };
}
