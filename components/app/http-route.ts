/**
 * Public entry through the platform's Gateway (Envoy Gateway): one HTTPRoute for
 * the host and its aliases, attached to the Gateway's listener for each name, with
 * the canary as a weighted second backend of the same rule; TLS from the Gateway
 * to the pods' Envoy checked against the internal CA (BackendTLSPolicy); and the
 * edge limits as a BackendTrafficPolicy. No nginx annotation: what nginx read from
 * annotations is here a field of a Gateway API or Envoy Gateway object.
 *
 * ExternalDNS (source gateway-httproute, v0.21) publishes only the annotated host:
 * `gateway-hostname-source: annotation-only` makes it ignore the route's hostnames,
 * so the aliases (the pair's global name) stay the Route53 failover's. A route that
 * must not publish (its controller only runs during a migration) carries the
 * source annotation without a hostname, and publishes nothing.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GatewayAttachment } from "../addons/public-gateway";
import { envoyBackendTrafficPolicySpec } from "./edge";
import { PORTS, PORT_NAMES, appLabels } from "./layout";
import { AppContext, EdgeLimits } from "./types";

/** ExternalDNS (v0.21) reads an HTTPRoute's hosts from its hostname annotation only. */
const EXTERNAL_DNS_GATEWAY_ANNOTATION_ONLY = { "external-dns.alpha.kubernetes.io/gateway-hostname-source": "annotation-only" } as const;

export interface HttpRouteArgs {
    hostname: string;
    /** Further names on the same backends, each through its own Gateway listener; never published by ExternalDNS. */
    aliases: string[];
    gateway: GatewayAttachment;
    stableService: string;
    /** The canary's Service and its percent of requests (1..100); absent: no canary backend at all. */
    canary?: { service: string; weight: number };
    /** Carry the ExternalDNS hostname annotation: true only for the serving controller's route. */
    publish: boolean;
}

/** The rule's backends: the stable Service alone, or stable and canary splitting 100 by weight. */
function weightedBackends(stableService: string, canary?: { service: string; weight: number }) {
    const backend = (name: string) => ({ group: "", kind: "Service", name, port: PORTS.service });
    if (!canary) return [backend(stableService)];
    return [{ ...backend(stableService), weight: 100 - canary.weight }, { ...backend(canary.service), weight: canary.weight }];
}

export function createHttpRoute(ctx: AppContext, args: HttpRouteArgs, dependsOn: pulumi.Resource[]): k8s.apiextensions.CustomResource {
    const { gateway } = args;
    const sections = [gateway.listeners.cluster, ...(args.aliases.length > 0 && gateway.listeners.global ? [gateway.listeners.global] : [])];
    return new k8s.apiextensions.CustomResource(`${ctx.prefix}-route`, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: {
            name: ctx.appName,
            namespace: ctx.namespace,
            labels: appLabels(ctx.appName),
            annotations: {
                ...(args.publish ? { "external-dns.alpha.kubernetes.io/hostname": args.hostname } : {}),
                ...EXTERNAL_DNS_GATEWAY_ANNOTATION_ONLY,
            },
        },
        spec: {
            parentRefs: sections.map((sectionName) => ({
                group: "gateway.networking.k8s.io",
                kind: "Gateway",
                name: gateway.name,
                namespace: gateway.namespace,
                sectionName,
            })),
            hostnames: [args.hostname, ...args.aliases],
            rules: [{
                matches: [{ path: { type: "PathPrefix", value: "/" } }],
                backendRefs: weightedBackends(args.stableService, args.canary),
            }],
        },
    }, { ...ctx.opts, dependsOn });
}

export interface BackendTlsArgs {
    /** Services the Gateway dials (stable and, when present, canary); both tracks serve one certificate. */
    services: string[];
    /** Secret in the app namespace whose `ca.crt` is the internal CA. */
    caSecretName: string;
    /** The name the Gateway sends as SNI and verifies on Envoy's certificate. */
    serverName: pulumi.Input<string>;
}

/**
 * Gateway → pod TLS: the Gateway connects to the Services' `https` port with TLS,
 * sends `serverName` as SNI and verifies the pod's Envoy certificate against the
 * internal CA (Envoy Gateway v1.9 reads `ca.crt` from a Secret reference).
 */
export function createBackendTlsPolicy(ctx: AppContext, args: BackendTlsArgs, dependsOn: pulumi.Resource[]): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(`${ctx.prefix}-backend-tls`, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "BackendTLSPolicy",
        metadata: { name: ctx.appName, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        spec: {
            targetRefs: args.services.map((name) => ({ group: "", kind: "Service", name, sectionName: PORT_NAMES.https })),
            validation: {
                caCertificateRefs: [{ group: "", kind: "Secret", name: args.caSecretName }],
                hostname: args.serverName,
            },
        },
    }, { ...ctx.opts, dependsOn });
}

/** The edge limits for the app's route (see edge.ts). */
export function createTrafficPolicy(ctx: AppContext, route: k8s.apiextensions.CustomResource, edge: EdgeLimits): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(`${ctx.prefix}-traffic-policy`, {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "BackendTrafficPolicy",
        metadata: { name: ctx.appName, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        spec: envoyBackendTrafficPolicySpec(ctx.appName, edge),
    }, { ...ctx.opts, dependsOn: [route] });
}
