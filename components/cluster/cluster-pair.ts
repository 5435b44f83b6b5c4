import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import { AwsCluster, AwsClusterArgs } from "../aws/aws-cluster";
import { AzureCluster, AzureClusterArgs } from "../azure/azure-cluster";
import { CloudName, ClusterHandle } from "./contract";

export interface ClusterPairArgs {
    /** Which cloud serves users. Changing it changes roles only, never names. */
    activeCloud: CloudName;
    aws: Omit<AwsClusterArgs, "role" | "provider">;
    azure: Omit<AzureClusterArgs, "role" | "provider">;
    awsProvider: aws.Provider;
    azureProvider: pulumi.ProviderResource;
}

/**
 * The active-passive pair: an EKS and an AKS cluster, both always present with
 * the same contract. Roles come from `activeCloud`; resource names never do,
 * so a failover is an in-place update, not a replacement.
 */
export class ClusterPair extends pulumi.ComponentResource {
    public readonly aws: AwsCluster;
    public readonly azure: AzureCluster;
    public readonly active: ClusterHandle;
    public readonly passive: ClusterHandle;
    public readonly activeCloud: CloudName;

    constructor(name: string, args: ClusterPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:cluster:ClusterPair", name, {}, opts);
        const roleOf = (cloud: CloudName) => (cloud === args.activeCloud ? "active" : "passive");

        this.aws = new AwsCluster(`${name}-aws`, { ...args.aws, role: roleOf("aws"), provider: args.awsProvider }, { parent: this });
        this.azure = new AzureCluster(`${name}-azure`, { ...args.azure, role: roleOf("azure"), provider: args.azureProvider }, { parent: this });
        this.activeCloud = args.activeCloud;
        [this.active, this.passive] = args.activeCloud === "aws" ? [this.aws, this.azure] : [this.azure, this.aws];

        this.registerOutputs({ activeCloud: this.activeCloud });
    }

    /** Both clusters, active first. */
    get clusters(): ClusterHandle[] {
        return [this.active, this.passive];
    }
}
