/**
 * fluentd.conf for the logging sidecar: tail the app's JSON log files from the
 * shared volume and ship them to the ECK Elasticsearch over verified TLS.
 *
 * Credentials and the ECK HTTP CA are files rendered by the Vault agent (see
 * ELASTICSEARCH_VAULT_PATH in vault.ts); fluentd reads them with embedded Ruby
 * when it starts, so no credential is in this ConfigMap. A rotated password
 * takes effect on the next rollout.
 */
import { ELASTICSEARCH } from "../addons/well-known";
import { PATHS } from "./layout";
import { ELASTICSEARCH_SECRET_FILES } from "./vault";

export const FLUENTD_CONFIG_FILE = "fluent.conf";

function secretFile(name: string): string {
    return `${PATHS.secrets}/${name}`;
}

export function fluentdConfig(appName: string): string {
    return `# Rendered by the FinancialApp component; edit components/app/fluentd-config.ts.
<system>
  log_level info
</system>

<source>
  @type tail
  @id app_log_files
  path ${PATHS.logs}/*.log
  pos_file ${PATHS.fluentdBuffer}/app-logs.pos
  tag app.files
  read_from_head true
  follow_inodes true
  rotate_wait 10
  <parse>
    @type json
  </parse>
</source>

# Who wrote it: the downward API gives the sidecar its pod's identity.
<filter app.**>
  @type record_transformer
  <record>
    namespace "#{ENV['POD_NAMESPACE']}"
    pod "#{ENV['POD_NAME']}"
    track "#{ENV['APP_TRACK']}"
    app ${appName}
  </record>
</filter>

<match app.**>
  @type elasticsearch
  @id elasticsearch
  hosts ${ELASTICSEARCH.url}
  user "#{File.read('${secretFile(ELASTICSEARCH_SECRET_FILES.username)}').strip}"
  password "#{File.read('${secretFile(ELASTICSEARCH_SECRET_FILES.password)}').strip}"
  ssl_verify true
  ca_file ${secretFile(ELASTICSEARCH_SECRET_FILES.ca)}
  # Daily indices <appName>-YYYY.MM.DD: the Vault-held user may write only <appName>-*.
  logstash_format true
  logstash_prefix ${appName}
  suppress_type_name true
  # Always through the Service: sniffed pod IPs would bypass it and fail the TLS name check.
  reload_connections false
  reload_on_failure false
  reconnect_on_error true
  request_timeout 30s
  <buffer>
    @type file
    path ${PATHS.fluentdBuffer}/elasticsearch
    flush_mode interval
    flush_interval 5s
    flush_thread_count 2
    chunk_limit_size 8MB
    # Below the buffer volume's sizeLimit: block the tail rather than get the pod evicted.
    total_limit_size 400MB
    overflow_action block
    retry_type exponential_backoff
    retry_max_interval 60s
    retry_forever true
    # The buffer lives in an emptyDir that dies with the pod: ship everything on shutdown.
    flush_at_shutdown true
  </buffer>
</match>
`;
}

export function fluentdConfigData(appName: string): Record<string, string> {
    return { [FLUENTD_CONFIG_FILE]: fluentdConfig(appName) };
}
