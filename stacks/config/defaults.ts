import { DEFAULT_SIDECAR_IMAGES } from "../../components/app/image";
import { Environment } from "./schema";

/**
 * Environment defaults, as data. dev is small and cheap; prod is highly
 * available. A stack file only states what differs from these.
 * Required keys with no sensible default (owner, cost center, DNS root zone,
 * active cloud) are deliberately absent.
 */

/** The app's defaults shared by both environments; sizing differs. */
const commonApp = {
    enabled: true,
    namespace: "financial-app",
    hostPrefix: "app",
    // nginx's own defaults (proxy timeouts 60 s, connect 5 s, client_max_body_size 1m), stated for both controllers.
    edge: { requestTimeoutSeconds: 60, connectTimeoutSeconds: 5, maxRequestBodyMiB: 1 },
    canary: { weight: 0, replicas: 1 },
    targetCpuUtilization: 70,
    targetRequestsPerSecond: 50,
    // Each side's own PostgreSQL (the `database` section); "external" keeps a database outside the clusters.
    database: { mode: "in-cluster", port: 5432 },
    migrateCommand: ["python", "manage.py", "migrate", "--noinput"],
    cachePreloadCommand: ["preload-cache", "--data", "/var/cache/app/seed"],
    settings: { LOG_FORMAT: "json", LOG_DIR: "/var/log/app" },
    vaultSecrets: [
        { name: "database", path: "financial-app/database" },
        { name: "api-keys", path: "financial-app/api-keys" },
    ],
    sidecarImages: { ...DEFAULT_SIDECAR_IMAGES },
    onCallGroup: "oncall-financial-app",
    reconciliationSchedule: "0 2 * * *",
};

/**
 * Placeholders like the example registry in the stack files: replace them with your
 * registry and your release pipeline's signing identity (README "Security layers").
 */
const commonSecurity = {
    allowedRegistries: ["registry.fin.example.com"],
    imageSignature: {
        method: "keyless",
        keyless: {
            issuer: "https://token.actions.githubusercontent.com",
            subject: "^https://github\\.com/finplat/financial-app/\\.github/workflows/release\\.yml@refs/tags/v[0-9]+\\.[0-9]+\\.[0-9]+$",
        },
    },
};

const commonPlatform = {
    ingress: { controller: "ingress-nginx" },
    externalDns: { enabled: true, values: {}, policy: "upsert-only" },
    // acmeEmail has no default: Let's Encrypt expiry notices must reach a real team.
    certManager: { enabled: true, values: {} },
    metricsAdapter: { enabled: true, values: {} },
    clusterAutoscaler: { enabled: true, values: {} },
    cloudnativePg: { enabled: true, values: {}, pluginValues: {} },
};

/** Every side archives under its Cluster's own name until a failback re-seeds it (database.archive.generation). */
const FIRST_ARCHIVE_GENERATION = { aws: 1, azure: 1 };

/** The data tier's defaults shared by both environments; sizes, replication and the archive differ. */
const commonDatabase = {
    namespace: "database",
    // The operator's default operand at 1.30.0 (pkg/versions); the Barman Cloud plugin runs its own sidecar image.
    imageName: "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie",
    appDatabase: "app",
    appRole: "app",
};

export const ENVIRONMENT_DEFAULTS: Record<Environment, Record<string, unknown>> = {
    dev: {
        protectStateful: false,
        backups: { storeRetentionDays: 14, azureStorageSku: "Standard_LRS", replication: { enabled: false }, accessLogRetentionDays: 30 },
        aws: {
            region: "us-east-1",
            vpcCidr: "10.10.0.0/16",
            kubernetesVersion: "1.33",
            natGateways: "single",
            endpoint: { publicAccess: true, allowedCidrs: ["0.0.0.0/0"] },
            nodePools: {
                system: { instanceType: "t3.large", minSize: 1, maxSize: 3, desiredSize: 2, capacityType: "on-demand", diskSizeGb: 50 },
                workload: { instanceType: "m6i.large", minSize: 1, maxSize: 5, desiredSize: 2, capacityType: "spot", diskSizeGb: 50 },
            },
            adminRoleArns: [],
        },
        azure: {
            location: "eastus2",
            zones: ["1", "2"],
            vnetCidr: "10.20.0.0/16",
            podCidr: "10.244.0.0/16",
            serviceCidr: "10.96.0.0/16",
            kubernetesVersion: "1.33",
            endpoint: { publicAccess: true, allowedCidrs: ["0.0.0.0/0"] },
            nodePools: {
                system: { instanceType: "Standard_D2s_v5", minSize: 1, maxSize: 3, desiredSize: 2, capacityType: "on-demand", diskSizeGb: 64 },
                workload: { instanceType: "Standard_D4s_v5", minSize: 1, maxSize: 5, desiredSize: 2, capacityType: "spot", diskSizeGb: 64 },
            },
            adminGroupObjectIds: [],
            disableLocalAccounts: false,
            upgradeChannel: "patch",
            maintenanceWindow: { dayOfWeek: "Saturday", startTime: "02:00", durationHours: 4 },
            tier: "Free",
        },
        autoscaler: { expander: "least-waste", scaleDownUtilizationThreshold: 0.5, scaleDownUnneededTime: "10m" },
        platform: {
            ...commonPlatform,
            ingressNginx: { enabled: true, values: {}, replicas: 1 },
            envoyGateway: { values: {}, replicas: 1 },
            logging: { enabled: true, eckOperatorValues: {}, fluentBitValues: {}, elasticsearchNodes: 1, storageGb: 30, retentionDays: 7 },
            monitoring: { enabled: true, values: {}, retention: "7d", storageGb: 30, receivers: [] },
            vault: { enabled: true, values: {}, replicas: 1, configure: false },
            velero: { enabled: true, values: {}, schedule: "0 */6 * * *", ttlHours: 72 },
            kyverno: { enabled: true, values: {}, replicas: 1, mode: "Audit" },
            falco: { enabled: true, values: {}, sidekickValues: {}, sidekickReplicas: 1 },
        },
        security: commonSecurity,
        app: {
            ...commonApp,
            sizing: { active: { replicas: 2, minReplicas: 2, maxReplicas: 4 }, standby: { replicas: 1, minReplicas: 1, maxReplicas: 4 } },
        },
        database: {
            ...commonDatabase,
            instances: { active: 1, passive: 1 },
            synchronousReplicas: 0,
            storageGb: 10,
            walStorageGb: 5,
            resources: { cpu: "500m", memory: "1Gi" },
            parameters: { max_connections: "100" },
            // PostgreSQL's own default switch interval would be off; CloudNativePG's is 5 min.
            archive: { timeoutSeconds: 300, uploadAllowanceSeconds: 60, retentionDays: 7, generation: FIRST_ARCHIVE_GENERATION },
            backupSchedule: "0 0 3 * * *",
        },
        dr: {
            healthCheck: { path: "/healthz", intervalSeconds: 30, failureThreshold: 3, ttlSeconds: 60 },
            scaleUpAllowanceSeconds: 300,
            promotionAllowanceSeconds: 300,
            rtoSeconds: 900,
            fullCapacitySeconds: 1200,
            rpoMinutes: 360,
            databaseRpoSeconds: 600,
        },
    },
    prod: {
        protectStateful: true,
        // Geo-redundant: the stores survive the loss of their region (S3 replication; RA-GZRS to the paired region).
        backups: { storeRetentionDays: 90, azureStorageSku: "Standard_RAGZRS", replication: { enabled: true, awsRegion: "us-west-2" }, accessLogRetentionDays: 365 },
        aws: {
            region: "us-east-1",
            vpcCidr: "10.10.0.0/16",
            kubernetesVersion: "1.33",
            natGateways: "perZone",
            endpoint: { publicAccess: true, allowedCidrs: [] },
            nodePools: {
                system: { instanceType: "m6i.xlarge", minSize: 3, maxSize: 6, desiredSize: 3, capacityType: "on-demand", diskSizeGb: 100 },
                workload: { instanceType: "m6i.2xlarge", minSize: 3, maxSize: 30, desiredSize: 6, capacityType: "on-demand", diskSizeGb: 100 },
            },
            adminRoleArns: [],
        },
        azure: {
            location: "eastus2",
            zones: ["1", "2", "3"],
            vnetCidr: "10.20.0.0/16",
            podCidr: "10.244.0.0/16",
            serviceCidr: "10.96.0.0/16",
            kubernetesVersion: "1.33",
            endpoint: { publicAccess: true, allowedCidrs: [] },
            nodePools: {
                system: { instanceType: "Standard_D4s_v5", minSize: 3, maxSize: 6, desiredSize: 3, capacityType: "on-demand", diskSizeGb: 128 },
                workload: { instanceType: "Standard_D8s_v5", minSize: 3, maxSize: 30, desiredSize: 6, capacityType: "on-demand", diskSizeGb: 128 },
            },
            adminGroupObjectIds: [],
            disableLocalAccounts: true,
            upgradeChannel: "patch",
            maintenanceWindow: { dayOfWeek: "Sunday", startTime: "02:00", durationHours: 4 },
            tier: "Standard",
        },
        autoscaler: { expander: "least-waste", scaleDownUtilizationThreshold: 0.5, scaleDownUnneededTime: "15m" },
        platform: {
            ...commonPlatform,
            ingressNginx: { enabled: true, values: {}, replicas: 3 },
            envoyGateway: { values: {}, replicas: 3 },
            logging: { enabled: true, eckOperatorValues: {}, fluentBitValues: {}, elasticsearchNodes: 3, storageGb: 200, retentionDays: 30 },
            monitoring: { enabled: true, values: {}, retention: "30d", storageGb: 200, receivers: ["pagerduty"] },
            vault: { enabled: true, values: {}, replicas: 3, configure: false },
            velero: { enabled: true, values: {}, schedule: "0 * * * *", ttlHours: 720 },
            kyverno: { enabled: true, values: {}, replicas: 3, mode: "Enforce" },
            falco: { enabled: true, values: {}, sidekickValues: {}, sidekickReplicas: 2 },
        },
        security: commonSecurity,
        app: {
            ...commonApp,
            sizing: { active: { replicas: 6, minReplicas: 6, maxReplicas: 30 }, standby: { replicas: 2, minReplicas: 2, maxReplicas: 30 } },
        },
        database: {
            ...commonDatabase,
            // Three instances over three zones with a quorum synchronous standby: a zone loss loses no commit.
            instances: { active: 3, passive: 2 },
            synchronousReplicas: 1,
            storageGb: 200,
            walStorageGb: 50,
            resources: { cpu: "2", memory: "8Gi" },
            parameters: { max_connections: "300", shared_buffers: "2GB", effective_cache_size: "6GB" },
            // A segment at least every 30 s, uploaded within 30 s: the other cloud is at most a minute behind.
            archive: { timeoutSeconds: 30, uploadAllowanceSeconds: 30, retentionDays: 30, generation: FIRST_ARCHIVE_GENERATION },
            backupSchedule: "0 0 1 * * *",
        },
        dr: {
            healthCheck: { path: "/healthz", intervalSeconds: 10, failureThreshold: 3, ttlSeconds: 60 },
            scaleUpAllowanceSeconds: 180,
            // The on-call decision and the drill's fenced promotion of an unplanned failover.
            promotionAllowanceSeconds: 180,
            rtoSeconds: 300,
            fullCapacitySeconds: 600,
            rpoMinutes: 60,
            databaseRpoSeconds: 60,
        },
    },
};

/** Zones per environment when a stack names none. */
export const DEFAULT_ZONE_COUNT: Record<Environment, number> = { dev: 2, prod: 3 };
