/**
 * The app's routes from outside, for each ingress controller that runs: an
 * Ingress (and a canary Ingress) for ingress-nginx, an HTTPRoute with its TLS
 * and traffic policies for Envoy Gateway. Both carry the same behaviour: the
 * same names, backends, canary split, TLS to the pods and edge limits. Only the
 * serving controller's route carries the ExternalDNS hostname, so the cluster's
 * public record points at exactly one controller, and moving that record is the
 * whole of a switch.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ingressLayer } from "../addons/ingress-controllers";
import { CanaryTrack } from "./canary";
import { createBackendTlsPolicy, createHttpRoute, createTrafficPolicy } from "./http-route";
import { createCanaryIngress, createStableIngress } from "./ingress";
import { InternalTls } from "./tls";
import { AppContext, AppEnvironment, EdgeLimits, PublicEntry } from "./types";

/** ingress-nginx alone: the platform's default, and what callers that say nothing get. */
export const DEFAULT_PUBLIC_ENTRY: PublicEntry = ingressLayer("ingress-nginx");

export interface PublicEntryArgs {
    entry: PublicEntry;
    hostname: string;
    aliases: string[];
    environment: AppEnvironment;
    stableService: string;
    canary?: CanaryTrack;
    tls: InternalTls;
    edge: EdgeLimits;
    /** Ordering for route objects: the workloads they send traffic to. */
    dependsOn: pulumi.Resource[];
}

export interface PublicRoutes {
    ingresses: k8s.networking.v1.Ingress[];
    /** Gateway API and Envoy Gateway objects (HTTPRoute, BackendTLSPolicy, BackendTrafficPolicy). */
    gatewayObjects: k8s.apiextensions.CustomResource[];
}

export function publicEntryProblems(entry: PublicEntry): string[] {
    const problems: string[] = [];
    if (!entry.running.includes(entry.serving)) problems.push(`publicEntry.running: must include the serving controller "${entry.serving}"`);
    if (new Set(entry.running).size !== entry.running.length) problems.push(`publicEntry.running: lists a controller twice (${entry.running.join(", ")})`);
    if (entry.running.includes("envoy-gateway") && !entry.gateway) problems.push("publicEntry.gateway: required when envoy-gateway routes to the app (the Gateway and listeners its HTTPRoute attaches to)");
    return problems;
}

function nginxRoutes(ctx: AppContext, args: PublicEntryArgs, publish: boolean): k8s.networking.v1.Ingress[] {
    const stable = createStableIngress(ctx, {
        hostname: args.hostname,
        aliases: args.aliases,
        serviceName: args.stableService,
        environment: args.environment,
        trustSecretName: args.tls.trustSecretName,
        upstreamServerName: args.tls.upstreamServerName,
        publish,
        edge: args.edge,
    });
    if (!args.canary) return [stable];
    const canary = createCanaryIngress(ctx, { hostname: args.hostname, aliases: args.aliases, serviceName: args.canary.serviceName, weight: args.canary.weight }, stable);
    return [stable, canary];
}

function gatewayRoutes(ctx: AppContext, args: PublicEntryArgs, publish: boolean): k8s.apiextensions.CustomResource[] {
    const gateway = args.entry.gateway!;
    const services = [args.stableService, ...(args.canary ? [args.canary.serviceName] : [])];
    // The route only sends traffic once the Gateway can verify the pods: TLS policy first.
    const backendTls = createBackendTlsPolicy(ctx, {
        services,
        caSecretName: args.tls.trustSecretName,
        serverName: args.tls.upstreamServerName,
    }, [...args.dependsOn, ...args.tls.certificates]);
    const route = createHttpRoute(ctx, {
        hostname: args.hostname,
        aliases: args.aliases,
        gateway,
        stableService: args.stableService,
        canary: args.canary && { service: args.canary.serviceName, weight: args.canary.weight },
        publish,
    }, [...args.dependsOn, backendTls]);
    return [backendTls, route, createTrafficPolicy(ctx, route, args.edge)];
}

export function createPublicRoutes(ctx: AppContext, args: PublicEntryArgs): PublicRoutes {
    const routes: PublicRoutes = { ingresses: [], gatewayObjects: [] };
    for (const controller of args.entry.running) {
        const publish = controller === args.entry.serving;
        switch (controller) {
            case "ingress-nginx":
                routes.ingresses.push(...nginxRoutes(ctx, args, publish));
                break;
            case "envoy-gateway":
                routes.gatewayObjects.push(...gatewayRoutes(ctx, args, publish));
                break;
            default: {
                const unhandled: never = controller;
                throw new Error(`no routes for ingress controller ${JSON.stringify(unhandled)}`);
            }
        }
    }
    return routes;
}
