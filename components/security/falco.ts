import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../addons/charts";
import { Values } from "../addons/deep-merge";
import { AddonArgs, installChart, resources } from "../addons/helm-addon";
import { ELASTICSEARCH, MONITORING_SELECTOR_LABELS, NAMESPACES } from "../addons/well-known";
import { RuntimeProfile, runtimeRules } from "./falco-rules";
import { PRIVILEGED_POD_SECURITY_LABELS } from "./namespaces";

const FALCO_RELEASE = "falco";
const FALCOSIDEKICK_RELEASE = "falcosidekick";
const SIDEKICK_PORT = 2801;
/** Where the Elasticsearch CA (ECK's public HTTP certs Secret) is mounted in Falcosidekick. */
export const SIDEKICK_ES_CA_DIR = "/etc/finplat/es-ca";
/** Falco events land in daily indices `falco-YYYY.MM.DD` (searchable in Kibana with the pattern falco-*). */
export const FALCO_INDEX = "falco";

export interface FalcoArgs extends AddonArgs {
    /** Alertmanager of this cluster (kube-prometheus-stack), e.g. PROMETHEUS.alertmanagerUrl. */
    alertmanagerUrl: string;
    /** Forward events to this cluster's ECK Elasticsearch (the logging add-on); off when logging is not installed. */
    elasticsearch: boolean;
    /** Cluster name, added to every alert as the `cluster` label, as Prometheus's external label does. */
    clusterLabel: string;
    /** Falcosidekick replicas (2 in prod: events keep flowing through a node drain). */
    sidekickReplicas: number;
    /** Namespaces with their own rules (the financial app). */
    workloads: RuntimeProfile[];
    /** ServiceMonitors for Falco and Falcosidekick (needs the monitoring release in dependsOn). */
    serviceMonitor: boolean;
    /** Helm values deep-merged over Falcosidekick's computed values (`values` go to the Falco release). */
    sidekickValues?: Values;
}

/**
 * Runtime detection: Falco on every node with the modern eBPF driver (CO-RE, no
 * kernel module or headers: both clouds' node images, Amazon Linux 2023 and AKS
 * Ubuntu / Azure Linux, ship kernels >= 5.8 with BTF), in its least-privileged
 * mode (CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE, CAP_SYS_PTRACE instead of
 * privileged). Falco posts every event to Falcosidekick, which forwards them to
 * this cluster's Alertmanager (critical events reach on-call through its routes)
 * and Elasticsearch (index falco-*, in Kibana).
 *
 * Falcosidekick is its own release (the chart Falco 9.1.0 bundles, same version)
 * in the logging namespace: ECK generates Elasticsearch's credentials and CA there,
 * and a pod can read Secrets of its own namespace only (Fluent Bit lives there for
 * the same reason). Nothing secret passes through Pulumi.
 */
export class Falco extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    public readonly sidekickRelease: k8s.helm.v3.Release;
    /** In-cluster URL Falco posts events to. */
    public readonly sidekickUrl: string;

    constructor(name: string, args: FalcoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:security:Falco", name, {}, opts);
        const { cluster } = args;
        const sidekickNamespace = args.elasticsearch ? ELASTICSEARCH.namespace : NAMESPACES.falco;
        this.sidekickUrl = `http://${FALCOSIDEKICK_RELEASE}.${sidekickNamespace}.svc:${SIDEKICK_PORT}/`;

        const falcoValues: Values = {
            driver: { kind: "modern_ebpf", modernEbpf: { leastPrivileged: true } },
            // Every node, tainted system pool included: an unwatched node is a blind spot.
            tolerations: [{ operator: "Exists" }],
            podPriorityClassName: "system-node-critical",
            resources: resources("100m", "512Mi", undefined, "1Gi"),
            // Falcosidekick is installed as its own release, next to Elasticsearch (see above).
            falcosidekick: { enabled: false },
            falco: {
                json_output: true,
                json_include_output_property: true,
                priority: "notice",
                http_output: { enabled: true, url: this.sidekickUrl },
            },
            customRules: { "finplat-workloads.yaml": runtimeRules(args.workloads) },
            // Rules change with the pinned chart, never behind our back at run time.
            falcoctl: { artifact: { follow: { enabled: false } } },
            metrics: { enabled: true },
            serviceMonitor: { create: args.serviceMonitor, labels: { ...MONITORING_SELECTOR_LABELS } },
        };

        const falco = installChart(this, name, {
            cluster,
            chart: CHARTS.falco,
            namespace: NAMESPACES.falco,
            releaseName: FALCO_RELEASE,
            values: falcoValues,
            overrides: args.values,
            dependsOn: args.dependsOn,
            // The one namespace that exists for a privileged node agent; documented in namespaces.ts.
            namespaceLabels: { ...PRIVILEGED_POD_SECURITY_LABELS },
        });

        const elasticsearchOutput: Values = args.elasticsearch
            ? {
                  elasticsearch: {
                      hostport: ELASTICSEARCH.url,
                      index: FALCO_INDEX,
                      suffix: "daily",
                      username: "elastic",
                      checkcert: true,
                      minimumpriority: "notice",
                  },
                  // ECK's generated password, read from its Secret by the pod; overrides the chart's empty value.
                  extraEnv: [{ name: "ELASTICSEARCH_PASSWORD", valueFrom: { secretKeyRef: { name: ELASTICSEARCH.userSecret, key: "elastic" } } }],
                  tlsclient: { cacertfile: `${SIDEKICK_ES_CA_DIR}/ca.crt` },
              }
            : {};
        const sidekickValues: Values = {
            replicaCount: args.sidekickReplicas,
            config: {
                alertmanager: {
                    hostport: args.alertmanagerUrl,
                    // Alertmanager >= 0.27 serves only the v2 API.
                    endpoint: "/api/v2/alerts",
                    minimumpriority: "warning",
                    // Falco priority → the severity label Alertmanager routes on: critical pages on-call.
                    customseveritymap: "emergency:critical,alert:critical,critical:critical,error:warning,warning:warning",
                    extralabels: `cluster:${args.clusterLabel},source:falco`,
                },
                ...elasticsearchOutput,
            },
            ...(args.elasticsearch
                ? {
                      extraVolumes: [{ name: "es-ca", secret: { secretName: ELASTICSEARCH.caSecret } }],
                      extraVolumeMounts: [{ name: "es-ca", mountPath: SIDEKICK_ES_CA_DIR, readOnly: true }],
                  }
                : {}),
            resources: resources("20m", "64Mi", undefined, "128Mi"),
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            nodeSelector: cluster.placement.systemNodeSelector,
            tolerations: cluster.placement.systemTolerations,
            webui: { enabled: false },
            serviceMonitor: { enabled: args.serviceMonitor, additionalLabels: { ...MONITORING_SELECTOR_LABELS } },
        };

        const sidekick = installChart(this, `${name}-sidekick`, {
            cluster,
            chart: CHARTS.falcosidekick,
            namespace: sidekickNamespace,
            // The logging add-on owns the logging namespace; the Falco release owns falco.
            existingNamespace: true,
            releaseName: FALCOSIDEKICK_RELEASE,
            values: sidekickValues,
            overrides: args.sidekickValues,
            // In Falco's namespace (no logging add-on), it waits for the Falco release to create it.
            dependsOn: [...(args.dependsOn ?? []), ...(sidekickNamespace === NAMESPACES.falco && falco.namespaceResource ? [falco.namespaceResource] : [])],
        });

        this.namespace = falco.namespace;
        this.release = falco.release;
        this.sidekickRelease = sidekick.release;
        this.registerOutputs({ namespace: this.namespace, release: this.release, sidekickRelease: this.sidekickRelease, sidekickUrl: this.sidekickUrl });
    }
}
