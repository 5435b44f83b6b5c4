/**
 * The Elasticsearch and Kibana specs the ECK operator reconciles (CRDs from
 * eck-operator 3.5.0, apiVersions elasticsearch.k8s.elastic.co/v1 and
 * kibana.k8s.elastic.co/v1). Pure functions, so the logging component only
 * wires resources together.
 */
import { ELASTICSEARCH } from "../well-known";
import { resources } from "../helm-addon";

/** ECK's fixed name for the data volume claim; ECK mounts it at /usr/share/elasticsearch/data. */
export const ELASTICSEARCH_DATA_VOLUME = "elasticsearch-data";

/** Kibana's name; ECK names its service `<name>-kb-http`, which ELASTICSEARCH.kibanaUrl points at. */
export const KIBANA_NAME = "logging";

/** Labels ECK puts on the pods it creates; used to select them in spread constraints. */
const ES_CLUSTER_LABEL = "elasticsearch.k8s.elastic.co/cluster-name";
const KIBANA_NAME_LABEL = "kibana.k8s.elastic.co/name";

/** Node count from which the cluster spreads shards across zones (one copy per zone). */
export const ZONE_AWARE_MIN_NODES = 3;

/**
 * ES heap is sized by ES itself at 50% of the memory limit. 4Gi gives a 2Gi
 * heap, enough for daily log indices of a few GB.
 */
const ELASTICSEARCH_RESOURCES = resources("1", "4Gi", "2", "4Gi");
/** Kibana 9.x needs 2Gi (ECK 3.5 raised its own default from 1Gi to 2Gi for the same reason). */
const KIBANA_RESOURCES = resources("200m", "2Gi", "1", "2Gi");

export interface ElasticsearchSpecArgs {
    version: string;
    nodes: number;
    storageGb: number;
    zoneTopologyKey: string;
    /** Keep the data volumes even when the Elasticsearch resource is deleted. */
    keepVolumesOnDelete: boolean;
}

export function elasticsearchSpec(args: ElasticsearchSpecArgs) {
    const zoneAware = args.nodes >= ZONE_AWARE_MIN_NODES;
    return {
        version: args.version,
        // ECK's default also deletes the PVCs with the cluster; where data is protected, keep them.
        volumeClaimDeletePolicy: args.keepVolumesOnDelete ? "DeleteOnScaledownOnly" : "DeleteOnScaledownAndClusterDeletion",
        // http.tls is left unset on purpose: ECK then serves HTTPS with a self-signed CA
        // (Secret ELASTICSEARCH.caSecret) that Fluent Bit and the retention Job verify against.
        nodeSets: [
            {
                name: "default",
                count: args.nodes,
                config: {
                    // No mmap: ES then needs no vm.max_map_count sysctl, so no privileged init container.
                    "node.store.allow_mmap": false,
                },
                // ECK >= 3.4 zone awareness: the operator copies the node's zone label onto the pod,
                // injects it as env ZONE, sets `node.attr.zone: ${ZONE}` and
                // `cluster.routing.allocation.awareness.attributes: k8s_node_name,zone`, and requires
                // nodes that carry the label. No `zones` list: AKS labels zones "<region>-<n>", not
                // the "1".."3" in placement.zones, so a list would make pods unschedulable there.
                ...(zoneAware ? { zoneAwareness: { topologyKey: args.zoneTopologyKey } } : {}),
                podTemplate: {
                    spec: {
                        // No securityContext here: ECK's default for 9.x is already restricted
                        // (runAsNonRoot, drop ALL, read-only root fs, seccomp RuntimeDefault, fsGroup 1000),
                        // and a podTemplate value would replace it.
                        containers: [{ name: "elasticsearch", resources: ELASTICSEARCH_RESOURCES }],
                        // Replaces ECK's own constraint for the same key (its selector would be the same);
                        // hard once shard copies are zone-aware, soft below that.
                        topologySpreadConstraints: [
                            {
                                maxSkew: 1,
                                topologyKey: args.zoneTopologyKey,
                                whenUnsatisfiable: zoneAware ? "DoNotSchedule" : "ScheduleAnyway",
                                labelSelector: { matchLabels: { [ES_CLUSTER_LABEL]: ELASTICSEARCH.name } },
                            },
                        ],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: ELASTICSEARCH_DATA_VOLUME },
                        // No storageClassName: the cluster's default class (zonal, WaitForFirstConsumer).
                        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${args.storageGb}Gi` } } },
                    },
                ],
            },
        ],
    };
}

export interface KibanaSpecArgs {
    version: string;
    /** Elasticsearch node count; an HA Elasticsearch gets an HA Kibana. */
    elasticsearchNodes: number;
    zoneTopologyKey: string;
}

export function kibanaSpec(args: KibanaSpecArgs) {
    return {
        // Kibana must run the same version as Elasticsearch.
        version: args.version,
        count: args.elasticsearchNodes >= ZONE_AWARE_MIN_NODES ? 2 : 1,
        elasticsearchRef: { name: ELASTICSEARCH.name },
        podTemplate: {
            spec: {
                containers: [{ name: "kibana", resources: KIBANA_RESOURCES }],
                topologySpreadConstraints: [
                    {
                        maxSkew: 1,
                        topologyKey: args.zoneTopologyKey,
                        whenUnsatisfiable: "ScheduleAnyway",
                        labelSelector: { matchLabels: { [KIBANA_NAME_LABEL]: KIBANA_NAME } },
                    },
                ],
            },
        },
    };
}
