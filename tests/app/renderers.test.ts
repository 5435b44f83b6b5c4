import { prometheusAgentConfig } from "../../components/app/prometheus-agent-config";
import { strict as assert } from "assert";
import { ELASTICSEARCH, MONITORING_SELECTOR_LABELS, PROMETHEUS } from "../../components/addons/well-known";
import { CONTAINERS } from "../../components/app/layout";
import { CLOUDS, TYPES, containerNamed, defaultEvaluation, mountsOf, objectNamed } from "./app-fixture";

for (const cloud of CLOUDS) {
    describe(`FinancialApp sidecar configuration (${cloud})`, () => {
        it("Envoy terminates TLS on 8443 with the mounted certificate and forwards to the app on loopback; its admin API stays on loopback", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const data = objectNamed(ev, TYPES.configMap, "financial-app-envoy").inputs.data;
            const bootstrap = JSON.parse(data["envoy.json"]);
            assert.deepEqual(bootstrap.admin.address.socket_address, { address: "127.0.0.1", port_value: 9901 });

            const [https, health] = bootstrap.static_resources.listeners;
            assert.deepEqual(https.address.socket_address, { address: "0.0.0.0", port_value: 8443 });
            const tls = https.filter_chains[0].transport_socket.typed_config.common_tls_context;
            assert.equal(tls.tls_params.tls_minimum_protocol_version, "TLSv1_2");
            assert.equal(tls.tls_certificate_sds_secret_configs[0].sds_config.path_config_source.path, "/etc/envoy/tls-certificate.json");
            const routes = https.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
            // Exactly /healthz goes to the management listener (health-route.test.ts); everything else to the business port.
            assert.deepEqual(routes, [
                { match: { path: "/healthz" }, route: { cluster: "financial_service_management", timeout: "5s" } },
                { match: { prefix: "/" }, route: { cluster: "financial_service", timeout: "30s" } },
            ]);
            const app = bootstrap.static_resources.clusters.find((c: any) => c.name === "financial_service");
            assert.deepEqual(app.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, { address: "127.0.0.1", port_value: 8080 });

            // The kubelet-facing listener exposes /ready and nothing else of the admin API.
            assert.deepEqual(health.address.socket_address, { address: "0.0.0.0", port_value: 8081 });
            const healthRoutes = health.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
            assert.deepEqual(healthRoutes, [{ match: { path: "/ready" }, route: { cluster: "envoy_admin" } }, { match: { prefix: "/" }, direct_response: { status: 404 } }]);

            // The SDS file points at the files of the mounted cert-manager Secret and watches them for renewal.
            const sds = JSON.parse(data["tls-certificate.json"]).resources[0].tls_certificate;
            const tlsMount = Object.entries(mountsOf(containerNamed(objectNamed(ev, TYPES.deployment, "financial-app"), CONTAINERS.envoy))).find(([, m]) => m.volume === "envoy-tls")![0];
            assert.deepEqual(sds.certificate_chain, { filename: `${tlsMount}/tls.crt` });
            assert.deepEqual(sds.private_key, { filename: `${tlsMount}/tls.key` });
            assert.deepEqual(sds.watched_directory, { path: tlsMount });
        });

        it("fluentd ships the app's log files to the ECK Elasticsearch over verified TLS with credentials read from Vault files", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const conf: string = objectNamed(ev, TYPES.configMap, "financial-app-fluentd").inputs.data["fluent.conf"];
            assert.match(conf, /@type tail[\s\S]*path \/var\/log\/app\/\*\.log/);
            assert.match(conf, /pos_file \/fluentd\/buffer\/app-logs\.pos/);
            assert.ok(conf.includes(`hosts ${ELASTICSEARCH.url}`));
            assert.match(conf, /ssl_verify true/);
            assert.match(conf, /ca_file \/vault\/secrets\/elasticsearch-ca\.crt/);
            assert.ok(conf.includes(`user "#{File.read('/vault/secrets/elasticsearch-username').strip}"`));
            assert.ok(conf.includes(`password "#{File.read('/vault/secrets/elasticsearch-password').strip}"`));
            assert.match(conf, /logstash_prefix financial-app/);
            assert.match(conf, /flush_at_shutdown true/);
            const logger = containerNamed(objectNamed(ev, TYPES.deployment, "financial-app"), CONTAINERS.logger);
            assert.deepEqual(logger.env.find((e: any) => e.name === "FLUENTD_CONF"), { name: "FLUENTD_CONF", value: "fluent.conf" });
        });

        it("the Prometheus agent scrapes Envoy's loopback stats and remote-writes them, labelled with the pod's identity", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const config = JSON.parse(objectNamed(ev, TYPES.configMap, "financial-app-prometheus-agent").inputs.data["prometheus.yml"]);
            assert.deepEqual(config.remote_write.map((w: any) => w.url), [PROMETHEUS.remoteWriteUrl]);
            assert.deepEqual(config.scrape_configs.map((s: any) => [s.metrics_path, s.static_configs[0].targets]), [["/stats/prometheus", ["127.0.0.1:9901"]]]);
            assert.deepEqual(config.global.external_labels, { app: "financial-app", namespace: "${POD_NAMESPACE}", pod: "${POD_NAME}", track: "${APP_TRACK}" });
            const agent = containerNamed(objectNamed(ev, TYPES.deployment, "financial-app"), CONTAINERS.metricsAgent);
            const envNames = agent.env.map((e: any) => e.name);
            for (const name of ["POD_NAMESPACE", "POD_NAME", "APP_TRACK"]) assert.ok(envNames.includes(name), `the agent sets ${name}`);
        });

        it("a PodMonitor scrapes the app's metrics port on both tracks, labelled for the platform Prometheus", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const monitor = objectNamed(ev, TYPES.podMonitor, "financial-app").inputs;
            assert.deepEqual({ ...monitor.metadata.labels, ...MONITORING_SELECTOR_LABELS }, monitor.metadata.labels);
            assert.deepEqual(monitor.spec.selector.matchLabels, { "app.kubernetes.io/name": "financial-app", "app.kubernetes.io/component": "server" });
            assert.deepEqual(monitor.spec.podMetricsEndpoints.map((e: any) => [e.port, e.path]), [["metrics", "/metrics"]]);
            assert.deepEqual(monitor.spec.podTargetLabels, ["track"]);
        });

        it("alerts on 5xx ratio, p99 latency, restarts and a canary erring more than stable", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const rule = objectNamed(ev, TYPES.prometheusRule, "financial-app").inputs;
            assert.equal(rule.metadata.labels.release, MONITORING_SELECTOR_LABELS.release);
            const rules = Object.fromEntries(rule.spec.groups[0].rules.map((r: any) => [r.alert, r]));
            assert.deepEqual(Object.keys(rules).sort(), [
                "FinancialAppCanaryErrorRateAboveStable",
                "FinancialAppContainerRestarts",
                "FinancialAppHighErrorRate",
                "FinancialAppHighLatencyP99",
                "FinancialAppMetricsPipelineSilent",
            ]);
            const scoped = `namespace="financial-app",app="financial-app",envoy_http_conn_manager_prefix="ingress_https"`;
            assert.ok(rules.FinancialAppHighErrorRate.expr.includes(`envoy_http_downstream_rq_xx{${scoped},envoy_response_code_class="5"}`));
            assert.match(rules.FinancialAppHighErrorRate.expr, /> 0\.02$/);
            assert.match(rules.FinancialAppHighLatencyP99.expr, /^histogram_quantile\(0\.99, sum by \(track, le\) \(rate\(envoy_http_downstream_rq_time_bucket/);
            assert.match(rules.FinancialAppContainerRestarts.expr, /kube_pod_container_status_restarts_total\{namespace="financial-app",pod=~"financial-app-\.\*"\}/);
            const canary = rules.FinancialAppCanaryErrorRateAboveStable.expr;
            assert.ok(canary.indexOf(`track="canary"`) < canary.indexOf(`track="stable"`), "canary ratio on the left, stable on the right");
            assert.match(canary, /\) \+ 0\.01 and sum\(rate\(/);
            for (const r of Object.values(rules) as any[]) assert.ok(["critical", "warning"].includes(r.labels.severity));
        });
    });
}

describe("Prometheus agent remote write", () => {
    it("writes every sample to each platform Prometheus replica it is given", () => {
        const urls = ["http://prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc:9090/api/v1/write", "http://prometheus-kps-prometheus-1.prometheus-operated.monitoring.svc:9090/api/v1/write"];
        assert.deepEqual(prometheusAgentConfig("financial-app", urls).remote_write.map((w) => w.url), urls);
    });
});
