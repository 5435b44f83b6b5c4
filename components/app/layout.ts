/**
 * The pod's layout in one place: container names, ports, paths, user ids and
 * labels. Config renderers, the pod builder, network policies and tests all
 * read these, so a port cannot drift between Envoy's config and a NetworkPolicy.
 */
import { Track } from "./types";

export const CONTAINERS = {
    migrate: "db-migrate",
    preload: "cache-preloader",
    app: "financial-service",
    envoy: "envoy-proxy",
    logger: "fluentd-logger",
    metricsAgent: "prometheus-agent",
    reconcile: "reconciliation",
} as const;

/**
 * The app contract: business HTTP on loopback only (only Envoy reaches it), and a
 * management listener on the pod IP for kubelet probes and Prometheus.
 */
export const PORTS = {
    /** financial-service business HTTP, bound to 127.0.0.1. */
    appHttp: 8080,
    /** financial-service management: /metrics, /healthz (liveness), /readyz (readiness). */
    appMetrics: 9102,
    /** Envoy TLS listener, the only port the ingress controller may reach. */
    envoyHttps: 8443,
    /** Envoy listener that exposes only /ready (proxied to the admin API) for kubelet probes. */
    envoyHealth: 8081,
    /** Envoy admin API, bound to 127.0.0.1. */
    envoyAdmin: 9901,
    /** Prometheus agent's own web listener, bound to 127.0.0.1. */
    agentWeb: 9090,
    /** Service port in front of Envoy. */
    service: 443,
} as const;

/** Named container ports (probes, Service and PodMonitor refer to them by name). */
export const PORT_NAMES = { https: "https", envoyHealth: "envoy-health", metrics: "metrics" } as const;

export const HEALTH_PATHS = { live: "/healthz", ready: "/readyz", envoyReady: "/ready" } as const;

/** Where the management listener serves Prometheus metrics; never reachable through Envoy. */
export const METRICS_PATH = "/metrics";

/** The path the public health route forwards to the management listener unless `healthCheckPath` says otherwise. */
export const DEFAULT_HEALTH_CHECK_PATH = HEALTH_PATHS.live;

export const PATHS = {
    logs: "/var/log/app",
    cache: "/var/cache/app",
    tmp: "/tmp",
    /** Where the Vault agent injector renders secrets (fixed by the injector). */
    secrets: "/vault/secrets",
    envoyConfig: "/etc/envoy",
    /** Not under /etc/envoy: a Secret mounted inside a ConfigMap volume fights the kubelet's atomic writer. */
    envoyTls: "/etc/envoy-tls",
    fluentdConfig: "/fluentd/etc",
    fluentdBuffer: "/fluentd/buffer",
    agentConfig: "/etc/prometheus",
    agentWal: "/prometheus",
} as const;

/**
 * Distinct non-root users per container: a compromised sidecar cannot write the
 * app's files. All share the pod's fsGroup, which owns the shared emptyDirs and
 * the Vault-rendered files (mode 0440), so group read is what links them.
 */
export const USERS = {
    app: 10001,
    envoy: 10101,
    logger: 10201,
    metricsAgent: 10301,
    /** The Vault agent image's own non-root user. */
    vaultAgent: 100,
    /** Pod fsGroup and runAsGroup. */
    group: 10001,
} as const;

/** Graceful shutdown budget (seconds). */
export const SHUTDOWN = {
    /** financial-service sleeps this long before SIGTERM so Endpoints and nginx stop sending to it. */
    endpointPropagation: 10,
    /** Time the app gets after SIGTERM to finish in-flight requests. */
    appDrain: 20,
    /** Slack for the Vault agent and the log shipper's final flush. */
    slack: 15,
} as const;

/** Envoy must outlive the app's in-flight requests, so it sleeps through propagation and drain. */
export const ENVOY_PRESTOP_SECONDS = SHUTDOWN.endpointPropagation + SHUTDOWN.appDrain;
export const TERMINATION_GRACE_SECONDS = SHUTDOWN.endpointPropagation + SHUTDOWN.appDrain + SHUTDOWN.slack;

/** Labels every object of the app carries. */
export function appLabels(appName: string): Record<string, string> {
    return { "app.kubernetes.io/name": appName, "app.kubernetes.io/part-of": "financial-platform", "app.kubernetes.io/managed-by": "pulumi" };
}

/** Selects every pod of the app (servers of both tracks and CronJob pods). */
export function appPodSelector(appName: string): Record<string, string> {
    return { "app.kubernetes.io/name": appName };
}

/** Selects the serving pods (both tracks). */
export function serverPodSelector(appName: string): Record<string, string> {
    return { ...appPodSelector(appName), "app.kubernetes.io/component": "server" };
}

/** Selects one track's serving pods. */
export function trackPodSelector(appName: string, track: Track): Record<string, string> {
    return { ...serverPodSelector(appName), track };
}
