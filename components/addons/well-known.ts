/**
 * Names the add-ons agree on: namespaces, release names, in-cluster service
 * addresses and issuer names. One place, so an add-on that talks to another
 * (Fluent Bit → Elasticsearch, the app's agent → Prometheus) cannot drift.
 */

export const NAMESPACES = {
    ingress: "ingress-nginx",
    /** Envoy Gateway's controller and, in its default deployment mode, every Gateway's proxies. */
    envoyGateway: "envoy-gateway-system",
    externalDns: "external-dns",
    certManager: "cert-manager",
    eckOperator: "elastic-system",
    logging: "logging",
    monitoring: "monitoring",
    vault: "vault",
    clusterAutoscaler: "kube-system",
    velero: "velero",
    /** CloudNativePG operator and its Barman Cloud plugin (the plugin must share the operator's namespace). */
    cloudnativePg: "cnpg-system",
    kyverno: "kyverno",
    falco: "falco",
} as const;

/** kube-prometheus-stack release; ServiceMonitors/PodMonitors/PrometheusRules carry `release: <this>`. */
export const MONITORING_RELEASE = "kube-prometheus-stack";
export const MONITORING_SELECTOR_LABELS = { release: MONITORING_RELEASE } as const;
/** fullnameOverride of kube-prometheus-stack, so service names are short and fixed. */
export const MONITORING_FULLNAME = "kps";

export const PROMETHEUS = {
    url: `http://${MONITORING_FULLNAME}-prometheus.${NAMESPACES.monitoring}.svc:9090`,
    remoteWriteUrl: `http://${MONITORING_FULLNAME}-prometheus.${NAMESPACES.monitoring}.svc:9090/api/v1/write`,
    alertmanagerUrl: `http://${MONITORING_FULLNAME}-alertmanager.${NAMESPACES.monitoring}.svc:9093`,
    grafanaUrl: `http://${MONITORING_RELEASE}-grafana.${NAMESPACES.monitoring}.svc:80`,
} as const;

/** The ECK-managed Elasticsearch cluster and the secrets ECK generates for it. */
export const ELASTICSEARCH = {
    name: "logging",
    namespace: NAMESPACES.logging,
    service: "logging-es-http",
    port: 9200,
    url: `https://logging-es-http.${NAMESPACES.logging}.svc:9200`,
    /** Secret with the `elastic` user's password (key: elastic). */
    userSecret: "logging-es-elastic-user",
    /** Secret with the HTTP CA certificate (key: ca.crt). */
    caSecret: "logging-es-http-certs-public",
    kibanaUrl: `https://logging-kb-http.${NAMESPACES.logging}.svc:5601`,
} as const;

export const VAULT = {
    releaseName: "vault",
    address: `https://vault.${NAMESPACES.vault}.svc:8200`,
    /** Kubernetes auth mount path apps log in with. */
    kubernetesAuthPath: "kubernetes",
    /** KV v2 mount holding application secrets. */
    kvMount: "secret",
} as const;

export const INGRESS_CLASS = "nginx";

export const CLUSTER_ISSUERS = {
    letsEncryptProduction: "letsencrypt-production",
    letsEncryptStaging: "letsencrypt-staging",
    /** Internal CA for in-cluster TLS (Envoy sidecars, Vault). */
    internalCa: "internal-ca",
} as const;

/** Custom metric served by prometheus-adapter that the app's HPA scales on. */
export const REQUESTS_PER_SECOND_METRIC = "http_requests_per_second";
