/**
 * Index retention for the Basic license: ECK has no ILM resource (StackConfigPolicy
 * is enterprise-only), so a one-shot Job PUTs an ILM policy and an index template
 * through the Elasticsearch API. Both PUTs are idempotent; the Job's name carries
 * a hash of what it applies, so changing retention runs a new Job. The policy is
 * updated in place under a fixed name, so existing indices follow the new
 * retention; Fluent Bit starts after this Job, so no index predates the template.
 */
import { createHash } from "crypto";
import { ELASTICSEARCH } from "../well-known";
import { resources } from "../helm-addon";

/** curl's official image, pinned (Alpine based; its USER is curl_user, uid 100). */
export const CURL_IMAGE = "docker.io/curlimages/curl:8.22.0";
const CURL_UID = 100;
const CA_DIR = "/etc/elasticsearch-ca";

/** The Kubernetes recommended labels, on the Job and its pods alike. */
export const RETENTION_LABELS = { "app.kubernetes.io/name": "elasticsearch-retention", "app.kubernetes.io/part-of": "platform" };

// The password goes to curl through a config on stdin (-K -), never on its command line.
// Waits for the cluster first: the Job starts while ECK is still bringing Elasticsearch up.
const SCRIPT = `set -eu
es() {
  printf 'user = "elastic:%s"\\n' "$ES_PASSWORD" | curl -K - --fail-with-body --silent --show-error --cacert ${CA_DIR}/ca.crt "$@"
}
attempt=0
until es -o /dev/null "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=10s"; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 90 ]; then echo "Elasticsearch not ready" >&2; exit 1; fi
  sleep 10
done
es -X PUT -H 'Content-Type: application/json' --data-binary "$POLICY_BODY" "$ES_URL/_ilm/policy/$POLICY_NAME"
es -X PUT -H 'Content-Type: application/json' --data-binary "$TEMPLATE_BODY" "$ES_URL/_index_template/$TEMPLATE_NAME"
`;

export interface RetentionArgs {
    /** Indices `<prefix>-*` get the policy. */
    indexPrefix: string;
    retentionDays: number;
    /** Replica copies per shard: 0 on a single node (a replica could never be assigned there). */
    replicas: number;
}

export interface RetentionPolicy {
    policyName: string;
    templateName: string;
    indexPattern: string;
    /** Body of PUT _ilm/policy/<policyName>. */
    policyBody: string;
    /** Body of PUT _index_template/<templateName>. */
    templateBody: string;
    /** Short hash of everything the Job applies. */
    hash: string;
}

export function retentionPolicy(args: RetentionArgs): RetentionPolicy {
    const policyName = `${args.indexPrefix}-retention`;
    const indexPattern = `${args.indexPrefix}-*`;
    // Daily indices, no rollover: min_age counts from index creation, so each day's
    // index is deleted retentionDays after that day.
    const policyBody = JSON.stringify({
        policy: {
            phases: {
                hot: { min_age: "0ms", actions: {} },
                delete: { min_age: `${args.retentionDays}d`, actions: { delete: {} } },
            },
        },
    });
    // Priority 200 beats the built-in logs templates (100); no data_stream, so plain daily indices.
    const templateBody = JSON.stringify({
        index_patterns: [indexPattern],
        priority: 200,
        template: {
            settings: {
                "index.lifecycle.name": policyName,
                "index.number_of_shards": 1,
                "index.number_of_replicas": args.replicas,
            },
        },
    });
    const hash = createHash("sha256").update(JSON.stringify([SCRIPT, CURL_IMAGE, policyBody, templateBody])).digest("hex").slice(0, 10);
    return { policyName, templateName: args.indexPrefix, indexPattern, policyBody, templateBody, hash };
}


/** The Job's spec (metadata is set by the caller). */
export function retentionJobSpec(policy: RetentionPolicy) {
    return {
        backoffLimit: 4,
        activeDeadlineSeconds: 1800,
        // Gone a week after it finished; re-running it (e.g. after `pulumi refresh`) is harmless.
        ttlSecondsAfterFinished: 7 * 24 * 3600,
        template: {
            metadata: { labels: RETENTION_LABELS },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: {
                    runAsNonRoot: true,
                    // Numeric, because the image's USER is a name the kubelet cannot check against runAsNonRoot.
                    runAsUser: CURL_UID,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                containers: [
                    {
                        name: "apply-retention",
                        image: CURL_IMAGE,
                        command: ["/bin/sh", "-c", SCRIPT],
                        env: [
                            { name: "ES_URL", value: ELASTICSEARCH.url },
                            { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: ELASTICSEARCH.userSecret, key: "elastic" } } },
                            { name: "POLICY_NAME", value: policy.policyName },
                            { name: "POLICY_BODY", value: policy.policyBody },
                            { name: "TEMPLATE_NAME", value: policy.templateName },
                            { name: "TEMPLATE_BODY", value: policy.templateBody },
                        ],
                        volumeMounts: [{ name: "es-ca", mountPath: CA_DIR, readOnly: true }],
                        resources: resources("10m", "32Mi", undefined, "64Mi"),
                        securityContext: {
                            runAsNonRoot: true,
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            capabilities: { drop: ["ALL"] },
                        },
                    },
                ],
                volumes: [{ name: "es-ca", secret: { secretName: ELASTICSEARCH.caSecret } }],
            },
        },
    };
}
