/**
 * A program under Pulumi's mock runtime with nothing recorded: the SDK's cost
 * without the offline harness's (commands/offline/harness.ts) bookkeeping.
 */
import * as pulumi from "@pulumi/pulumi";

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings");
const stack = require("@pulumi/pulumi/runtime/stack");
/* eslint-enable @typescript-eslint/no-require-imports */

/** Runs `program` to completion; returns how many resources it registered (the stack included). */
export async function evaluateBare(program: () => void): Promise<number> {
    let registered = 0;
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered++;
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
    }, "bench", "bench", false);
    await stack.runInPulumiStack(async () => program());
    await settings.waitForRPCs();
    return registered;
}
