// Loads .ts files by transpiling them with TypeScript, without type-checking and
// without source-map-support. Pulumi captures a stack trace for every resource
// and promise; with ts-node's source-map-support each capture maps every frame
// through source maps, which dominated evaluation time (see README "Performance").
// Type-checking happens once, in `npm test` (tsc --noEmit).
//
// Transpiled output is cached by content hash in node_modules/.cache, so a run
// whose sources did not change does not even load the TypeScript compiler.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "ts-transpile");
// Part of every cache key: a compiler upgrade or an option change invalidates the cache.
const OPTIONS_KEY = `commonjs/es2022/esModuleInterop/resolveJsonModule@${require("typescript/package.json").version}`;

let ts;

function transpile(source, filename) {
    ts = ts || require("typescript");
    const compilerOptions = {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        resolveJsonModule: true,
    };
    return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
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
