import * as k8s from "@pulumi/kubernetes";
import { canaryImageReference } from "./image";
import { createCanaryIngress } from "./ingress";
import { PodFoundation } from "./pod-spec";
import { AppContext, AppImage, CanaryArgs } from "./types";
import { TrackWorkload, createTrack } from "./workload";

export interface CanaryTrack extends TrackWorkload {
    ingress: k8s.networking.v1.Ingress;
}

/**
 * The canary: the same pod template (track `canary`, its own tag) with fixed
 * replicas, its own Service, and an nginx canary Ingress taking `weight`% of
 * the host's requests. Weight 0 creates nothing, so no idle canary lingers.
 *
 * The canary's db-migrate runs against the shared database, so migrations must
 * be backward compatible with the stable version (expand, then contract).
 */
export function createCanary(ctx: AppContext, foundation: PodFoundation, args: {
    canary: CanaryArgs;
    image: AppImage;
    hostname: string;
    aliases: string[];
    stableIngress: k8s.networking.v1.Ingress;
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
    const ingress = createCanaryIngress(ctx, { hostname: args.hostname, aliases: args.aliases, serviceName: track.serviceName, weight: canary.weight }, args.stableIngress);
    return { ...track, ingress };
}
