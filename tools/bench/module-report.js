// Preloaded (`--require`) right after the Pulumi.yaml nodeargs by the bench's
// module-report mode: records which modules the program's process loaded, in
// order, and which .ts files the loader before it compiled, and writes them as
// JSON to $BENCH_MODULE_REPORT when the process exits. Never used in timed runs.
"use strict";
const fs = require("fs");

const loader = require.extensions[".ts"];
const compiled = [];
if (loader) {
    require.extensions[".ts"] = function recordCompile(module, filename) {
        compiled.push(filename);
        return loader(module, filename);
    };
}

process.on("exit", () => {
    fs.writeFileSync(
        process.env.BENCH_MODULE_REPORT,
        JSON.stringify({
            // require.cache keeps insertion order: a module is cached before its own imports run.
            modules: Object.keys(require.cache),
            tsLoader: loader ? loader.name : null,
            compiled,
            prepareStackTrace: Error.prepareStackTrace ? Error.prepareStackTrace.name || "(anonymous)" : null,
        }),
    );
});
