// Stack traces in the program's process: V8's own format, without the work
// nobody reads.
//
// 1. Pulumi's runner (@pulumi/pulumi/cmd/run) requires source-map-support/register
//    right after the nodeargs preloads. Its formatter clones every frame of every
//    stack and maps it through the source maps it loads for the SDK's own files,
//    and Pulumi takes stacks all the time (one per resource, with no depth limit).
//    The program's own frames gain nothing from it: the loader emits no source maps
//    and keeps the source's line numbers, so V8's format already names the .ts file
//    and line. That require now gets an empty module. What changes for a reader:
//    frames inside the SDK show its .js files instead of its TypeScript sources.
// 2. The SDK records a formatted stack on every internal promise it creates
//    (several per resource), only to print them when PULUMI_DEBUG_PROMISE_LEAKS is
//    set. Unless it is set, those captures format to an empty string.
//
// FINPLAT_SOURCE_MAP_SUPPORT=1 leaves both as Pulumi has them, e.g. to debug the SDK.
"use strict";
const Module = require("module");

/** The runner's request, and the runner's file that makes it. */
const RUNNER_REGISTER = { request: "source-map-support/register", requiredBy: "@pulumi/pulumi/cmd/run/index.js" };

/** The capture in @pulumi/pulumi's debuggablePromise (runtime/debuggable.js), which only leak reports read. */
function isPromiseDebugCapture(frames) {
    const top = frames[0];
    return top !== undefined && top.getFunctionName() === "debuggablePromise" && /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/.test(top.getFileName() || "");
}

/** V8's and Node's own format: "Name: message" and one "    at <frame>" line per frame. */
function formatStackTrace(error, frames) {
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS && isPromiseDebugCapture(frames)) return "";
    let header;
    try {
        header = Error.prototype.toString.call(error);
    } catch {
        header = "<error>";
    }
    return frames.length === 0 ? header : `${header}\n    at ${frames.join("\n    at ")}`;
}

function isRunnerRegister(request, parent) {
    return request === RUNNER_REGISTER.request && !!parent && !!parent.filename && parent.filename.replace(/\\/g, "/").endsWith(`/node_modules/${RUNNER_REGISTER.requiredBy}`);
}

let installed = false;

function installStackFormatter() {
    if (installed || process.env.FINPLAT_SOURCE_MAP_SUPPORT === "1") return;
    installed = true;
    Error.prepareStackTrace = formatStackTrace;
    const load = Module._load;
    Module._load = function declineSourceMapSupport(request, parent, isMain) {
        if (request === RUNNER_REGISTER.request && isRunnerRegister(request, parent)) return {};
        return load.apply(this, arguments);
    };
}

module.exports = { installStackFormatter, formatStackTrace, RUNNER_REGISTER };
