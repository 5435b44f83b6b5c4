/**
 * Public API: everything another Pulumi stack needs to build the pair, the
 * platform, the app and the failover on its own clusters. Nothing here reads
 * stack config; every input is an argument.
 */
export * from "./cluster/contract";
export * from "./cluster/types";
export { ClusterPair, ClusterPairArgs } from "./cluster/cluster-pair";
export { AwsCluster, AwsClusterArgs } from "./aws/aws-cluster";
export { AzureCluster, AzureClusterArgs, MaintenanceWindow } from "./azure/azure-cluster";
export { CHARTS, ChartRef } from "./addons/charts";
