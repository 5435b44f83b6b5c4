/**
 * Every Helm chart the platform installs, pinned in one table.
 *
 * Each version's values keys are recorded in tests/chart-keys/<chart>@<version>.txt
 * (extracted from that tag's values.yaml); a test fails when an add-on sets a key
 * the pinned chart does not have. Bump a version here together with its key list.
 */
export interface ChartRef {
    /** The chart's name (its Chart.yaml `name`); key lists are named after it. */
    chart: string;
    /**
     * An HTTP(S) chart repository, or an OCI registry path (`oci://host/path`), where the
     * chart is `<repo>/<chart>`. See `chartSource` for how each is handed to Helm.
     */
    repo: string;
    version: string;
}

/** OCI registries are addressed by a chart URL, classic repositories by name + repository URL. */
function isOciRepository(repo: string): boolean {
    return repo.startsWith("oci://");
}

/**
 * How Helm (helm.v3.Release, helm.v4.Chart) is told where a pinned chart lives: an OCI
 * chart is the full `oci://…/<chart>` reference with no repository options (Helm rejects
 * a repository URL for it); a classic chart is its name plus `repositoryOpts.repo`.
 */
export function chartSource(ref: ChartRef): { chart: string; repositoryOpts?: { repo: string } } {
    return isOciRepository(ref.repo)
        ? { chart: `${ref.repo.replace(/\/+$/, "")}/${ref.chart}` }
        : { chart: ref.chart, repositoryOpts: { repo: ref.repo } };
}

export const CHARTS = {
    /** Retired upstream (no releases or fixes since March 2026); see README "Ingress layer". */
    ingressNginx: { chart: "ingress-nginx", repo: "https://kubernetes.github.io/ingress-nginx", version: "4.15.1" },
    externalDns: { chart: "external-dns", repo: "https://kubernetes-sigs.github.io/external-dns/", version: "1.21.1" },
    certManager: { chart: "cert-manager", repo: "https://charts.jetstack.io", version: "v1.21.1" },
    eckOperator: { chart: "eck-operator", repo: "https://helm.elastic.co", version: "3.5.0" },
    fluentBit: { chart: "fluent-bit", repo: "https://fluent.github.io/helm-charts", version: "0.58.1" },
    kubePrometheusStack: { chart: "kube-prometheus-stack", repo: "https://prometheus-community.github.io/helm-charts", version: "88.5.3" },
    prometheusAdapter: { chart: "prometheus-adapter", repo: "https://prometheus-community.github.io/helm-charts", version: "5.3.0" },
    vault: { chart: "vault", repo: "https://helm.releases.hashicorp.com", version: "0.34.1" },
    clusterAutoscaler: { chart: "cluster-autoscaler", repo: "https://kubernetes.github.io/autoscaler", version: "9.59.0" },
    velero: { chart: "velero", repo: "https://vmware-tanzu.github.io/helm-charts", version: "12.1.0" },
    /** Kyverno 1.19.0 (chart 3.9.0, tag kyverno-chart-3.9.0). */
    kyverno: { chart: "kyverno", repo: "https://kyverno.github.io/kyverno/", version: "3.9.0" },
    /** Falco 0.44.1 (chart 9.1.0, tag falco-9.1.0). */
    falco: { chart: "falco", repo: "https://falcosecurity.github.io/charts", version: "9.1.0" },
    /** The Falcosidekick chart falco 9.1.0 bundles (its dependency `0.12.*` resolved to 0.12.1), installed as its own release; see components/security/falco.ts. */
    falcosidekick: { chart: "falcosidekick", repo: "https://falcosecurity.github.io/charts", version: "0.12.1" },
    /** Envoy Gateway (controller only: its CRDs come from envoyGatewayCrds). Published as OCI only. */
    envoyGateway: { chart: "gateway-helm", repo: "oci://docker.io/envoyproxy", version: "v1.9.0" },
    /** Gateway API (standard channel, v1.6.1 at this tag) and Envoy Gateway CRDs, same release as envoyGateway. */
    envoyGatewayCrds: { chart: "gateway-crds-helm", repo: "oci://docker.io/envoyproxy", version: "v1.9.0" },
    /** CloudNativePG operator 1.30.0. */
    cloudnativePg: { chart: "cloudnative-pg", repo: "https://cloudnative-pg.github.io/charts", version: "0.29.0" },
    /** Barman Cloud CNPG-I plugin v0.13.0: WAL archive and base backups (in-tree barmanObjectStore goes away in operator 1.31). */
    barmanCloudPlugin: { chart: "plugin-barman-cloud", repo: "https://cloudnative-pg.github.io/charts", version: "0.7.0" },
} as const satisfies Record<string, ChartRef>;

