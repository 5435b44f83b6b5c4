import * as pulumi from "@pulumi/pulumi";
import { VELERO_SERVER_SERVICE_ACCOUNT } from "../components/addons/velero";
import { NAMESPACES } from "../components/addons/well-known";
import { ClusterHandle, ForeignBackupAccess } from "../components/cluster/contract";
import { PlatformServices } from "../components/platform/platform-services";
import { GlobalNameArgs } from "../components/addons/cert-manager";
import { RECEIVER_SECRETS, StackConfig, VAULT_TOKEN_SECRETS, secretConfig } from "./config";
import { buildClusterPair, clusterNames } from "./clusters";
import { appHostname } from "./hostnames";
import { backupIntervalMinutes, computeDrBudget } from "./dr-budget";
import { buildGlobalFailover } from "./failover";
import { buildGlobalNameAccess } from "./global-name";
import { APP_VAULT_ROLE, buildFinancialApp } from "./app";
import { appServiceAccountName, vaultKvPathsFor } from "../components/app/financial-app";
import { VaultConfiguration } from "../components/addons/vault-config";

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
        ingressAddress: platform.ingress?.loadBalancerAddress,
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
        protect: config.protectStateful,
        dnsOwnerId: clusterNames(config)[handle.cloud],
        globalName,
    });
}

/**
 * Vault's auth backend, KV mount and the app's policy and role, on one cluster's Vault,
 * created before the app so its pods can log in. Gated by platform.vault.configure: the
 * provider needs an initialized Vault (README "Vault bootstrap").
 */
function configureVault(config: StackConfig, cluster: ClusterHandle, platform: PlatformServices): VaultConfiguration {
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
    }, { dependsOn: platform.vault ? [platform.vault.release] : [] });
}

/** Composes the whole platform from validated config and returns the stack outputs. */
export function definePlatform(config: StackConfig) {
    const { pair, awsProvider } = buildClusterPair(config);
    // Built first: the global name's challenge role needs its root zone id.
    const failover = buildGlobalFailover(config, pair, awsProvider);
    const peerBackups = { aws: grantPeerBackups(config, pair.aws, pair.azure), azure: grantPeerBackups(config, pair.azure, pair.aws) };
    // One role for both clusters' cert-manager; it reuses the IAM trust of the AKS issuer the backup grant created.
    const globalName = buildGlobalNameAccess(config, pair, awsProvider, failover, peerBackups.azure);
    const platforms = {
        aws: buildPlatform(config, pair.aws, peerBackups.aws, globalName),
        azure: buildPlatform(config, pair.azure, peerBackups.azure, globalName),
    };
    const vaultRoles = config.platform.vault.configure
        ? { aws: configureVault(config, pair.aws, platforms.aws), azure: configureVault(config, pair.azure, platforms.azure) }
        : undefined;
    const apps = config.app.enabled
        ? {
              aws: buildFinancialApp(config, pair.aws, platforms.aws, vaultRoles?.aws),
              azure: buildFinancialApp(config, pair.azure, platforms.azure, vaultRoles?.azure),
          }
        : undefined;
    return {
        environment: config.environment,
        activeCloud: pair.activeCloud,
        clusters: { aws: clusterOutputs(pair.aws, platforms.aws), azure: clusterOutputs(pair.azure, platforms.azure) },
        app: apps && {
            aws: { hostname: apps.aws.hostname, namespace: apps.aws.namespace, debugCommand: apps.aws.debugCommand },
            azure: { hostname: apps.azure.hostname, namespace: apps.azure.namespace, debugCommand: apps.azure.debugCommand },
        },
        kubeconfigs: pulumi.secret({ aws: pair.aws.kubeconfig, azure: pair.azure.kubeconfig }),
        failover: {
            globalHostname: failover.globalHostname,
            primaryCloud: failover.primaryCloud,
            healthCheckPath: config.dr.healthCheck.path,
            targets: { aws: { hostname: appHostname(config, pair.aws) }, azure: { hostname: appHostname(config, pair.azure) } },
        },
        drBudget: computeDrBudget({ ...config.dr.healthCheck, scaleUpAllowanceSeconds: config.dr.scaleUpAllowanceSeconds, backupScheduleCron: config.platform.velero.schedule }),
    };
}
