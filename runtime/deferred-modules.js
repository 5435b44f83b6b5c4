// `require("@pulumi/pulumi")` loads the SDK's closure serialization (turning a
// JavaScript function into a Lambda's code) with everything it may need: the
// TypeScript compiler, to parse function bodies, and npm's Arborist, to find the
// packages a function's code needs. That is about 450 modules and 9 MB of
// JavaScript, the largest part of every start-up, and this program never
// serializes a function.
//
// deferClosureSerializationModules() makes those two requires, and only when the
// SDK's closure modules make them, return a stand-in that loads the real module
// the first time a member is read. A program that does serialize a function
// loads them then, and works the same.
"use strict";
const Module = require("module");

/** The exact requests, and the SDK files that make them. */
const DEFERRED = [
    { request: "../../typescript-shim", requiredBy: "@pulumi/pulumi/runtime/closure/parseFunction.js" },
    { request: "@npmcli/arborist", requiredBy: "@pulumi/pulumi/runtime/closure/codePaths.js" },
];

function isDeferred(request, parent) {
    if (!parent || !parent.filename) return false;
    const from = parent.filename.replace(/\\/g, "/");
    return DEFERRED.some((d) => d.request === request && from.endsWith(`/node_modules/${d.requiredBy}`));
}

/**
 * A stand-in for a module that loads it on first use. Both importers read named
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

let installed = false;

function deferClosureSerializationModules() {
    if (installed) return;
    installed = true;
    const requests = new Set(DEFERRED.map((d) => d.request));
    const load = Module._load;
    Module._load = function deferringLoad(request, parent, isMain) {
        if (requests.has(request) && isDeferred(request, parent)) {
            return lazyModule(() => load.call(this, request, parent, isMain));
        }
        return load.apply(this, arguments);
    };
}

module.exports = { deferClosureSerializationModules, lazyModule, DEFERRED };
