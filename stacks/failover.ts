import * as aws from "@pulumi/aws";
import { CloudName, ClusterHandle } from "../components/cluster/contract";
import { ClusterPair } from "../components/cluster/cluster-pair";
import { FailoverTarget, GlobalFailover } from "../components/failover/global-failover";
import { StackConfig } from "./config";
import { appHostname } from "./hostnames";

/** Health-checked Route53 failover from the global name to the active cluster's app. */
export function buildGlobalFailover(config: StackConfig, pair: ClusterPair, awsProvider: aws.Provider): GlobalFailover {
    const target = (cluster: ClusterHandle): FailoverTarget => ({
        role: cluster.role,
        hostname: appHostname(config, cluster),
        healthCheckPath: config.dr.healthCheck.path,
        servedBy: config.platform.ingress.controller,
        zoneName: cluster.dns.zoneName,
        nameServers: cluster.dns.nameServers,
    });
    const targets: Record<CloudName, FailoverTarget> = { aws: target(pair.aws), azure: target(pair.azure) };
    return new GlobalFailover("global", {
        rootZoneName: config.dns.rootZone,
        globalHostname: config.dr.globalHostname,
        targets,
        healthCheck: {
            intervalSeconds: config.dr.healthCheck.intervalSeconds,
            failureThreshold: config.dr.healthCheck.failureThreshold,
            ttlSeconds: config.dr.healthCheck.ttlSeconds,
        },
        tags: config.resourceTags,
    }, { provider: awsProvider });
}
