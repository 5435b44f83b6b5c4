// Stack traces in the program's process: V8's own format, without the work
// nobody reads.
//
// 1. Pulumi's runner (@pulumi/pulumi/cmd/run) installs source-map-support after
//    the nodeargs preloads. From then on every `new Error().stack` goes through its
//    formatter, which clones each frame and maps it through the source maps it
//    loads for the SDK's own files, and Pulumi takes such stacks all the time. The
//    program's frames gain nothing: the loader emits no source maps and keeps the
//    source's line numbers, so V8's format already names the .ts file and line.
//    What changes for a reader: frames inside the SDK show its .js files.
// 2. The SDK records a formatted stack on every internal promise it creates
//    (several per resource), only to print them when PULUMI_DEBUG_PROMISE_LEAKS is
//    set. Unless it is set, those captures now format to an empty string.
//
// useNativeStackTraces() runs when the first .ts file loads, after the runner's
// set-up. FINPLAT_SOURCE_MAP_SUPPORT=1 leaves stack formatting as the runner set
// it (source-map-support, every promise's stack), e.g. to debug the SDK itself.
"use strict";

let decided = false;

/** Whether `format` is the stack formatter source-map-support installs. */
function isSourceMapSupportFormatter(format) {
    if (typeof format !== "function" || format.name !== "prepareStackTrace") return false;
    return Object.keys(require.cache).some((file) => /[\\/]source-map-support[\\/]source-map-support\.js$/.test(file));
}

/** The capture in @pulumi/pulumi's debuggablePromise (runtime/debuggable.js), which only leak reports read. */
function isPromiseDebugCapture(frames) {
    const top = frames[0];
    return top !== undefined && top.getFunctionName() === "debuggablePromise" && /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/.test(top.getFileName() || "");
}

/** V8's and Node's own format: "Name: message" and one "    at <frame>" line per frame. */
function formatStackTrace(error, frames) {
    if (isPromiseDebugCapture(frames)) return "";
    let header;
    try {
        header = Error.prototype.toString.call(error);
    } catch {
        header = "<error>";
    }
    return frames.length === 0 ? header : `${header}\n    at ${frames.join("\n    at ")}`;
}

function useNativeStackTraces() {
    if (decided) return;
    decided = true;
    if (process.env.FINPLAT_SOURCE_MAP_SUPPORT === "1") return;
    const current = Error.prepareStackTrace;
    if (current !== undefined && !isSourceMapSupportFormatter(current)) return; // someone else's formatter: keep it
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) delete Error.prepareStackTrace;
    else Error.prepareStackTrace = formatStackTrace;
}

module.exports = { useNativeStackTraces, formatStackTrace, isSourceMapSupportFormatter };
