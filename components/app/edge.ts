/**
 * The app's edge limits, written once and rendered for each controller:
 * nginx annotations on the Ingress, an Envoy Gateway BackendTrafficPolicy on the
 * HTTPRoute. The defaults are nginx's own (so stating them changes nothing for
 * ingress-nginx) and Envoy Gateway gets the same numbers.
 */
import { EdgeLimits } from "./types";

export const DEFAULT_EDGE_LIMITS: EdgeLimits = { requestTimeoutSeconds: 60, connectTimeoutSeconds: 5, maxRequestBodyMiB: 1 };

/** The largest value each limit takes (stack config validates against the same numbers). */
export const EDGE_LIMIT_MAXIMA: Record<keyof EdgeLimits, number> = {
    requestTimeoutSeconds: 3600,
    // nginx rejects a proxy-connect-timeout of 75 s or more.
    connectTimeoutSeconds: 60,
    maxRequestBodyMiB: 1024,
    requestsPerSecond: 1_000_000,
};

/** ingress-nginx annotations (risk Low, except proxy-body-size: Medium; the controller caps the level at Medium). */
export function nginxEdgeAnnotations(edge: EdgeLimits): Record<string, string> {
    return {
        "nginx.ingress.kubernetes.io/proxy-connect-timeout": String(edge.connectTimeoutSeconds),
        "nginx.ingress.kubernetes.io/proxy-read-timeout": String(edge.requestTimeoutSeconds),
        "nginx.ingress.kubernetes.io/proxy-send-timeout": String(edge.requestTimeoutSeconds),
        "nginx.ingress.kubernetes.io/proxy-body-size": `${edge.maxRequestBodyMiB}m`,
        // Per client IP, per controller replica.
        ...(edge.requestsPerSecond ? { "nginx.ingress.kubernetes.io/limit-rps": String(edge.requestsPerSecond) } : {}),
    };
}

/**
 * The same limits as an Envoy Gateway BackendTrafficPolicy spec for one HTTPRoute:
 * the route timeout and connect timeout, a request buffer that answers 413 above the
 * body limit (nginx buffers request bodies by default too), and a local rate limit
 * per Envoy replica over all clients of the route.
 */
export function envoyBackendTrafficPolicySpec(routeName: string, edge: EdgeLimits): Record<string, unknown> {
    return {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: routeName }],
        timeout: {
            http: { requestTimeout: `${edge.requestTimeoutSeconds}s` },
            tcp: { connectTimeout: `${edge.connectTimeoutSeconds}s` },
        },
        requestBuffer: { limit: `${edge.maxRequestBodyMiB}Mi` },
        ...(edge.requestsPerSecond
            ? { rateLimit: { type: "Local", local: { rules: [{ limit: { requests: edge.requestsPerSecond, unit: "Second" } }] } } }
            : {}),
    };
}

export function edgeLimitProblems(edge: EdgeLimits): string[] {
    const problems: string[] = [];
    for (const [key, max] of Object.entries(EDGE_LIMIT_MAXIMA) as [keyof EdgeLimits, number][]) {
        const value = edge[key];
        if (value === undefined) continue;
        if (!Number.isInteger(value) || value < 1 || value > max) problems.push(`edge.${key}: ${value} must be an integer from 1 to ${max}`);
    }
    return problems;
}
