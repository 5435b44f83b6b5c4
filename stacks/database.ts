import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DEFAULT_APP_NAME } from "../components/app/financial-app";
import { appPodSelector } from "../components/app/layout";
import { DatabaseEndpoint } from "../components/app/types";
import { CloudName, ClusterHandle, ForeignBackupAccess } from "../components/cluster/contract";
import { pitrNamespace, postgresClusterName } from "../components/database/names";
import { PostgresCluster } from "../components/database/postgres-cluster";
import { PlatformServices } from "../components/platform/platform-services";
import { StackConfig } from "./config";
import { worstCaseIntervalMinutesWithSeconds } from "./config/cron-interval";
import { drBudgetOf, hasInClusterDatabase } from "./config/dr-budget";

/** The data tier on both sides, and the one credential both accept. */
export interface DatabaseTier {
    sides: Record<CloudName, PostgresCluster>;
    /** The app role's credential, generated once: Vault's `database` secret on both sides carries it. */
    credential: { DATABASE_USER: string; DATABASE_PASSWORD: pulumi.Output<string> };
}

/** The data tier's namespaces (the database and its PITR slot): Velero leaves them to the WAL archive. */
export function databaseNamespaces(config: StackConfig): string[] {
    return hasInClusterDatabase(config) ? [config.database.namespace, pitrNamespace(config.database.namespace)] : [];
}

/** Lets `reader`'s database replay the peer's archive (read-only), when the data tier exists. */
export function grantPeerArchive(config: StackConfig, reader: ClusterHandle, peer: ClusterHandle): ForeignBackupAccess | undefined {
    if (!hasInClusterDatabase(config)) return undefined;
    return peer.grantBackupReadAccess(`${peer.name}-archive-reader-${reader.cloud}`, {
        issuerUrl: reader.oidcIssuerUrl,
        issuerName: reader.cloud,
        namespace: config.database.namespace,
        // CloudNativePG names the instances' ServiceAccount after the Cluster.
        serviceAccount: postgresClusterName(reader.cloud),
        store: "archive",
    });
}

/**
 * One PostgreSQL per side in one distributed topology: the active cloud's Cluster is the
 * primary, the other replays its WAL. Undefined unless app.database.mode is in-cluster.
 */
export function buildDatabaseTier(
    config: StackConfig,
    clusters: Record<CloudName, ClusterHandle>,
    platforms: Record<CloudName, PlatformServices>,
    peerArchives: Record<CloudName, ForeignBackupAccess | undefined>,
): DatabaseTier | undefined {
    if (!hasInClusterDatabase(config)) return undefined;
    const db = config.database;
    // Generated once, a Pulumi secret in state; both sides get the same value, so a promoted replica accepts the app as it is.
    const password = new random.RandomPassword("database-app-password", { length: 40, special: false });
    const rpoSeconds = drBudgetOf(config).databaseRpoSeconds!;
    const baseBackupIntervalMinutes = worstCaseIntervalMinutesWithSeconds(db.backupSchedule, "database.backupSchedule");
    const side = (cloud: CloudName) => {
        const cluster = clusters[cloud];
        return new PostgresCluster(`${cluster.name}-database`, {
            cluster,
            namespace: db.namespace,
            primaryCloud: config.activeCloud,
            archiveGenerations: db.archive.generation,
            peerArchive: peerArchives[cloud]!,
            settings: {
                imageName: db.imageName,
                instances: cloud === config.activeCloud ? db.instances.active : db.instances.passive,
                synchronousReplicas: db.synchronousReplicas,
                storageGb: db.storageGb,
                walStorageGb: db.walStorageGb,
                resources: db.resources,
                parameters: db.parameters,
                archiveTimeoutSeconds: db.archive.timeoutSeconds,
                retentionDays: db.archive.retentionDays,
                backupSchedule: db.backupSchedule,
            },
            app: { database: db.appDatabase, role: db.appRole, password: password.result },
            clients: [{ namespace: config.app.namespace, podLabels: appPodSelector(DEFAULT_APP_NAME) }],
            monitoring: config.platform.monitoring.enabled,
            rpoSeconds,
            baseBackupIntervalMinutes,
            protect: config.protectStateful,
            dependsOn: platforms[cloud].databasePrerequisites,
        });
    };
    return {
        sides: { aws: side("aws"), azure: side("azure") },
        credential: { DATABASE_USER: db.appRole, DATABASE_PASSWORD: password.result },
    };
}

/** Where this side's app finds its database: the local read-write Service, or the external CIDR. */
export function appDatabaseEndpoint(config: StackConfig, cloud: CloudName, tier: DatabaseTier | undefined): DatabaseEndpoint {
    const { database } = config.app;
    if (!tier) return { mode: "external", cidr: database.cidr!, port: database.port };
    const postgres = tier.sides[cloud];
    return { mode: "in-cluster", host: postgres.rwService, port: postgres.port, name: config.database.appDatabase, namespace: postgres.namespace, podLabels: postgres.podLabels };
}

/** The Vault KV secret the app reads its database credential from (its vaultSecrets entry named "database"). */
export function databaseVaultSecrets(config: StackConfig, tier: DatabaseTier | undefined) {
    const entry = config.app.vaultSecrets.find((s) => s.name === "database");
    return tier && entry ? [{ path: entry.path, data: tier.credential }] : [];
}

/** The `database` stack output: what the drill drives (see components/database/names.ts). */
export function databaseOutputs(config: StackConfig, tier: DatabaseTier) {
    const side = (postgres: PostgresCluster) => ({
        name: postgres.clusterName,
        role: postgres.role,
        instances: postgres.instances,
        rwService: postgres.rwService,
        archive: postgres.archive,
        serverName: postgres.serverName,
        objectStore: postgres.objectStore,
        peerObjectStore: postgres.peerObjectStore,
        // The PITR slot is exactly what the drill needs (PitrSlot).
        restore: postgres.restore,
    });
    return {
        primaryCloud: config.activeCloud,
        namespace: config.database.namespace,
        clusters: { aws: side(tier.sides.aws), azure: side(tier.sides.azure) },
    };
}
