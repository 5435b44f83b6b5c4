import { canaryImageReference } from "./image";
import { PodFoundation } from "./pod-spec";
import { AppContext, AppImage, CanaryArgs } from "./types";
import { TrackWorkload, createTrack } from "./workload";

/** The canary's workload and its share of the app's requests. */
export interface CanaryTrack extends TrackWorkload {
    weight: number;
}

/**
 * The canary: the same pod template (track `canary`, its own tag) with fixed
 * replicas and its own Service; the public entry (public-entry.ts) gives it
 * `weight`% of the host's requests: an nginx canary Ingress, a weighted
 * HTTPRoute backend. Weight 0 creates nothing, so no idle canary lingers.
 *
 * The canary's db-migrate runs against the shared database, so migrations must
 * be backward compatible with the stable version (expand, then contract).
 */
export function createCanary(ctx: AppContext, foundation: PodFoundation, args: {
    canary: CanaryArgs;
    image: AppImage;
    awaitReadiness: boolean;
}): CanaryTrack | undefined {
    const { canary } = args;
    if (canary.weight === 0 || !canary.tag) return undefined;
    const track = createTrack(ctx, foundation, {
        track: "canary",
        image: canaryImageReference(args.image, canary.tag),
        replicas: canary.replicas,
        replicasOwnedByAutoscaler: false,
        awaitReadiness: args.awaitReadiness,
    });
    return { ...track, weight: canary.weight };
}
