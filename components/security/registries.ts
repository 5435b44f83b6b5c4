/**
 * Where the platform's own images come from: every pinned chart's images, the pods
 * the operators start, and the app's sidecars. The admission policy and the
 * CrossGuard pack allow these plus `security.allowedRegistries` from stack config.
 * Entries carry a path prefix wherever the registry is shared (Docker Hub, quay.io,
 * ghcr.io), so "allowed" never means "anything on Docker Hub".
 *
 * The CI CVE gate renders every chart with the stack's values and fails when a
 * rendered image is outside the allowed list, so a chart bump that adds a new image
 * source is caught before an Enforce policy could block it in a cluster.
 */
export const PLATFORM_IMAGE_SOURCES: readonly { pattern: string; usedBy: string }[] = [
    { pattern: "registry.k8s.io", usedBy: "ingress-nginx, ExternalDNS, kube-state-metrics, prometheus-adapter, kubectl hook jobs (the Kubernetes project's registry)" },
    { pattern: "quay.io/jetstack", usedBy: "cert-manager" },
    { pattern: "quay.io/prometheus", usedBy: "Prometheus, Alertmanager, node-exporter, the app's Prometheus agent" },
    { pattern: "quay.io/prometheus-operator", usedBy: "prometheus-operator, its config reloader and admission webhook" },
    { pattern: "quay.io/kiwigrid", usedBy: "Grafana's dashboard sidecar" },
    { pattern: "ghcr.io/jkroepke", usedBy: "kube-prometheus-stack's webhook certificate job (kube-webhook-certgen)" },
    { pattern: "docker.io/grafana", usedBy: "Grafana" },
    { pattern: "docker.elastic.co", usedBy: "ECK operator, Elasticsearch, Kibana" },
    { pattern: "cr.fluentbit.io/fluent", usedBy: "Fluent Bit" },
    { pattern: "docker.io/hashicorp", usedBy: "Vault server, agent injector and the injected agent" },
    { pattern: "docker.io/velero", usedBy: "Velero and its object-store plugins" },
    { pattern: "reg.kyverno.io/kyverno", usedBy: "Kyverno controllers" },
    { pattern: "ghcr.io/kyverno", usedBy: "Kyverno's readiness checker (webhook clean-up hook)" },
    { pattern: "docker.io/falcosecurity", usedBy: "Falco, falcoctl, Falcosidekick" },
    { pattern: "docker.io/envoyproxy", usedBy: "the app's Envoy TLS sidecar (and Envoy Gateway)" },
    { pattern: "ghcr.io/cloudnative-pg", usedBy: "CloudNativePG operator, its Barman Cloud plugin and PostgreSQL (the data tier)" },
    { pattern: "docker.io/fluent", usedBy: "the app's Fluentd sidecar" },
    { pattern: "docker.io/curlimages", usedBy: "the Elasticsearch retention Job (curl)" },
    { pattern: "docker.io/library/busybox", usedBy: "the on-call debug image" },
];

/** The platform's patterns and the stack's own, without duplicates, platform first. */
export function allowedRegistries(fromConfig: readonly string[]): string[] {
    return [...new Set([...PLATFORM_IMAGE_SOURCES.map((s) => s.pattern), ...fromConfig])];
}
