/**
 * Envoy's bootstrap, rendered as JSON (Envoy picks the parser by extension).
 *
 *  - `https` (0.0.0.0:8443): TLS from the cert-manager Secret. Exactly the public
 *    health path (default `/healthz`, what the Route53 health checks probe) goes to
 *    the app's management listener on 127.0.0.1:9102; everything else goes to the
 *    app on 127.0.0.1:8080, so `/metrics` and the rest of the management listener
 *    stay unreachable from outside. The certificate comes through file-based SDS
 *    with a watched directory, so a renewed certificate is served without a restart.
 *  - `health` (0.0.0.0:8081): only `/ready`, proxied to the admin API, so the
 *    kubelet can probe Envoy while the admin API itself stays on 127.0.0.1.
 */
import { DEFAULT_HEALTH_CHECK_PATH, HEALTH_PATHS, PATHS, PORTS } from "./layout";

export const ENVOY_CONFIG_FILE = "envoy.json";
export const ENVOY_SDS_FILE = "tls-certificate.json";
/** Stat prefix of the public listener; the alerts select on it. */
export const ENVOY_HTTPS_STAT_PREFIX = "ingress_https";
const TLS_SECRET = "envoy-serving-certificate";
const APP_CLUSTER = "financial_service";
/** The app's management listener, reached only by the exact health-check route. */
export const MANAGEMENT_CLUSTER = "financial_service_management";
const ADMIN_CLUSTER = "envoy_admin";

const HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } };

function socket(address: string, port: number) {
    return { socket_address: { address, port_value: port } };
}

function staticCluster(name: string, port: number) {
    return {
        name,
        type: "STATIC",
        connect_timeout: "1s",
        load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socket("127.0.0.1", port) } }] }] },
    };
}

const STDOUT_ACCESS_LOG = {
    name: "envoy.access_loggers.stdout",
    typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
        log_format: {
            json_format: {
                time: "%START_TIME%",
                method: "%REQ(:METHOD)%",
                path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
                status: "%RESPONSE_CODE%",
                flags: "%RESPONSE_FLAGS%",
                duration_ms: "%DURATION%",
                request_id: "%REQ(X-REQUEST-ID)%",
            },
        },
    },
};

/**
 * The public listener's routes, first match wins. The health route matches the
 * exact path only (`path`, not `prefix`): after normalize_path and merge_slashes,
 * `/healthz/../metrics` is `/metrics` and falls through to the business port.
 */
export function httpsRoutes(healthCheckPath: string) {
    return [
        { match: { path: healthCheckPath }, route: { cluster: MANAGEMENT_CLUSTER, timeout: "5s" } },
        { match: { prefix: "/" }, route: { cluster: APP_CLUSTER, timeout: "30s" } },
    ];
}

function httpsListener(healthCheckPath: string) {
    return {
        name: "https",
        address: socket("0.0.0.0", PORTS.envoyHttps),
        filter_chains: [{
            transport_socket: {
                name: "envoy.transport_sockets.tls",
                typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
                    common_tls_context: {
                        tls_params: { tls_minimum_protocol_version: "TLSv1_2" },
                        alpn_protocols: ["h2", "http/1.1"],
                        tls_certificate_sds_secret_configs: [{
                            name: TLS_SECRET,
                            sds_config: {
                                resource_api_version: "V3",
                                path_config_source: { path: `${PATHS.envoyConfig}/${ENVOY_SDS_FILE}`, watched_directory: { path: PATHS.envoyConfig } },
                            },
                        }],
                    },
                },
            },
            filters: [{
                name: "envoy.filters.network.http_connection_manager",
                typed_config: {
                    "@type": HCM_TYPE,
                    stat_prefix: ENVOY_HTTPS_STAT_PREFIX,
                    codec_type: "AUTO",
                    // Edge hardening: one canonical path form, no header smuggling through underscores.
                    normalize_path: true,
                    merge_slashes: true,
                    common_http_protocol_options: { headers_with_underscores_action: "REJECT_REQUEST", idle_timeout: "300s" },
                    access_log: [STDOUT_ACCESS_LOG],
                    route_config: {
                        name: "app",
                        virtual_hosts: [{ name: "app", domains: ["*"], routes: httpsRoutes(healthCheckPath) }],
                    },
                    http_filters: [ROUTER],
                },
            }],
        }],
    };
}

function healthListener() {
    return {
        name: "health",
        address: socket("0.0.0.0", PORTS.envoyHealth),
        filter_chains: [{
            filters: [{
                name: "envoy.filters.network.http_connection_manager",
                typed_config: {
                    "@type": HCM_TYPE,
                    stat_prefix: "health",
                    route_config: {
                        name: "health",
                        virtual_hosts: [{
                            name: "health",
                            domains: ["*"],
                            routes: [
                                { match: { path: HEALTH_PATHS.envoyReady }, route: { cluster: ADMIN_CLUSTER } },
                                // Nothing else of the admin API is reachable from the pod IP.
                                { match: { prefix: "/" }, direct_response: { status: 404 } },
                            ],
                        }],
                    },
                    http_filters: [ROUTER],
                },
            }],
        }],
    };
}

/**
 * The bootstrap Envoy starts with (`--config-path /etc/envoy/envoy.json`).
 * `healthCheckPath` must already be validated (validation.ts).
 */
export function envoyBootstrap(appName: string, healthCheckPath: string = DEFAULT_HEALTH_CHECK_PATH) {
    return {
        node: { id: appName, cluster: appName },
        admin: { address: socket("127.0.0.1", PORTS.envoyAdmin) },
        static_resources: {
            listeners: [httpsListener(healthCheckPath), healthListener()],
            clusters: [
                staticCluster(APP_CLUSTER, PORTS.appHttp),
                staticCluster(MANAGEMENT_CLUSTER, PORTS.appMetrics),
                staticCluster(ADMIN_CLUSTER, PORTS.envoyAdmin),
            ],
        },
    };
}

/** The SDS resource: certificate files from the cert-manager Secret, re-read when the kubelet swaps them. */
export function envoyTlsSds() {
    return {
        resources: [{
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
            name: TLS_SECRET,
            tls_certificate: {
                certificate_chain: { filename: `${PATHS.envoyTls}/tls.crt` },
                private_key: { filename: `${PATHS.envoyTls}/tls.key` },
                watched_directory: { path: PATHS.envoyTls },
            },
        }],
    };
}

/** ConfigMap data for Envoy. */
export function envoyConfigData(appName: string, healthCheckPath: string = DEFAULT_HEALTH_CHECK_PATH): Record<string, string> {
    return {
        [ENVOY_CONFIG_FILE]: JSON.stringify(envoyBootstrap(appName, healthCheckPath), null, 2),
        [ENVOY_SDS_FILE]: JSON.stringify(envoyTlsSds(), null, 2),
    };
}
