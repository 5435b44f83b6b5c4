// Pulumi's SDK sends the engine a debug message for each step of each resource
// registration (about three and a half per resource: 1,400 for the prod stack),
// one RPC at a time: each waits for the previous one's answer, and the process
// does not exit before the last is delivered. The CLI shows them only with
// `--debug` or `-v`. keepDebugLogsLocal() makes @pulumi/pulumi's log.debug() a
// no-op, which on the runner path removed about a third of the wall time; info,
// warnings and errors go to the engine as before. FINPLAT_PULUMI_DEBUG_LOGS=1
// sends debug messages again (set it with `pulumi up --debug`).
"use strict";
const { patchWhenLoaded } = require("./after-load");

let installed = false;

function keepDebugLogsLocal() {
    if (installed || process.env.FINPLAT_PULUMI_DEBUG_LOGS === "1") return;
    installed = true;
    patchWhenLoaded("@pulumi/pulumi/log", (log) => {
        // The SDK reads log.debug from this exports object at each call.
        if (typeof log.debug === "function") log.debug = () => Promise.resolve();
    });
}

module.exports = { keepDebugLogsLocal };
