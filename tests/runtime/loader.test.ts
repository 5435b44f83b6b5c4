import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";

/* eslint-disable @typescript-eslint/no-require-imports */
// The loader itself (mocha preloads it: this is the same module), its cache left out.
const { COMPILER_OPTIONS, transpile: loaderTranspile } = require("../../runtime/ts-transpile");
const { lazyModule, lazyExports, DEFERRED } = require("../../runtime/deferred-modules");
const { formatStackTrace, RUNNER_REGISTER, DEBUGGABLE } = require("../../runtime/stack-traces");
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = path.resolve(__dirname, "..", "..");

/** What the loader makes of a file (without its cache), and TypeScript's own output with the same options. */
function transpile(source: string, fileName: string) {
    const output = ts.transpileModule(source, { compilerOptions: COMPILER_OPTIONS, fileName });
    const plain = output.outputText.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, "");
    return { plain, aligned: loaderTranspile(source, fileName) as string };
}

/** Every token of a JavaScript text, in order (the text without its layout). */
function tokens(code: string): string[] {
    const file = ts.createSourceFile("out.js", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
    const out: string[] = [];
    const visit = (node: ts.Node): void => {
        const children = node.getChildren(file);
        if (children.length === 0) out.push(`${node.kind}:${node.getText(file)}`);
        else children.forEach(visit);
    };
    visit(file);
    return out;
}

/** The program's own sources: what `pulumi up` loads through the loader. */
function programFiles(): string[] {
    const walk = (dir: string): string[] =>
        fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
            const rel = path.posix.join(dir, e.name);
            return e.isDirectory() ? walk(rel) : rel.endsWith(".ts") ? [rel] : [];
        });
    return ["index.ts", ...walk("stacks"), ...walk("components")];
}

const KEYWORD: Partial<Record<ts.SyntaxKind, RegExp>> = {
    [ts.SyntaxKind.ThrowStatement]: /\bthrow\b/,
    [ts.SyntaxKind.ReturnStatement]: /\breturn\b/,
    [ts.SyntaxKind.IfStatement]: /\bif\b/,
    [ts.SyntaxKind.ForOfStatement]: /\bfor\b/,
    [ts.SyntaxKind.VariableStatement]: /\b(const|let|var)\b|exports\./,
};

describe("runtime loader: TypeScript without source maps", () => {
    const files = programFiles();
    const outputs = new Map<string, { source: string; plain: string; aligned: string }>();
    const output = (file: string) => {
        if (!outputs.has(file)) {
            const source = fs.readFileSync(path.join(ROOT, file), "utf8");
            outputs.set(file, { source, ...transpile(source, file) });
        }
        return outputs.get(file)!;
    };

    it("keeps every throw, return, if, for and declaration of the program on its source line", () => {
        const misplaced: string[] = [];
        let checked = 0;
        for (const file of files) {
            const { source, aligned } = output(file);
            const lines = aligned.split("\n");
            const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
            const visit = (node: ts.Node): void => {
                const keyword = KEYWORD[node.kind];
                // Type-only and `declare` statements have no JavaScript to place.
                const emitted = !(ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword));
                if (keyword && emitted) {
                    checked += 1;
                    const line = tree.getLineAndCharacterOfPosition(node.getStart(tree)).line;
                    if (!keyword.test(lines[line] ?? "")) misplaced.push(`${file}:${line + 1}: ${node.getText(tree).split("\n")[0]}`);
                }
                ts.forEachChild(node, visit);
            };
            visit(tree);
        }
        assert.ok(checked > 1000, `checked ${checked} statements`);
        assert.deepEqual(misplaced, []);
    });

    it("moves only line breaks: the code is TypeScript's own output token for token", () => {
        for (const file of files) {
            const { plain, aligned } = output(file);
            assert.deepEqual(tokens(aligned), tokens(plain), file);
        }
    });

    it("keeps the line breaks inside template literals, which are part of the value", () => {
        const source = "interface A { a: string }\ntype B = A;\nexport const text = `first\n  ${1 + 1}\nlast`;\nexport const after = 1;\n";
        const { aligned } = transpile(source, "t.ts");
        const exports: Record<string, unknown> = {};
        new Function("exports", "require", aligned)(exports, require);
        assert.equal(exports.text, "first\n  2\nlast");
        assert.match(aligned.split("\n")[5], /after = 1/, "the next statement is still on its line");
    });

    it("a thrown error's stack names the .ts file and the line of the throw", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { area } = require("./fixtures/throws");
        const throwLine = fs.readFileSync(path.join(__dirname, "fixtures", "throws.ts"), "utf8").split("\n").findIndex((l) => l.includes("throw new Error")) + 1;
        assert.throws(() => area({ kind: "square", size: -1 }), (err: Error) => {
            assert.match(err.stack!, new RegExp(`fixtures[\\\\/]throws\\.ts:${throwLine}:\\d+`));
            return true;
        });
    });
});

describe("runtime loader: stack traces", () => {
    /** Errors made at one spot, so their frames are the same. */
    const twins = (count: number) => {
        const errors: Error[] = [];
        for (let i = 0; i < count; i++) errors.push(new TypeError("same place"));
        return errors;
    };
    const framesOf = (error: Error): NodeJS.CallSite[] => {
        const saved = Error.prepareStackTrace;
        let frames: NodeJS.CallSite[] = [];
        Error.prepareStackTrace = (_e, f) => ((frames = f), "");
        void error.stack;
        Error.prepareStackTrace = saved;
        return frames;
    };

    it("formats a stack exactly as V8 and Node do by default", () => {
        const [ours, native] = twins(2);
        const saved = Error.prepareStackTrace;
        (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
        const expected = native.stack;
        Error.prepareStackTrace = saved;
        assert.equal(formatStackTrace(ours, framesOf(ours)), expected);
        assert.match(expected!, /^TypeError: same place\n    at .*loader\.test\.ts:\d+:\d+/);
    });

    it("declines exactly the request the installed Pulumi runner makes for source-map-support", () => {
        const text = fs.readFileSync(require.resolve(RUNNER_REGISTER.requiredBy), "utf8");
        assert.ok(text.includes(`require("${RUNNER_REGISTER.request}")`));
    });

    it("the runner's require of source-map-support/register gets an empty module, without loading it; any other file's gets the real one", () => {
        const script = `const Module = require("module"), path = require("path");
            const runner = require.resolve(${JSON.stringify(RUNNER_REGISTER.requiredBy)});
            const loaded = () => Object.keys(require.cache).some((f) => f.includes("source-map-support"));
            const request = ${JSON.stringify(RUNNER_REGISTER.request)};
            const fromRunner = Module._load(request, { filename: runner, id: runner, paths: Module._nodeModulePaths(path.dirname(runner)) }, false);
            const before = loaded();
            Module._load(request, module, false);
            console.log(JSON.stringify({ fromRunner, before, after: loaded() }));`;
        const env = { ...process.env, FINPLAT_SOURCE_MAP_SUPPORT: "" };
        const out = execFileSync(process.execPath, ["-r", "./runtime/ts-transpile.js", "-e", script], { cwd: ROOT, env, encoding: "utf8" });
        assert.deepEqual(JSON.parse(out.trim()), { fromRunner: {}, before: false, after: true });
    });

    it("the SDK's per-promise debug record captures no frames, unless PULUMI_DEBUG_PROMISE_LEAKS asks for the leak report", () => {
        const record = (env: Record<string, string>) => {
            const script = `const d = require(${JSON.stringify(require.resolve(DEBUGGABLE))}); const p = Promise.resolve(1);
                d.debuggablePromise(p, "ctx"); console.log(JSON.stringify({ stack: p._debugStackTrace, ctx: p._debugCtx, limit: Error.stackTraceLimit }));`;
            const out = execFileSync(process.execPath, ["-r", "./runtime/ts-transpile.js", "-e", script], { cwd: ROOT, env: { ...process.env, FINPLAT_SOURCE_MAP_SUPPORT: "", ...env }, encoding: "utf8" });
            return JSON.parse(out.trim()) as { stack: string; ctx: string; limit: number };
        };
        const quiet = record({ PULUMI_DEBUG_PROMISE_LEAKS: "" });
        assert.deepEqual(quiet, { stack: "Error", ctx: "ctx", limit: 10 }, "no frames, the context kept, the stack limit restored");
        const leaks = record({ PULUMI_DEBUG_PROMISE_LEAKS: "1" });
        assert.match(leaks.stack, /^Error\n    at .*debuggable\.js:\d+/, "the leak report gets its stack");
    });
});

describe("runtime loader: the SDK's closure-serialization modules (and zod's locales) load on first use", () => {
    it("defers exactly the requests the installed @pulumi/pulumi and zod make", () => {
        assert.equal(DEFERRED.length, 11);
        for (const { request, requiredBy } of DEFERRED as { request: string; requiredBy: string }[]) {
            // Read by path: zod's package exports do not list its .cjs files.
            const text = fs.readFileSync(path.join(ROOT, "node_modules", requiredBy), "utf8");
            assert.ok(text.includes(`require("${request}")`), `${requiredBy} still requires ${request}`);
        }
    });

    it("a deferred module loads when a member is first read, once", () => {
        let loads = 0;
        const stand = lazyModule(() => {
            loads += 1;
            return { parse: (s: string) => s.length };
        });
        assert.equal(stand.__esModule, true, "TypeScript's __importStar keeps the stand-in as is");
        assert.equal(loads, 0);
        assert.equal(stand.parse("abc"), 3);
        assert.equal(stand.parse("abcd"), 4);
        assert.equal(loads, 1);
    });

    it("members taken out at import load their module when first called or constructed, once", () => {
        let loads = 0;
        class Exporter {
            constructor(public readonly url: string) {}
        }
        const { Exporter: Lazy, endpoint } = lazyExports(() => {
            loads += 1;
            return { Exporter, endpoint: (host: string) => `http://${host}/api/v2/spans` };
        });
        assert.equal(loads, 0, "destructuring loads nothing");
        const exporter = new Lazy("http://collector");
        assert.ok(exporter instanceof Exporter);
        assert.equal(exporter.url, "http://collector");
        assert.equal(endpoint("collector"), "http://collector/api/v2/spans");
        assert.equal(loads, 1);
    });

    it("zod loads no locale until one is asked for; its messages stay English and z.locales still works", () => {
        const script = `
            const loaded = () => Object.keys(require.cache).filter((f) => /zod[\\/]v4[\\/]locales[\\/]/.test(f)).length;
            const { z } = require("zod");
            const message = z.object({ replicas: z.number() }).safeParse({ replicas: "two" }).error.issues[0].message;
            const before = loaded();
            const german = typeof z.locales.de;
            console.log(JSON.stringify({ message, before, german, after: loaded() > before }));`;
        const out = execFileSync(process.execPath, ["-r", "./runtime/ts-transpile.js", "-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.deepEqual(JSON.parse(out.trim()), { message: "Invalid input: expected number, received string", before: 1, german: "function", after: true });
    });

    it("a program that never serializes a function never loads TypeScript or Arborist; one that does still works", () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "closure-"));
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "closure", version: "1.0.0", dependencies: {} }));
        const script = `
            const loaded = (name) => Object.keys(require.cache).some((f) => f.includes(name));
            const pulumi = require("@pulumi/pulumi");
            const before = { typescript: loaded("typescript/lib/typescript.js"), arborist: loaded("@npmcli/arborist") };
            process.chdir(${JSON.stringify(project)});
            (async () => {
                const closure = await pulumi.runtime.serializeFunction(() => 40 + 2);
                const paths = await pulumi.runtime.computeCodePaths();
                const after = { typescript: loaded("typescript/lib/typescript.js"), arborist: loaded("@npmcli/arborist") };
                console.log(JSON.stringify({ before, after, closure: closure.text.includes("40 + 2"), paths: paths instanceof Map }));
            })();`;
        const out = execFileSync(process.execPath, ["-r", "./runtime/ts-transpile.js", "-e", script], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        assert.deepEqual(JSON.parse(out.trim().split("\n").pop()!), {
            before: { typescript: false, arborist: false },
            after: { typescript: true, arborist: true },
            closure: true,
            paths: true,
        });
    });
});
