// Adjusts an SDK module's exports once, right after Node first loads it. The SDK's
// files call each other through their exports objects (`debuggable_1.debuggablePromise(…)`,
// `log.debug(…)`), so replacing a member there changes what every caller gets.
"use strict";
const Module = require("module");

/**
 * Calls `patch(exports, file)` once, after `request` (e.g. "@pulumi/pulumi/log") has
 * loaded; nothing happens when the package cannot be resolved from the program.
 */
function patchWhenLoaded(request, patch) {
    let file;
    try {
        file = require.resolve(request, { paths: [process.cwd(), __dirname] });
    } catch {
        return;
    }
    const load = Module._load;
    let done = false;
    Module._load = function loadThenPatch() {
        const exported = load.apply(this, arguments);
        const entry = done ? undefined : Module._cache[file];
        if (entry && entry.loaded) {
            done = true;
            patch(entry.exports, file);
            // Hooks installed later still call this one, which is now a pass-through.
            if (Module._load === loadThenPatch) Module._load = load;
        }
        return exported;
    };
}

module.exports = { patchWhenLoaded };
