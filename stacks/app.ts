import * as pulumi from "@pulumi/pulumi";
import { FinancialApp } from "../components/app/financial-app";
import { DatabaseEndpoint } from "../components/app/types";
import { ClusterHandle } from "../components/cluster/contract";
import { PlatformServices } from "../components/platform/platform-services";
import { StackConfig } from "./config";
import { appHostname } from "./hostnames";

/** Vault Kubernetes-auth role (and policy) name the app logs in with. */
export const APP_VAULT_ROLE = "financial-app";

/** The app on one cluster: full size when active, warm standby when passive; it uses `database`, this side's. */
export function buildFinancialApp(config: StackConfig, cluster: ClusterHandle, platform: PlatformServices, database: DatabaseEndpoint, vaultRole?: pulumi.Resource): FinancialApp {
    const app = config.app;
    const sizing = cluster.role === "active" ? app.sizing.active : app.sizing.standby;
    return new FinancialApp(`${cluster.name}-app`, {
        cluster,
        namespace: app.namespace,
        image: app.image,
        environment: config.environment,
        sizing: { ...sizing, targetCpuUtilization: app.targetCpuUtilization, targetRequestsPerSecond: app.targetRequestsPerSecond },
        canary: app.canary,
        // Routes for every controller that runs; the serving one's route owns the public record.
        publicEntry: { ...platform.ingressLayer, gateway: platform.publicGateway?.attachment },
        edge: app.edge,
        hostname: appHostname(config, cluster),
        // Route53 failover sends the global name here; serve it with a certificate that names it.
        aliases: [config.dr.globalHostname],
        // This side's own database (its read-write Service), or the external one.
        database,
        migrateCommand: app.migrateCommand,
        cachePreloadCommand: app.cachePreloadCommand,
        settings: app.settings,
        vaultRole: APP_VAULT_ROLE,
        vaultSecrets: app.vaultSecrets,
        sidecarImages: app.sidecarImages,
        onCallGroup: app.onCallGroup,
        reconciliationSchedule: app.reconciliationSchedule,
        monitoring: config.platform.monitoring.enabled,
        remoteWriteUrls: platform.monitoring?.remoteWriteReplicaUrls,
        // Route53 probes this path on the cluster's own name.
        healthCheckPath: config.dr.healthCheck.path,
        // Until Vault is configured the pods wait in vault-agent-init; don't hold `pulumi up` on them.
        awaitReadiness: config.platform.vault.configure,
        dependsOn: [...platform.appPrerequisites, ...(vaultRole ? [vaultRole] : [])],
    });
}
