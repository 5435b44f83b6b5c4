// Loads .ts files by transpiling them with TypeScript, without type-checking and
// without source maps: the output keeps each statement on its source line
// (./align-lines.js), so stack traces name the .ts file and line as they are.
// Pulumi captures a stack trace for every resource and promise; mapping each
// capture through source maps dominated evaluation time (README "Performance").
// Type-checking happens once, in `npm test` (tsc --noEmit).
//
// Transpiled output is cached by content hash in node_modules/.cache, so a run
// whose sources did not change does not even load the TypeScript compiler.
//
// Pulumi.yaml preloads this file (`nodeargs`), before Pulumi's runner, so it also
// sets up savings for the program's process: ./stack-traces.js (V8's stack format
// instead of source-map-support's, and no stack for every SDK promise),
// ./deferred-modules.js (the SDK's closure serialization and the runner's tracing
// load on first use), ./debug-logs.js (no debug message RPC per registration step)
// and ./struct-codec.js (resource properties encoded and decoded without building
// a protobuf message per value).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { alignLines } = require("./align-lines");
require("./stack-traces").installStackFormatter();
require("./deferred-modules").deferModulesUntilUsed();
require("./debug-logs").keepDebugLogsLocal();
require("./struct-codec").keepStructsAsBytes();

const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "ts-transpile");
/**
 * What the loader compiles with, spelled as in tsconfig.json (transpileModule converts the
 * names), so the cache key below is derived from them without loading the compiler. The map
 * only guides the line alignment; comments go so that joining two lines is always safe.
 */
const COMPILER_OPTIONS = Object.freeze({
    module: "commonjs",
    target: "es2022",
    esModuleInterop: true,
    resolveJsonModule: true,
    sourceMap: true,
    removeComments: true,
    newLine: "lf",
});
/** Bumped when ./align-lines.js changes what it emits. */
const ALIGNMENT_VERSION = "aligned-v1";
// Part of every cache key: a compiler upgrade, an option change or a new line alignment invalidates the cache.
const OPTIONS_KEY = `${JSON.stringify(COMPILER_OPTIONS)}/${ALIGNMENT_VERSION}@${require("typescript/package.json").version}`;

let ts;

function transpile(source, filename) {
    ts = ts || require("typescript");
    const output = ts.transpileModule(source, { compilerOptions: COMPILER_OPTIONS, fileName: filename });
    return alignLines(ts, output.outputText, output.sourceMapText);
}

require.extensions[".ts"] = function loadTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha256").update(OPTIONS_KEY).update("\0").update(filename).update("\0").update(source).digest("hex");
    const cached = path.join(CACHE_DIR, `${key}.js`);
    let output;
    try {
        output = fs.readFileSync(cached, "utf8");
    } catch {
        output = transpile(source, filename);
        try {
            fs.mkdirSync(CACHE_DIR, { recursive: true });
            // Write then rename, so a concurrent process never reads half a file.
            const temporary = `${cached}.${process.pid}.tmp`;
            fs.writeFileSync(temporary, output);
            fs.renameSync(temporary, cached);
        } catch {
            // A read-only checkout still runs; it just transpiles every time.
        }
    }
    module._compile(output, filename);
};

// For tests/runtime/loader.test.ts, which checks what transpile() emits against TypeScript's own output.
module.exports = { COMPILER_OPTIONS, transpile };
