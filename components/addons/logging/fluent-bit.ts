/**
 * Helm values for the fluent-bit chart (0.58.1, Fluent Bit 5.1.1): a DaemonSet
 * on every node that tails container logs, adds Kubernetes metadata and ships
 * to the ECK Elasticsearch over verified TLS as the `elastic` user.
 */
import { Values } from "../deep-merge";
import { resources } from "../helm-addon";
import { ELASTICSEARCH, MONITORING_SELECTOR_LABELS } from "../well-known";

/** Where the ECK HTTP CA (Secret ELASTICSEARCH.caSecret) is mounted in the Fluent Bit pod. */
export const FLUENT_BIT_CA_DIR = "/fluent-bit/etc/es-ca";
/** Env var holding the `elastic` password; Fluent Bit expands `${ES_PASSWORD}` in its config. */
export const ES_PASSWORD_ENV = "ES_PASSWORD";

export interface FluentBitValuesArgs {
    /** Daily indices are `<prefix>-YYYY.MM.DD`. */
    indexPrefix: string;
    serviceMonitor: boolean;
}

/** The in-cluster Elasticsearch host; its certificate's SANs include this name. */
export const ELASTICSEARCH_HOST = `${ELASTICSEARCH.service}.${ELASTICSEARCH.namespace}.svc`;

// The config strings go through Helm `tpl`: no `{{` in them. `\${...}` is left to Fluent Bit.
// The position DB lives on the host's /var/log (the chart mounts it read-write), so a
// restarted pod resumes where it stopped instead of skipping or re-sending lines.
const INPUTS = `[INPUT]
    Name tail
    Path /var/log/containers/*.log
    multiline.parser cri
    Tag kube.*
    DB /var/log/fluent-bit-containers.db
    Mem_Buf_Limit 5MB
    Skip_Long_Lines On
`;

const FILTERS = `[FILTER]
    Name kubernetes
    Match kube.*
    Merge_Log On
    Keep_Log Off
    K8S-Logging.Parser On
    K8S-Logging.Exclude On
    Buffer_Size 256k
`;

/** `es` output; Suppress_Type_Name is required by ES 8/9, Replace_Dots avoids mapping conflicts on dotted keys. */
function outputs(indexPrefix: string): string {
    return `[OUTPUT]
    Name es
    Match kube.*
    Host ${ELASTICSEARCH_HOST}
    Port ${ELASTICSEARCH.port}
    HTTP_User elastic
    HTTP_Passwd \${${ES_PASSWORD_ENV}}
    tls On
    tls.verify On
    tls.verify_hostname On
    tls.ca_file ${FLUENT_BIT_CA_DIR}/ca.crt
    Logstash_Format On
    Logstash_Prefix ${indexPrefix}
    Suppress_Type_Name On
    Replace_Dots On
    Trace_Error On
    Retry_Limit 5
`;
}

export function fluentBitValues(args: FluentBitValuesArgs): Values {
    if (args.indexPrefix.startsWith("logs-")) {
        // ES ships a `logs-*-*` data-stream template that would turn these indices into data streams.
        throw new Error(`index prefix ${args.indexPrefix} collides with Elasticsearch's built-in logs-*-* template`);
    }
    return {
        kind: "DaemonSet",
        // A node's log agent: evicted last, and it must run on every node, tainted system pool included.
        priorityClassName: "system-node-critical",
        tolerations: [{ operator: "Exists" }],
        resources: resources("50m", "128Mi", undefined, "256Mi"),
        // Host logs are root-owned, so Fluent Bit runs as root; everything else is taken away.
        podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        // Both secrets are ECK's, in this namespace: the password never passes through Pulumi.
        env: [{ name: ES_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: ELASTICSEARCH.userSecret, key: "elastic" } } }],
        extraVolumes: [{ name: "es-ca", secret: { secretName: ELASTICSEARCH.caSecret } }],
        extraVolumeMounts: [{ name: "es-ca", mountPath: FLUENT_BIT_CA_DIR, readOnly: true }],
        // config.service keeps the chart default (HTTP server on metricsPort 2020 for health and metrics).
        config: { inputs: INPUTS, filters: FILTERS, outputs: outputs(args.indexPrefix) },
        // The chart renders its ServiceMonitor only if the API server lists monitoring.coreos.com/v1.
        // helm.v3.Release renders against the live cluster, so that check sees the CRDs the
        // monitoring release (in dependsOn) installed; a client-side render would drop it silently.
        serviceMonitor: args.serviceMonitor ? { enabled: true, selector: { ...MONITORING_SELECTOR_LABELS } } : { enabled: false },
    };
}
