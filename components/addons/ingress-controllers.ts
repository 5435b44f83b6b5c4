/**
 * The ingress layer's vocabulary: which controllers exist, which one serves a
 * cluster's users, and where each one's proxy pods run. Add-ons, the app and the
 * stack read it from here so a controller's namespace or pod labels cannot drift
 * between the add-on that deploys the proxies and the NetworkPolicy that admits them.
 */
import { NAMESPACES } from "./well-known";

/** ingress-nginx (retired upstream, the default) or Envoy Gateway (Gateway API). */
export const INGRESS_CONTROLLERS = ["ingress-nginx", "envoy-gateway"] as const;
export type IngressControllerName = (typeof INGRESS_CONTROLLERS)[number];

/** Which controllers run on a cluster, and which one users reach. */
export interface IngressLayer {
    /**
     * The controller whose routes carry the ExternalDNS hostname: the cluster's public
     * record, and so users, the Route53 health checks and the drill's probes, reach it.
     */
    serving: IngressControllerName;
    /** Every controller installed, the serving one first; two only while migrating between them. */
    running: IngressControllerName[];
}

/** The layer from the serving controller and, during a migration, the one also running. */
export function ingressLayer(serving: IngressControllerName, alsoRun?: IngressControllerName): IngressLayer {
    if (alsoRun === serving) throw new Error(`ingress layer: alsoRun "${alsoRun}" is already the serving controller`);
    return { serving, running: alsoRun ? [serving, alsoRun] : [serving] };
}

export function runs(layer: IngressLayer, controller: IngressControllerName): boolean {
    return layer.running.includes(controller);
}

/** The platform's one public Gateway per cluster (Envoy Gateway), and the names routes attach to. */
export const PUBLIC_GATEWAY = {
    className: "envoy-gateway",
    /** The EnvoyProxy the GatewayClass points at: Service, replicas and placement of the data plane. */
    proxyConfigName: "public-proxy",
    name: "public",
    namespace: NAMESPACES.envoyGateway,
    /** One HTTPS listener per public name, so a route can attach to exactly the names it serves. */
    listeners: { cluster: "https-cluster", global: "https-global" },
    /** The Secret cert-manager writes the listeners' certificate to (both names, one certificate). */
    certificateSecret: "public-gateway-tls",
} as const;

/** Labels Envoy Gateway puts on the data-plane pods of one Gateway (internal/infrastructure/kubernetes/proxy at v1.9.0). */
export function envoyProxyPodLabels(gatewayName: string, gatewayNamespace: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "envoy",
        "app.kubernetes.io/component": "proxy",
        "app.kubernetes.io/managed-by": "envoy-gateway",
        "gateway.envoyproxy.io/owning-gateway-name": gatewayName,
        "gateway.envoyproxy.io/owning-gateway-namespace": gatewayNamespace,
    };
}

/**
 * The pods that carry user traffic into the cluster for each controller: the peers the
 * app admits. ingress-nginx is admitted by namespace, as it always was (its pod labels
 * follow chart overrides such as nameOverride); Envoy Gateway's namespace also runs its
 * controller, so only the public Gateway's proxies, whose labels Envoy Gateway fixes.
 */
export const INGRESS_PROXY_PODS: Record<IngressControllerName, { namespace: string; podLabels?: Record<string, string> }> = {
    "ingress-nginx": { namespace: NAMESPACES.ingress },
    "envoy-gateway": { namespace: PUBLIC_GATEWAY.namespace, podLabels: envoyProxyPodLabels(PUBLIC_GATEWAY.name, PUBLIC_GATEWAY.namespace) },
};
