import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS, PORT_NAMES, appLabels, serverPodSelector, trackPodSelector } from "./layout";
import { PodFoundation, serverPodTemplate } from "./pod-spec";
import { AppContext, Track } from "./types";

export interface TrackWorkload {
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
    deploymentName: string;
    serviceName: string;
}

/** Tells the Pulumi Kubernetes provider not to wait for the object to become ready. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/**
 * Object-metadata (never pod-template) annotations for a workload: none when Pulumi
 * should await readiness, `pulumi.com/skipAwait: "true"` when it should not.
 */
export function awaitAnnotations(awaitReadiness: boolean): { annotations?: Record<string, string> } {
    return awaitReadiness ? {} : { annotations: { [SKIP_AWAIT_ANNOTATION]: "true" } };
}

/** Kubernetes name of a track's Deployment and Service: `<app>` for stable, `<app>-canary` for the canary. */
export function trackObjectName(appName: string, track: Track): string {
    return track === "stable" ? appName : `${appName}-canary`;
}

export interface TrackArgs {
    track: Track;
    image: string;
    replicas: number;
    /**
     * The HPA owns the stable replica count after creation; Pulumi must not reset it
     * on every update. A role flip still takes effect through the HPA's minReplicas.
     */
    replicasOwnedByAutoscaler: boolean;
    /** false: `pulumi up` does not wait for the rollout (pods blocked on an unconfigured Vault). */
    awaitReadiness: boolean;
}

/** One track: a Deployment of the shared pod template and a Service selecting only that track. */
export function createTrack(ctx: AppContext, foundation: PodFoundation, args: TrackArgs): TrackWorkload {
    const name = trackObjectName(ctx.appName, args.track);
    const labels = { ...appLabels(ctx.appName), ...serverPodSelector(ctx.appName), track: args.track };
    const logical = `${ctx.prefix}-${args.track}`;
    const opts: pulumi.CustomResourceOptions = args.replicasOwnedByAutoscaler ? { ...ctx.opts, ignoreChanges: ["spec.replicas"] } : ctx.opts;

    const deployment = new k8s.apps.v1.Deployment(logical, {
        metadata: { name, namespace: ctx.namespace, labels, ...awaitAnnotations(args.awaitReadiness) },
        spec: {
            replicas: args.replicas,
            selector: { matchLabels: trackPodSelector(ctx.appName, args.track) },
            revisionHistoryLimit: 5,
            progressDeadlineSeconds: 600,
            // Never below the current capacity during a rollout.
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
            template: serverPodTemplate(foundation, args.track, args.image),
        },
    }, opts);

    const service = new k8s.core.v1.Service(logical, {
        metadata: { name, namespace: ctx.namespace, labels },
        spec: {
            type: "ClusterIP",
            selector: trackPodSelector(ctx.appName, args.track),
            ports: [{ name: PORT_NAMES.https, port: PORTS.service, targetPort: PORT_NAMES.https, protocol: "TCP", appProtocol: "https" }],
        },
    }, ctx.opts);

    return { deployment, service, deploymentName: name, serviceName: name };
}
