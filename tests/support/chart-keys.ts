/**
 * Checks Helm values against the keys of the pinned chart version's own
 * values.yaml (tests/chart-keys/<chart>@<version>.txt, extracted from the
 * chart's source at that tag). Helm ignores an unknown key silently, so a
 * typo would otherwise ship as a setting that does nothing.
 */
import * as fs from "fs";
import * as path from "path";

const KEYS_DIR = path.join(__dirname, "..", "chart-keys");

/** Types whose contents are free-form: any sub-key is accepted by the chart. */
const OPEN_TYPES = new Set(["empty-map", "empty-list", "list", "array", "any"]);

/**
 * Keys whose default is a non-empty map but whose contents are free-form by
 * design (the chart passes them through verbatim). Paths are relative to the
 * chart; subchart keys are prefixed with the subchart name.
 */
const FREE_FORM: Record<string, string[]> = {
    "ingress-nginx": ["controller.config", "controller.resources", "controller.nodeSelector", "controller.admissionWebhooks.patch.nodeSelector"],
    "external-dns": ["resources", "nodeSelector"],
    "cert-manager": ["resources", "webhook.resources", "cainjector.resources", "startupapicheck.resources", "nodeSelector", "webhook.nodeSelector", "cainjector.nodeSelector", "startupapicheck.nodeSelector",
        // Schema-only (commented in values.yaml): maps of annotations, e.g. the IRSA role / Azure client id, the config checksum.
        "serviceAccount.annotations", "podAnnotations"],
    "kube-prometheus-stack": [
        "alertmanager.config",
        "alertmanager.alertmanagerSpec.resources",
        "alertmanager.alertmanagerSpec.storage",
        "prometheus.prometheusSpec.resources",
        "prometheus.prometheusSpec.storageSpec",
        "prometheus.prometheusSpec.externalLabels",
        "prometheusOperator.resources",
        "grafana",
        "kube-state-metrics",
        "prometheus-node-exporter",
    ],
    "prometheus-adapter": ["rules", "resources", "nodeSelector"],
    "vault": ["server.resources", "injector.resources", "server.extraEnvironmentVars", "injector.nodeSelector", "server.nodeSelector"],
    "cluster-autoscaler": ["extraArgs", "resources", "nodeSelector"],
    // schedules: rendered into velero.io/v1 Schedules, checked as such (tests/support/chart-resources.ts).
    "velero": ["resources", "nodeAgent.resources", "schedules", "nodeSelector",
        // null by default, a map of annotations when set
        "serviceAccount.server.annotations"],
    // podSecurityContext: rendered verbatim (toYaml) into the StatefulSet; only runAsNonRoot is in values.yaml.
    "eck-operator": ["resources", "config", "nodeSelector", "podSecurityContext"],
    // serviceMonitor.selector: extra ServiceMonitor labels, rendered verbatim; documented only in values.yaml comments.
    "fluent-bit": ["config", "resources", "nodeSelector", "serviceMonitor.selector"],
    // global.nodeSelector: a node selector map rendered verbatim into every Kyverno pod.
    "kyverno": ["global.nodeSelector"],
    // config.envoyGateway is an EnvoyGateway resource (gateway.envoyproxy.io/v1alpha1), merged over the chart's defaults.
    "gateway-helm": ["deployment.envoyGateway.resources", "config.envoyGateway"],
};

const cache = new Map<string, Map<string, string>>();

export function chartKeys(chart: string, version: string): Map<string, string> {
    const id = `${chart}@${version}`;
    if (!cache.has(id)) {
        const file = path.join(KEYS_DIR, `${id}.txt`);
        if (!fs.existsSync(file)) throw new Error(`no key list for ${id}: add tests/chart-keys/${id}.txt from the chart's values.yaml`);
        const keys = new Map<string, string>();
        for (const line of fs.readFileSync(file, "utf8").split("\n")) {
            const [key, type] = line.split("\t");
            if (key) keys.set(key, type);
        }
        // cert-manager documents optional keys only in its JSON schema; merge that list too.
        const schemaFile = path.join(KEYS_DIR, `${id}.schema-keys.txt`);
        if (fs.existsSync(schemaFile)) {
            for (const line of fs.readFileSync(schemaFile, "utf8").split("\n")) {
                const [key, type] = line.split("\t");
                if (key && !keys.has(key)) keys.set(key, type === "object" ? "map" : type);
            }
        }
        cache.set(id, keys);
    }
    return cache.get(id)!;
}

/** Every leaf path of a values object (maps are walked; lists and scalars are leaves). */
export function valuePaths(values: unknown, prefix = ""): string[] {
    if (values === null || typeof values !== "object" || Array.isArray(values)) return prefix ? [prefix] : [];
    const entries = Object.entries(values as Record<string, unknown>);
    if (entries.length === 0) return prefix ? [prefix] : [];
    return entries.flatMap(([key, value]) => valuePaths(value, prefix ? `${prefix}.${key}` : key));
}

/** Paths in `values` the chart does not define; empty when every key is real. */
export function unknownValueKeys(chart: string, version: string, values: unknown): string[] {
    const keys = chartKeys(chart, version);
    const freeForm = FREE_FORM[chart] ?? [];
    return valuePaths(values).filter((valuePath) => {
        if (freeForm.some((f) => valuePath === f || valuePath.startsWith(`${f}.`))) return false;
        const parts = valuePath.split(".");
        for (let i = parts.length; i > 0; i--) {
            const prefix = parts.slice(0, i).join(".");
            const type = keys.get(prefix);
            if (type === undefined) continue;
            // The full path exists, or an ancestor is a free-form container.
            return !(i === parts.length || OPEN_TYPES.has(type));
        }
        return true;
    });
}
