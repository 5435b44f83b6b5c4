// Gives chosen SDK files a stand-in for chosen requires: only that file's require of
// that request is answered differently, so every other importer of the same module
// still gets the real one. Used by ./stack-traces.js (the runner's source-map-support)
// and ./deferred-modules.js (modules loaded on first use).
"use strict";
const Module = require("module");

/**
 * For each `{ request, requiredBy, standIn }`: when the file `requiredBy` (its path under
 * node_modules, e.g. "@pulumi/pulumi/cmd/run/index.js") requires exactly `request`, it gets
 * `standIn(load)` instead, where `load()` loads the real module.
 */
function replaceRequests(replacements) {
    const requests = new Set(replacements.map((r) => r.request));
    const load = Module._load;
    Module._load = function replacingLoad(request, parent, isMain) {
        if (requests.has(request) && parent && parent.filename) {
            const from = parent.filename.replace(/\\/g, "/");
            const replacement = replacements.find((r) => r.request === request && from.endsWith(`/node_modules/${r.requiredBy}`));
            if (replacement) return replacement.standIn(() => load.call(this, request, parent, isMain));
        }
        return load.apply(this, arguments);
    };
}

module.exports = { replaceRequests };
