// Pulumi's runner (@pulumi/pulumi/cmd/run) installs source-map-support after the
// nodeargs preloads. From then on every `new Error().stack` goes through its
// formatter, which clones each frame and maps it through the source maps it loads
// for the SDK's own files; and Pulumi takes such a stack for every resource (with
// no depth limit) and for every internal promise. The program's own frames gain
// nothing from it: the loader emits no source maps and keeps the source's line
// numbers, so V8's native format already names the .ts file and line.
//
// useNativeStackTraces() runs when the first .ts file loads, after the runner's
// set-up, and hands stack formatting back to V8. What changes for a reader: frames
// inside the Pulumi SDK show its .js files instead of its TypeScript sources.
// FINPLAT_SOURCE_MAP_SUPPORT=1 keeps source-map-support, e.g. to debug the SDK.
"use strict";

let decided = false;

/** Whether `format` is the stack formatter source-map-support installs. */
function isSourceMapSupportFormatter(format) {
    if (typeof format !== "function" || format.name !== "prepareStackTrace") return false;
    return Object.keys(require.cache).some((file) => /[\\/]source-map-support[\\/]source-map-support\.js$/.test(file));
}

function useNativeStackTraces() {
    if (decided) return;
    decided = true;
    if (process.env.FINPLAT_SOURCE_MAP_SUPPORT === "1") return;
    if (isSourceMapSupportFormatter(Error.prepareStackTrace)) delete Error.prepareStackTrace;
}

module.exports = { useNativeStackTraces, isSourceMapSupportFormatter };
