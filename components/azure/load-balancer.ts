import { PublicLoadBalancing } from "../cluster/contract";

/**
 * AKS: the Azure Standard LB. With externalTrafficPolicy Local it probes kube-proxy's
 * healthCheckNodePort over HTTP at `/healthz`, which answers 200 only on nodes with a
 * ready proxy pod. The path is stated so a Service switched to Cluster mode (where
 * the LB would probe the proxy's own port with HTTP `/`, which nginx answers 404 and
 * an HTTPS-only Envoy listener not at all) keeps a meaningful probe path.
 */
export const AKS_PUBLIC_LOAD_BALANCING: PublicLoadBalancing = {
    serviceAnnotations: { "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz" },
};
