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
// 2. The SDK records a stack (`new Error().stack`) on every internal promise it
//    creates (about 30 per resource), only to print them when
//    PULUMI_DEBUG_PROMISE_LEAKS is set. Unless it is set, those captures take no
//    frames: capturing and formatting them was about a fifth of the evaluation.
//
// FINPLAT_SOURCE_MAP_SUPPORT=1 leaves both as Pulumi has them, e.g. to debug the SDK.
"use strict";
const { patchWhenLoaded } = require("./after-load");
const { replaceRequests } = require("./replace-requests");

/** The runner's request, and the runner's file that makes it. */
const RUNNER_REGISTER = { request: "source-map-support/register", requiredBy: "@pulumi/pulumi/cmd/run/index.js" };

/** The SDK module whose debuggablePromise records a stack on every promise it wraps. */
const DEBUGGABLE = "@pulumi/pulumi/runtime/debuggable";

/** V8's and Node's own format: "Name: message" and one "    at <frame>" line per frame. */
function formatStackTrace(error, frames) {
    let header;
    try {
        header = Error.prototype.toString.call(error);
    } catch {
        header = "<error>";
    }
    return frames.length === 0 ? header : `${header}\n    at ${frames.join("\n    at ")}`;
}

let installed = false;

/**
 * The SDK's debuggablePromise, run with a stack limit of 0 around it: the same ids,
 * contexts and leak bookkeeping, and a stack record of just "Error". Only the leak
 * report reads that record, and it runs only when the SDK's own debugPromiseLeaks
 * switch (PULUMI_DEBUG_PROMISE_LEAKS) is on; then nothing changes.
 */
function withoutStackCapture(debuggable) {
    if (debuggable.debugPromiseLeaks || typeof debuggable.debuggablePromise !== "function") return;
    const record = debuggable.debuggablePromise;
    debuggable.debuggablePromise = function debuggablePromise(promise, context) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return record(promise, context);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}

function installStackFormatter() {
    if (installed || process.env.FINPLAT_SOURCE_MAP_SUPPORT === "1") return;
    installed = true;
    Error.prepareStackTrace = formatStackTrace;
    patchWhenLoaded(DEBUGGABLE, withoutStackCapture);
    replaceRequests([{ ...RUNNER_REGISTER, standIn: () => ({}) }]);
}

module.exports = { installStackFormatter, formatStackTrace, RUNNER_REGISTER, DEBUGGABLE };
