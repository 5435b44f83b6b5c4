import { CLOUDS, CloudName } from "../../components/cluster/contract";

/** The drill cannot run as asked (bad arguments, unknown stack, missing CLI or credentials): exit code 2. */
export class DrillSetupError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DrillSetupError";
    }
}

export function isCloud(value: unknown): value is CloudName {
    return typeof value === "string" && (CLOUDS as readonly string[]).includes(value);
}

export function otherCloud(cloud: CloudName): CloudName {
    return cloud === "aws" ? "azure" : "aws";
}

/**
 * Where a drill goes. Without --failback: to `to`, which must not already be
 * active. With --failback: `to` (optional) names the cloud the earlier drill
 * went to, which must be active now; the failback returns to the other one.
 */
export function resolveTarget(current: CloudName, to: CloudName | undefined, failback: boolean, stack: string): { from: CloudName; to: CloudName } {
    if (failback) {
        if (to !== undefined && to !== current) {
            throw new DrillSetupError(
                `--failback --to ${to}: stack "${stack}" has activeCloud=${current}, not ${to}; a failback returns from the cloud a drill moved to (run without --failback to move to ${to})`,
            );
        }
        return { from: current, to: otherCloud(current) };
    }
    if (to === undefined) throw new DrillSetupError("--to aws|azure is required (or --failback to return to the other cloud)");
    if (to === current) {
        throw new DrillSetupError(`stack "${stack}" already has activeCloud=${current}; nothing to fail over (use --to ${otherCloud(current)}, or --failback --to ${current} to return)`);
    }
    return { from: current, to };
}
