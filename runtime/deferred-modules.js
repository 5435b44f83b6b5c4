// The Pulumi SDK and its runner load, in every program, what only some programs use:
//  - `require("@pulumi/pulumi")` loads the TypeScript compiler, to parse function
//    bodies, and npm's Arborist, to find the packages a function's code needs, for
//    closure serialization (turning a JavaScript function into a Lambda's code):
//    about 450 modules and 9 MB of JavaScript, the largest part of start-up;
//  - the runner opens an inspector session with the debugger enabled before the
//    program starts, to hear about every script V8 parses (closure serialization
//    maps function locations to files through it);
//  - the runner loads the OpenTelemetry tracing SDK (about 230 modules), which it
//    starts only with `--tracing` and PULUMI_EXPERIMENTAL set;
//  - `require("zod")` loads its error messages in every language it has (about 50
//    modules, half of zod's load time) to export `z.locales`; its English
//    messages, the ones config errors use, come from their own module.
// This program never serializes a function, traces only when asked to and never
// switches zod's language.
//
// deferModulesUntilUsed() makes those requires, and only when those SDK files make
// them, return stand-ins: the modules load the first time a member is used; the
// runner's "wait for the inspector" resolves at once, and the closure code opens
// the session itself when it first needs it (enabling the debugger then reports
// every script already parsed). A program that does serialize a function, or a run
// with tracing on, pays for it then, and works the same.
"use strict";
const { replaceRequests } = require("./replace-requests");

/**
 * A stand-in for a module that loads it on first use. The importers read named
 * members only (`ts.createSourceFile`, `arborist.Arborist`). `__esModule` answers
 * true without loading: TypeScript's `__importStar` helper then keeps the stand-in
 * instead of copying every export (which would load the module at once).
 */
function lazyModule(load) {
    let loaded;
    const real = () => (loaded === undefined ? (loaded = load()) : loaded);
    return new Proxy(
        {},
        {
            get: (_target, key) => (key === "__esModule" ? true : Reflect.get(real(), key)),
            has: (_target, key) => Reflect.has(real(), key),
        },
    );
}

/**
 * A stand-in for a module whose importer takes members out at once
 * (`const { NodeTracerProvider } = require(...)`) and only calls or constructs them
 * later: each member is a forwarder that loads the module on its first use.
 */
function lazyExports(load) {
    let loaded;
    const real = () => (loaded === undefined ? (loaded = load()) : loaded);
    const member = (key) => {
        const target = () => Reflect.get(real(), key);
        return new Proxy(function forwarder() {}, {
            apply: (_t, thisArg, args) => Reflect.apply(target(), thisArg, args),
            construct: (_t, args) => Reflect.construct(target(), args),
            get: (_t, property) => Reflect.get(target(), property),
        });
    };
    return new Proxy({}, { get: (_target, key) => (key === "__esModule" ? true : member(key)) });
}

const TRACING = "@pulumi/pulumi/cmd/run/tracing.js";

/** The exact requests, the SDK files that make them, and what those files get instead. */
const DEFERRED = [
    { request: "../../typescript-shim", requiredBy: "@pulumi/pulumi/runtime/closure/parseFunction.js", standIn: lazyModule },
    { request: "@npmcli/arborist", requiredBy: "@pulumi/pulumi/runtime/closure/codePaths.js", standIn: lazyModule },
    // The runner only calls isInitializedAsync(); runtime/closure/v8.js requires the real module.
    { request: "../../runtime/closure/v8Hooks", requiredBy: "@pulumi/pulumi/cmd/run/index.js", standIn: () => ({ isInitializedAsync: () => Promise.resolve() }) },
    // tracing.js uses these only in start(); its spans come from @opentelemetry/api, loaded as usual.
    // `z.locales` (and `z.core.locales`): loaded when a program reads a locale from it.
    { request: "../locales/index.cjs", requiredBy: "zod/v4/classic/external.cjs", standIn: lazyModule },
    { request: "../locales/index.cjs", requiredBy: "zod/v4/core/index.cjs", standIn: lazyModule },
    ...["@opentelemetry/resources", "@opentelemetry/sdk-trace-base", "@opentelemetry/exporter-zipkin", "@opentelemetry/instrumentation-grpc", "@opentelemetry/sdk-trace-node", "@opentelemetry/instrumentation"].map(
        (request) => ({ request, requiredBy: TRACING, standIn: lazyExports }),
    ),
];

let installed = false;

function deferModulesUntilUsed() {
    if (installed) return;
    installed = true;
    replaceRequests(DEFERRED);
}

module.exports = { deferModulesUntilUsed, lazyModule, lazyExports, DEFERRED };
