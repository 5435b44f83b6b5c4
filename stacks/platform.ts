import * as pulumi from "@pulumi/pulumi";
import { GlobalNameArgs } from "../components/addons/cert-manager";
import { VaultConfiguration } from "../components/addons/vault-config";
import { VELERO_SERVER_SERVICE_ACCOUNT } from "../components/addons/velero";
import { NAMESPACES } from "../components/addons/well-known";
import { appServiceAccountName, vaultKvPathsFor } from "../components/app/financial-app";
import { publicIssuer } from "../components/app/ingress";
import { CloudName, ClusterHandle, ForeignBackupAccess } from "../components/cluster/contract";
import { PlatformServices } from "../components/platform/platform-services";
import { APP_VAULT_ROLE, buildFinancialApp } from "./app";
import { buildClusterPair, clusterNames } from "./clusters";
import { RECEIVER_SECRETS, StackConfig, VAULT_TOKEN_SECRETS, secretConfig } from "./config";
import { backupIntervalMinutes, drBudgetOf } from "./config/dr-budget";
import { DatabaseTier, appDatabaseEndpoint, buildDatabaseTier, databaseNamespaces, databaseOutputs, databaseVaultSecrets, grantPeerArchive } from "./database";
import { buildGlobalFailover } from "./failover";
import { buildGlobalNameAccess } from "./global-name";
import { trustAksIssuerInAws } from "./issuer-trust";
import { appHostname } from "./hostnames";
import { securitySettings } from "./security";

function clusterOutputs(handle: ClusterHandle, platform: PlatformServices) {
    return {
        name: handle.clusterName,
        cloud: handle.cloud,
        region: handle.region,
        role: handle.role,
        endpoint: handle.endpoint,
        kubernetesVersion: handle.kubernetesVersion,
        dnsZone: handle.dns.zoneName,
        addonNamespaces: platform.namespaces,
        // The serving controller and its load balancer; the other one only runs during a migration.
        ingressController: platform.ingressLayer.serving,
        ingressAlsoRunning: platform.ingressLayer.running.filter((c) => c !== platform.ingressLayer.serving),
        ingressAddress: platform.ingressAddress,
        internalEndpoints: {
            kibana: platform.logging?.kibanaUrl,
            grafana: platform.monitoring?.grafanaUrl,
            alertmanager: platform.monitoring?.alertmanagerUrl,
            vault: platform.vault?.address,
        },
    };
}

/** Lets `reader`'s Velero read the peer's backups (read-only), when Velero runs. */
function grantPeerBackups(config: StackConfig, reader: ClusterHandle, peer: ClusterHandle): ForeignBackupAccess | undefined {
    return config.platform.velero.enabled
        ? peer.grantBackupReadAccess(`${peer.name}-backup-reader-${reader.cloud}`, {
              issuerUrl: reader.oidcIssuerUrl,
              issuerName: reader.cloud,
              namespace: NAMESPACES.velero,
              serviceAccount: VELERO_SERVER_SERVICE_ACCOUNT,
          })
        : undefined;
}

/** The platform on one cluster; `peerBackups` lets this cluster's Velero read the peer's backups. */
function buildPlatform(config: StackConfig, handle: ClusterHandle, peerBackups: ForeignBackupAccess | undefined, globalName: GlobalNameArgs | undefined): PlatformServices {
    return new PlatformServices(`${handle.name}-platform`, {
        cluster: handle,
        settings: config.platform,
        autoscaler: config.autoscaler,
        alertReceivers: {
            slackWebhookUrl: config.platform.monitoring.receivers.includes("slack") ? secretConfig(RECEIVER_SECRETS.slack) : undefined,
            pagerdutyRoutingKey: config.platform.monitoring.receivers.includes("pagerduty") ? secretConfig(RECEIVER_SECRETS.pagerduty) : undefined,
        },
        peerBackups,
        // Two missed backups in a row is stale.
        backupStaleAfterSeconds: 2 * 60 * backupIntervalMinutes(config.platform.velero.schedule),
        backupExcludedNamespaces: databaseNamespaces(config),
        protect: config.protectStateful,
        dnsOwnerId: clusterNames(config)[handle.cloud],
        globalName,
        security: securitySettings(config),
        // Used when Envoy Gateway runs: its listeners serve the same names the app's Ingress does.
        publicGateway: {
            hostnames: { cluster: appHostname(config, handle), global: config.dr.globalHostname },
            routeNamespaces: config.app.enabled ? [config.app.namespace] : [],
            issuer: publicIssuer(config.environment),
        },
    });
}

/**
 * Vault's auth backend, KV mount and the app's policy and role, on one cluster's Vault,
 * created before the app so its pods can log in. Gated by platform.vault.configure: the
 * provider needs an initialized Vault (README "Vault bootstrap").
 */
function configureVault(config: StackConfig, cluster: ClusterHandle, platform: PlatformServices, database: DatabaseTier | undefined): VaultConfiguration {
    return new VaultConfiguration(`${cluster.name}-vault-config`, {
        address: config.platform.vault.addresses![cluster.cloud],
        token: secretConfig(VAULT_TOKEN_SECRETS[cluster.cloud])!,
        kubernetesHost: "https://kubernetes.default.svc",
        apps: [{
            name: APP_VAULT_ROLE,
            namespace: config.app.namespace,
            serviceAccount: appServiceAccountName(),
            secretPaths: vaultKvPathsFor(config.app.vaultSecrets),
        }],
        // The same database credential in both Vaults: the app logs in alike on either side.
        secrets: databaseVaultSecrets(config, database),
    }, { dependsOn: platform.vault ? [platform.vault.release] : [] });
}

/** Composes the whole platform from validated config and returns the stack outputs. */
export function definePlatform(config: StackConfig) {
    const { pair, awsProvider } = buildClusterPair(config);
    /** The same build on both clusters; `peer` is the other one. */
    const onEach = <T>(build: (cluster: ClusterHandle, peer: ClusterHandle, cloud: CloudName) => T): Record<CloudName, T> => ({
        aws: build(pair.aws, pair.azure, "aws"),
        azure: build(pair.azure, pair.aws, "azure"),
    });

    // Built first: the global name's challenge role needs its root zone id.
    const failover = buildGlobalFailover(config, pair, awsProvider);
    // IAM's one trust of the AKS issuer, before any grant that needs it: its name depends on none of them.
    const aksIssuerTrust = trustAksIssuerInAws(config, pair);
    const peerBackups = onEach((cluster, peer) => grantPeerBackups(config, cluster, peer));
    const peerArchives = onEach((cluster, peer) => grantPeerArchive(config, cluster, peer));
    // One role for both clusters' cert-manager, on the same trust of the AKS issuer.
    const globalName = buildGlobalNameAccess(config, pair, awsProvider, failover, aksIssuerTrust);
    const platforms = onEach((cluster, _peer, cloud) => buildPlatform(config, cluster, peerBackups[cloud], globalName));
    const database = buildDatabaseTier(config, pair, platforms, peerArchives);
    const vaultRoles = config.platform.vault.configure ? onEach((cluster, _peer, cloud) => configureVault(config, cluster, platforms[cloud], database)) : undefined;
    const apps = config.app.enabled
        ? onEach((cluster, _peer, cloud) => buildFinancialApp(config, cluster, platforms[cloud], appDatabaseEndpoint(config, cloud, database), vaultRoles?.[cloud]))
        : undefined;
    return {
        environment: config.environment,
        activeCloud: pair.activeCloud,
        clusters: onEach((cluster, _peer, cloud) => clusterOutputs(cluster, platforms[cloud])),
        app: apps && onEach((_cluster, _peer, cloud) => ({ hostname: apps[cloud].hostname, namespace: apps[cloud].namespace, debugCommand: apps[cloud].debugCommand })),
        kubeconfigs: pulumi.secret(onEach((cluster) => cluster.kubeconfig)),
        failover: {
            globalHostname: failover.globalHostname,
            primaryCloud: failover.primaryCloud,
            healthCheckPath: config.dr.healthCheck.path,
            // The health checks and the drill probe these names, on whichever controller serves them.
            targets: onEach((cluster, _peer, cloud) => ({ hostname: appHostname(config, cluster), ingressController: platforms[cloud].ingressLayer.serving })),
        },
        drBudget: drBudgetOf(config),
        ...(database ? { database: databaseOutputs(config, database) } : {}),
    };
}
