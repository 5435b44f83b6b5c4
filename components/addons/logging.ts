import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "./charts";
import { Values } from "./deep-merge";
import { AddonArgs, createPlatformNamespace, installChart, resources } from "./helm-addon";
import { ELASTICSEARCH, MONITORING_SELECTOR_LABELS, NAMESPACES } from "./well-known";
import { KIBANA_NAME, elasticsearchSpec, kibanaSpec } from "./logging/elastic-stack";
import { fluentBitValues } from "./logging/fluent-bit";
import { RETENTION_LABELS, retentionJobSpec, retentionPolicy } from "./logging/retention";

/**
 * Elastic Stack version for Elasticsearch and Kibana (they must match).
 * 9.5.1: the newest GA release when eck-operator 3.5.0 was pinned, inside 3.5.0's
 * supported range (ES 7.17-9.x), and the version ECK made its current e2e stack right
 * after 3.5.0 shipped. 9.4.3 (what the 3.5.0 tag's samples use) was the alternative;
 * ES refuses downgrades, so starting on the newer line avoids a forced upgrade later.
 * Bumping it rolls the cluster node by node.
 */
export const ELASTIC_STACK_VERSION = "9.5.1";

/**
 * Fluent Bit writes daily indices `<prefix>-YYYY.MM.DD`. Not `logs-...`: Elasticsearch's
 * built-in `logs-*-*` template would turn such indices into data streams.
 */
export const LOG_INDEX_PREFIX = "k8s-logs";

export interface LoggingArgs extends AddonArgs {
    /** Elasticsearch nodes (all roles). 3 or more: zone-aware shard placement, hard zone spread, 2 Kibanas. */
    elasticsearchNodes: number;
    /** Data volume per Elasticsearch node, in GiB. */
    storageGb: number;
    /** Days a daily log index is kept before ILM deletes it. */
    retentionDays: number;
    /** Helm values deep-merged over the eck-operator chart's computed values; the user wins. */
    eckOperatorValues?: Values;
    /** Helm values deep-merged over the fluent-bit chart's computed values; the user wins. */
    fluentBitValues?: Values;
    /** Create the operator's PodMonitor and Fluent Bit's ServiceMonitor (needs the monitoring release in dependsOn). */
    serviceMonitor: boolean;
    /** Protect Elasticsearch and its namespace from deletion (pulumi protect + retainOnDelete) and keep its volumes. */
    protect: boolean;
    /** Not used: two charts, so overrides go to eckOperatorValues and fluentBitValues. */
    values?: never;
}

/**
 * Logs of every pod on the cluster, searchable in Kibana: the ECK operator
 * runs Elasticsearch and Kibana in the `logging` namespace, Fluent Bit on every
 * node ships container logs over TLS, and a Job installs the retention policy.
 */
export class Logging extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** In-cluster HTTPS endpoint; its CA is in Secret ELASTICSEARCH.caSecret. */
    public readonly elasticsearchUrl: pulumi.Output<string>;
    public readonly kibanaUrl: pulumi.Output<string>;
    public readonly operatorRelease: k8s.helm.v3.Release;
    public readonly fluentBitRelease: k8s.helm.v3.Release;
    /** The Elasticsearch resource, for dependsOn of anything that needs the cluster or its secrets. */
    public readonly elasticsearch: k8s.apiextensions.CustomResource;

    constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:Logging", name, {}, opts);
        validate(args);
        const { cluster } = args;
        const provider = cluster.provider;
        const { zoneTopologyKey } = cluster.placement;

        // Ours, not the chart's: ES, Kibana, the retention Job and Fluent Bit all live here,
        // because pods can only read Secrets (ECK's password and CA) of their own namespace.
        // Fluent Bit reads the node's logs through hostPath volumes; deleting the namespace
        // would delete Elasticsearch with it, hence protect.
        const namespace = createPlatformNamespace(this, name, cluster, NAMESPACES.logging, { "pod-security.kubernetes.io/enforce": "privileged" }, args.protect);

        const operator = installChart(this, `${name}-eck-operator`, {
            cluster,
            chart: CHARTS.eckOperator,
            namespace: NAMESPACES.eckOperator,
            releaseName: "elastic-operator",
            values: {
                // One release carries the CRDs (subchart eck-operator-crds); they are kept on uninstall.
                installCRDs: true,
                // Watch only the logging namespace (the operator's own is always included).
                managedNamespaces: [NAMESPACES.logging],
                resources: resources("100m", "256Mi", "1", "1Gi"),
                tolerations: cluster.placement.systemTolerations,
                nodeSelector: cluster.placement.systemNodeSelector,
                podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                // The chart's ServiceMonitor needs secure (HTTPS + RBAC) metrics; a PodMonitor on
                // plain-HTTP metrics is the simple path. Without a metrics port no PodMonitor renders.
                serviceMonitor: { enabled: false },
                ...(args.serviceMonitor
                    ? { config: { metrics: { port: "9090" } }, podMonitor: { enabled: true, labels: { ...MONITORING_SELECTOR_LABELS } } }
                    : {}),
            },
            overrides: args.eckOperatorValues,
            dependsOn: args.dependsOn,
        });

        // Custom resources wait for the release: it installs the CRDs and the operator that reconciles them.
        const afterOperator = [namespace, operator.release, ...cluster.readiness];

        this.elasticsearch = new k8s.apiextensions.CustomResource(`${name}-elasticsearch`, {
            apiVersion: "elasticsearch.k8s.elastic.co/v1",
            kind: "Elasticsearch",
            metadata: { name: ELASTICSEARCH.name, namespace: namespace.metadata.name },
            spec: elasticsearchSpec({
                version: ELASTIC_STACK_VERSION,
                nodes: args.elasticsearchNodes,
                storageGb: args.storageGb,
                zoneTopologyKey,
                keepVolumesOnDelete: args.protect,
            }),
        }, { parent: this, provider, dependsOn: afterOperator, protect: args.protect, retainOnDelete: args.protect });

        new k8s.apiextensions.CustomResource(`${name}-kibana`, {
            apiVersion: "kibana.k8s.elastic.co/v1",
            kind: "Kibana",
            metadata: { name: KIBANA_NAME, namespace: namespace.metadata.name },
            spec: kibanaSpec({ version: ELASTIC_STACK_VERSION, elasticsearchNodes: args.elasticsearchNodes, zoneTopologyKey }),
        }, { parent: this, provider, dependsOn: afterOperator });

        const policy = retentionPolicy({
            indexPrefix: LOG_INDEX_PREFIX,
            retentionDays: args.retentionDays,
            replicas: args.elasticsearchNodes > 1 ? 1 : 0,
        });
        const retentionJob = new k8s.batch.v1.Job(`${name}-retention-${policy.hash}`, {
            metadata: {
                name: `elasticsearch-retention-${policy.hash}`,
                namespace: namespace.metadata.name,
                labels: { ...RETENTION_LABELS, "app.kubernetes.io/managed-by": "pulumi" },
                // A Job that failed (e.g. Elasticsearch never came up) is replaced on the next update.
                annotations: { "pulumi.com/replaceUnready": "true" },
            },
            spec: retentionJobSpec(policy),
        }, {
            parent: this,
            provider,
            dependsOn: [this.elasticsearch],
            // Includes the first Elasticsearch start-up, which the Job waits for.
            customTimeouts: { create: "30m", update: "30m" },
        });

        const fluentBit = installChart(this, `${name}-fluent-bit`, {
            cluster,
            chart: CHARTS.fluentBit,
            namespace: NAMESPACES.logging,
            existingNamespace: true,
            releaseName: "fluent-bit",
            values: fluentBitValues({ indexPrefix: LOG_INDEX_PREFIX, serviceMonitor: args.serviceMonitor }),
            overrides: args.fluentBitValues,
            // ECK's Secrets exist once Elasticsearch does; the retention template must exist before the first index.
            dependsOn: [namespace, this.elasticsearch, retentionJob, ...(args.dependsOn ?? [])],
        });

        this.namespace = namespace.metadata.name;
        this.elasticsearchUrl = pulumi.output(ELASTICSEARCH.url);
        this.kibanaUrl = pulumi.output(ELASTICSEARCH.kibanaUrl);
        this.operatorRelease = operator.release;
        this.fluentBitRelease = fluentBit.release;

        this.registerOutputs({
            namespace: this.namespace,
            elasticsearchUrl: this.elasticsearchUrl,
            kibanaUrl: this.kibanaUrl,
            operatorRelease: this.operatorRelease,
            fluentBitRelease: this.fluentBitRelease,
            elasticsearch: this.elasticsearch,
        });
    }
}

function validate(args: LoggingArgs): void {
    const positiveInteger = (value: number) => Number.isInteger(value) && value >= 1;
    if (!positiveInteger(args.elasticsearchNodes)) throw new Error(`logging: elasticsearchNodes must be a whole number >= 1, got ${args.elasticsearchNodes}`);
    if (!positiveInteger(args.storageGb)) throw new Error(`logging: storageGb must be a whole number >= 1, got ${args.storageGb}`);
    if (!positiveInteger(args.retentionDays)) throw new Error(`logging: retentionDays must be a whole number >= 1, got ${args.retentionDays}`);
}
