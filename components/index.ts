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
export { CHARTS, ChartRef, chartSource } from "./addons/charts";
export { PlatformServices, PlatformServicesArgs, PlatformSettings, PublicGatewaySettings, SecuritySettings } from "./platform/platform-services";
export { IngressNginx, IngressNginxArgs } from "./addons/ingress-nginx";
export { INGRESS_CONTROLLERS, IngressControllerName, IngressLayer, PUBLIC_GATEWAY } from "./addons/ingress-controllers";
export { GatewayApiCrds, GatewayApiCrdsArgs } from "./addons/gateway-api-crds";
export { EnvoyGateway, EnvoyGatewayArgs } from "./addons/envoy-gateway";
export { PublicGateway, PublicGatewayArgs, PublicHostnames, GatewayAttachment } from "./addons/public-gateway";
export { ExternalDns, ExternalDnsArgs } from "./addons/external-dns";
export { CertManager, CertManagerArgs, GlobalNameArgs } from "./addons/cert-manager";
export { Logging, LoggingArgs } from "./addons/logging";
export { Monitoring, MonitoringArgs, MonitoringReceivers } from "./addons/monitoring";
export { MetricsAdapter, MetricsAdapterArgs } from "./addons/metrics-adapter";
export { ClusterAutoscaler, ClusterAutoscalerArgs } from "./addons/cluster-autoscaler";
export { Vault, VaultArgs } from "./addons/vault";
export { VaultConfiguration, VaultConfigurationArgs, VaultAppAccess } from "./addons/vault-config";
export { Velero, VeleroArgs } from "./addons/velero";
export { CloudNativePg, CloudNativePgArgs } from "./addons/cloudnative-pg";
export { PostgresCluster, PostgresClusterArgs, PostgresSettings, DatabaseClient } from "./database/postgres-cluster";
export * from "./database/names";
export { Kyverno, KyvernoArgs } from "./security/kyverno";
export { AdmissionPolicyArgs, Enforcement, SignatureAttestor, admissionPolicies } from "./security/kyverno-policies";
export { Falco, FalcoArgs } from "./security/falco";
export { RuntimeProfile } from "./security/falco-rules";
export { PLATFORM_IMAGE_SOURCES, allowedRegistries } from "./security/registries";
export { FinancialApp, appServiceAccountName, vaultKvPathsFor } from "./app/financial-app";
export { FinancialAppArgs, EdgeLimits, PublicEntry, DatabaseEndpoint, ExternalDatabase, InClusterDatabase } from "./app/types";
export { GlobalFailover, GlobalFailoverArgs, FailoverTarget } from "./failover/global-failover";
export { GlobalNameChallengeAccess, GlobalNameChallengeAccessArgs, ChallengeIssuer } from "./failover/global-certificate-access";
