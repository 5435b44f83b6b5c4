/**
 * prometheus.yml for the Prometheus agent sidecar (rendered as JSON, which is YAML).
 *
 * Who collects what, so nothing is scraped twice:
 *  - the agent scrapes Envoy's admin stats on 127.0.0.1:9901, which must never
 *    be exposed beyond the pod (the admin API can stop the proxy), and
 *    remote-writes them to the platform Prometheus, buffering in its WAL;
 *  - the platform Prometheus scrapes the app's own metrics port through the
 *    PodMonitor (monitoring.ts); prometheus-adapter turns those into the HPA's
 *    requests-per-second metric.
 *
 * Prometheus 3 expands `${VAR}` in external_labels, so each pod's series carry
 * its namespace, pod and track like a PodMonitor scrape would.
 * The platform Prometheus must run with the remote-write receiver enabled.
 */
import { PROMETHEUS } from "../addons/well-known";
import { PORTS } from "./layout";

export const AGENT_CONFIG_FILE = "prometheus.yml";
export const ENVOY_SCRAPE_JOB = "envoy";

export function prometheusAgentConfig(appName: string, remoteWriteUrls: string[] = [PROMETHEUS.remoteWriteUrl]) {
    return {
        global: {
            scrape_interval: "30s",
            scrape_timeout: "10s",
            external_labels: { app: appName, namespace: "${POD_NAMESPACE}", pod: "${POD_NAME}", track: "${APP_TRACK}" },
        },
        scrape_configs: [{
            job_name: ENVOY_SCRAPE_JOB,
            metrics_path: "/stats/prometheus",
            static_configs: [{ targets: [`127.0.0.1:${PORTS.envoyAdmin}`] }],
        }],
        // A Service would spread samples across Prometheus replicas; each replica gets every sample.
        remote_write: remoteWriteUrls.map((url) => ({ url, queue_config: { max_backoff: "30s" } })),
    };
}

export function prometheusAgentConfigData(appName: string, remoteWriteUrls?: string[]): Record<string, string> {
    return { [AGENT_CONFIG_FILE]: JSON.stringify(prometheusAgentConfig(appName, remoteWriteUrls), null, 2) };
}
