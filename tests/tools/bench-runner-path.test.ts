import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { stackRunConfig } from "../../commands/offline/evaluate-stack";
import { RunnerResult, benchProgramRun, runThroughRunner, runtimeOptions } from "../../tools/bench/runner-path";
import { stackEvaluation } from "../support/stacks";

const ROOT = path.resolve(__dirname, "..", "..");

interface ModuleReport {
    modules: string[];
    tsLoader: string | null;
    compiled: string[];
    prepareStackTrace: string | null;
}

/** One runner-path run with the module report preloaded after the Pulumi.yaml nodeargs. */
async function runWithReport(run: Omit<Parameters<typeof runThroughRunner>[0], "extraNodeArgs">): Promise<{ result: RunnerResult; report: ModuleReport }> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "modules-")), "report.json");
    const result = await runThroughRunner({ ...run, extraNodeArgs: ["--require", "./tools/bench/module-report.js"], env: { ...run.env, BENCH_MODULE_REPORT: file } });
    assert.equal(result.exitCode, 0, `${result.diagnostics.join("\n")}\n${result.stderr}`);
    return { result, report: JSON.parse(fs.readFileSync(file, "utf8")) };
}

const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join("/");
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

describe("bench, runner path: the program runs as `pulumi up` runs it", function () {
    this.timeout(120_000);
    let prod: { result: RunnerResult; report: ModuleReport };

    before(async () => {
        const { project, config, secretKeys } = stackRunConfig("prod", { placeholderSecrets: true });
        prod = await runWithReport({ project, stack: "prod", config, secretKeys });
    });

    it("starts Node with Pulumi.yaml's runtime options: no ts-node, our loader preloaded", () => {
        assert.deepEqual(runtimeOptions(), { typescript: false, nodeargs: ["--require", "./runtime/ts-transpile.js"], main: "index.ts" });
        assert.equal(relative(prod.report.modules[0]), "runtime/ts-transpile.js", "the nodeargs preload is the first module");
        assert.ok(!prod.report.modules.some((m) => m.includes("/ts-node/")), "typescript: false, so the runner does not register ts-node");
    });

    it("runs Pulumi's runner: its set-up, then the program", () => {
        const order = (suffix: string) => prod.report.modules.findIndex((m) => m.endsWith(suffix));
        const runner = order("@pulumi/pulumi/cmd/run/index.js");
        const program = order(`${path.sep}index.ts`);
        assert.ok(runner > 0 && program > runner, `runner ${runner}, program ${program}`);
        assert.ok(order("@pulumi/pulumi/cmd/run/run.js") > runner, "the runner's own set-up ran");
    });

    it("loads every program module through our loader", () => {
        assert.equal(prod.report.tsLoader, "loadTypeScript");
        const tsModules = prod.report.modules.filter((m) => m.endsWith(".ts")).map(relative).sort();
        assert.deepEqual([...prod.report.compiled].map(relative).sort(), tsModules);
        for (const file of ["index.ts", "stacks/platform.ts", "stacks/config/schema.ts", "components/app/financial-app.ts"]) assert.ok(tsModules.includes(file), file);
    });

    it("formats stacks as V8 does, declining the runner's source-map-support, and defers the SDK's closure-serialization modules", () => {
        const loaded = (name: string) => prod.report.modules.some((m) => m.includes(name));
        assert.equal(prod.report.prepareStackTrace, "formatStackTrace");
        assert.equal(loaded("/source-map-support/"), false, "the runner's require of source-map-support/register got an empty module");
        assert.equal(loaded("typescript/lib/typescript.js"), false);
        assert.equal(loaded("@npmcli/arborist"), false);
        assert.equal(loaded("runtime/closure/v8Hooks.js"), false, "no inspector session before the program needs one");
        assert.equal(loaded("@opentelemetry/sdk-trace-node"), false, "tracing is off, so its SDK stays unloaded");
    });

    it("a program that does serialize a function still can: the deferred modules and the inspector start on first use", async () => {
        const result = await runThroughRunner(benchProgramRun(["tests/runtime/fixtures/serialize-function.ts"]));
        assert.equal(result.exitCode, 0, `${result.diagnostics.join("\n")}\n${result.stderr}`);
        const code = String(result.stackOutputs.code);
        assert.match(code, /base \+ 1/);
        assert.match(code, /base: 41/, "the captured variable is serialized with its value");
    });

    it("with --tracing the runner still traces: the deferred OpenTelemetry SDK loads and exports spans", async () => {
        const spans: string[] = [];
        const collector = http.createServer((req, res) => {
            let body = "";
            req.on("data", (chunk) => (body += chunk));
            req.on("end", () => {
                spans.push(body);
                res.writeHead(202).end();
            });
        });
        await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
        const { port } = collector.address() as AddressInfo;
        try {
            const result = await runThroughRunner({
                ...benchProgramRun(["tools/bench/apps-program.ts", "1"]),
                runnerArgs: ["--tracing", `http://127.0.0.1:${port}/api/v2/spans`], env: { PULUMI_EXPERIMENTAL: "true" },
            });
            assert.equal(result.exitCode, 0, result.stderr);
        } finally {
            collector.close();
        }
        const names = spans.flatMap((body) => (JSON.parse(body) as { name: string; localEndpoint: { serviceName: string } }[]).map((s) => `${s.localEndpoint.serviceName}/${s.name}`));
        assert.ok(names.includes("nodejs-runtime/language-runtime.run"), names.join(", "));
    });

    it("registers the same resources as the in-process evaluation, without a debug-message RPC per registration step", async () => {
        assert.equal(prod.result.resources, (await stackEvaluation("prod")).resources.length);
        assert.deepEqual(prod.result.diagnostics, []);
        assert.equal(prod.result.logCounts.debug, undefined, JSON.stringify(prod.result.logCounts));
    });

    it("with FINPLAT_SOURCE_MAP_SUPPORT=1 and FINPLAT_PULUMI_DEBUG_LOGS=1 the runner behaves as Pulumi ships it: source-map-support after the preloads and before the program, debug messages to the engine", async () => {
        const { report, result } = await runWithReport({
            ...benchProgramRun(["tools/bench/apps-program.ts", "1"]),
            env: { FINPLAT_SOURCE_MAP_SUPPORT: "1", FINPLAT_PULUMI_DEBUG_LOGS: "1" },
        });
        assert.ok(result.logCounts.debug > result.resources, JSON.stringify(result.logCounts));
        const order = (suffix: string) => report.modules.findIndex((m) => m.endsWith(suffix));
        const runner = order("@pulumi/pulumi/cmd/run/index.js");
        const sourceMapSupport = order("source-map-support/register.js");
        const program = order("tools/bench/apps-program.ts");
        assert.ok(runner > 0 && sourceMapSupport > runner && program > sourceMapSupport, `runner ${runner}, source-map-support ${sourceMapSupport}, program ${program}`);
        assert.equal(report.prepareStackTrace, "prepareStackTrace", "source-map-support's formatter");
    });
});

describe("bench, runner path: errors and resources point at the .ts file and line", function () {
    this.timeout(120_000);
    const lineOf = (file: string, text: string) => fs.readFileSync(path.join(ROOT, file), "utf8").split("\n").findIndex((l) => l.includes(text)) + 1;

    it("a component that throws is reported with its .ts file and the line of the throw", async () => {
        const result = await runThroughRunner(benchProgramRun(["tests/runtime/fixtures/invalid-app.ts"]));
        assert.notEqual(result.exitCode, 0);
        const reported = stripAnsi(result.diagnostics.join("\n"));
        assert.match(reported, /FinancialApp "invalid" has invalid arguments/);
        assert.ok(reported.includes(`components/app/validation.ts:${lineOf("components/app/validation.ts", "throw new Error(`FinancialApp")}:`), reported);
        assert.ok(reported.includes(`tests/runtime/fixtures/invalid-app.ts:${lineOf("tests/runtime/fixtures/invalid-app.ts", "new FinancialApp(")}:`), reported);
    });

    it("each resource's stack trace, sent to the engine, names the .ts line that declares it", async () => {
        const result = await runThroughRunner({ ...benchProgramRun(["tools/bench/apps-program.ts", "1"]), recordStackTraces: true });
        assert.equal(result.exitCode, 0, result.stderr);
        const namespace = result.stackTraces.find((t) => t.type === "kubernetes:core/v1:Namespace")!;
        const declared = `components/app/namespace.ts:${lineOf("components/app/namespace.ts", "new k8s.core.v1.Namespace(")}`;
        assert.ok(namespace.frames.some((f) => f.endsWith(declared)), namespace.frames.join("\n"));
    });
});

describe("bench command", function () {
    this.timeout(300_000);

    it("npm run bench runs end to end in its smoke mode (one run, prod and two app counts, README untouched)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const out = execFileSync(process.execPath, ["-r", "./runtime/ts-transpile.js", "tools/bench.ts", "--runs", "1", "--quick", "--no-readme"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        assert.match(out, /\| \(a\) prod evaluation \(\d+ resources\) \| \*\*\d+ ms\*\*, \d+ resources\/s, peak RSS/);
        assert.match(out, /\| \(b\) marginal cost per app instance \| \*\*-?\d+\.\d ms\*\*/);
        assert.equal(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"), readme);
    });
});
