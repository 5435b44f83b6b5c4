import { ClusterRole } from "./contract";

/** One node pool, in the same words on both clouds (instanceType is the AKS vmSize). */
export interface NodePoolSpec {
    instanceType: string;
    minSize: number;
    maxSize: number;
    desiredSize: number;
    /** Zones the pool spans; a subset of the cluster's zones. */
    zones: string[];
    capacityType: "on-demand" | "spot";
    diskSizeGb: number;
}

export interface EndpointAccess {
    /** Expose the API server publicly (restricted to allowedCidrs); private access is always on. */
    publicAccess: boolean;
    /** CIDRs allowed to reach a public endpoint. Empty with publicAccess=false. */
    allowedCidrs: string[];
}

/** Inputs both cluster implementations share. */
export interface ClusterArgs {
    /** Role in the pair. It never feeds a resource name, so a flip replaces nothing. */
    role: ClusterRole;
    /** Kubernetes minor version, e.g. "1.33". */
    kubernetesVersion: string;
    /** The VPC / VNet address space. */
    networkCidr: string;
    /** Availability zones (AWS names like us-east-1a; Azure numbers "1".."3"). */
    zones: string[];
    nodePools: { system: NodePoolSpec; workload: NodePoolSpec };
    endpoint: EndpointAccess;
    /** DNS zone this cluster owns, e.g. aws.fin.example.com. */
    dnsZoneName: string;
    /** Tags/labels put on every cloud resource. */
    tags: Record<string, string>;
    /** Protect stateful resources (clusters, stores, keys, zones) from deletion. */
    protect: boolean;
}

/** Node autoscaler behaviour, the same knobs on both clouds (EKS chart flags / AKS autoscaler profile). */
export interface AutoscalerTuning {
    expander: "least-waste" | "random" | "most-pods" | "priority";
    /** Node utilisation below which a node is a scale-down candidate, 0..1. */
    scaleDownUtilizationThreshold: number;
    /** How long a node must be unneeded before removal, e.g. "10m". */
    scaleDownUnneededTime: string;
}
