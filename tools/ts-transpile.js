// Loads .ts files by transpiling them with TypeScript, without type-checking and
// without source-map-support. Pulumi captures a stack trace for every resource
// and promise; with ts-node's source-map-support each capture maps every frame
// through source maps, which dominated evaluation time (see README "Performance").
// Type-checking happens once, in `npm test` (tsc --noEmit).
"use strict";
const fs = require("fs");
const ts = require("typescript");

const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    resolveJsonModule: true,
};

require.extensions[".ts"] = function loadTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
    module._compile(outputText, filename);
};
