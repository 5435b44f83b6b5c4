import * as pulumi from "@pulumi/pulumi";
import { ClusterHandle } from "../components/cluster/contract";
import { StackConfig } from "./config";
import { buildClusterPair } from "./clusters";

function clusterOutputs(handle: ClusterHandle) {
    return {
        name: handle.clusterName,
        cloud: handle.cloud,
        region: handle.region,
        role: handle.role,
        endpoint: handle.endpoint,
        kubernetesVersion: handle.kubernetesVersion,
        dnsZone: handle.dns.zoneName,
    };
}

/** Composes the whole platform from validated config and returns the stack outputs. */
export function definePlatform(config: StackConfig) {
    const pair = buildClusterPair(config);
    return {
        environment: config.environment,
        activeCloud: pair.activeCloud,
        clusters: { aws: clusterOutputs(pair.aws), azure: clusterOutputs(pair.azure) },
        kubeconfigs: pulumi.secret({ aws: pair.aws.kubeconfig, azure: pair.azure.kubeconfig }),
    };
}
