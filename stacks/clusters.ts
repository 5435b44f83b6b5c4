import * as aws from "@pulumi/aws";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import { ClusterPair } from "../components/cluster/cluster-pair";
import { StackConfig } from "./config";

/** Names derived from the environment only: never from the role, so a failover renames nothing. */
export function clusterNames(config: StackConfig) {
    return { aws: `finplat-${config.environment}-eks`, azure: `finplat-${config.environment}-aks` };
}

export interface ClusterPairBuild {
    pair: ClusterPair;
    /** The AWS provider, also used for the global Route53 failover. */
    awsProvider: aws.Provider;
}

/** Builds both clusters from validated config, each through its cloud's explicit provider. */
export function buildClusterPair(config: StackConfig): ClusterPairBuild {
    const names = clusterNames(config);
    const awsProvider = new aws.Provider("aws", {
        region: config.aws.region as aws.Region,
        defaultTags: { tags: config.resourceTags },
    });
    const azureProvider = new AzureProvider("azure", { location: config.azure.location });
    const pool = (spec: StackConfig["aws"]["nodePools"]["system"], zones: string[]) => ({ ...spec, zones: spec.zones ?? zones });

    const pair = new ClusterPair("pair", {
        activeCloud: config.activeCloud,
        awsProvider,
        azureProvider,
        aws: {
            region: config.aws.region,
            clusterName: names.aws,
            kubernetesVersion: config.aws.kubernetesVersion,
            networkCidr: config.aws.vpcCidr,
            zones: config.aws.zones,
            natGateways: config.aws.natGateways,
            nodePools: { system: pool(config.aws.nodePools.system, config.aws.zones), workload: pool(config.aws.nodePools.workload, config.aws.zones) },
            endpoint: config.aws.endpoint,
            adminRoleArns: config.aws.adminRoleArns,
            dnsZoneName: config.aws.dnsZone,
            tags: config.resourceTags,
            protect: config.protectStateful,
            backupVersionRetentionDays: config.backups.storeRetentionDays,
            accessLogRetentionDays: config.backups.accessLogRetentionDays,
            backupReplicationRegion: config.backups.replication.enabled ? config.backups.replication.awsRegion : undefined,
        },
        azure: {
            location: config.azure.location,
            clusterName: names.azure,
            kubernetesVersion: config.azure.kubernetesVersion,
            networkCidr: config.azure.vnetCidr,
            podCidr: config.azure.podCidr,
            serviceCidr: config.azure.serviceCidr,
            zones: config.azure.zones,
            nodePools: { system: pool(config.azure.nodePools.system, config.azure.zones), workload: pool(config.azure.nodePools.workload, config.azure.zones) },
            endpoint: config.azure.endpoint,
            adminGroupObjectIds: config.azure.adminGroupObjectIds,
            disableLocalAccounts: config.azure.disableLocalAccounts,
            upgradeChannel: config.azure.upgradeChannel,
            maintenanceWindow: config.azure.maintenanceWindow,
            autoscaler: config.autoscaler,
            tier: config.azure.tier,
            dnsZoneName: config.azure.dnsZone,
            tags: config.resourceTags,
            protect: config.protectStateful,
            backupSoftDeleteDays: config.backups.storeRetentionDays,
            backupStorageSku: config.backups.azureStorageSku,
        },
    });
    return { pair, awsProvider };
}
