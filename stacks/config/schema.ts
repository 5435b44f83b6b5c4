import { z } from "zod";
import { INGRESS_CONTROLLERS } from "../../components/addons/ingress-controllers";
import { EDGE_LIMIT_MAXIMA } from "../../components/app/edge";

/**
 * The shape of a stack's configuration, after environment defaults are merged
 * in. Objects are strict, so a mistyped key is an error, not a silent default.
 * Rules that relate several keys live in rules.ts.
 */

export const ENVIRONMENTS = ["dev", "prod"] as const;
export const CLOUD_NAMES = ["aws", "azure"] as const;
/** Kubernetes minors this program is tested with (both EKS and AKS offer them). */
export const KUBERNETES_VERSIONS = ["1.31", "1.32", "1.33", "1.34"] as const;

const hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case DNS name such as fin.example.com");
const cidr = z.string();
const durationPattern = /^\d+[smh]$/;
const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1");

const nodePool = z.strictObject({
    instanceType: z.string().min(1),
    minSize: z.number().int().min(0),
    maxSize: z.number().int().min(1),
    desiredSize: z.number().int().min(0),
    /** Defaults to every zone of the cluster. */
    zones: z.array(z.string()).min(1).optional(),
    capacityType: z.enum(["on-demand", "spot"]),
    diskSizeGb: z.number().int().min(20).max(2048),
});

const endpoint = z.strictObject({
    publicAccess: z.boolean(),
    allowedCidrs: z.array(cidr),
});

const nodePools = z.strictObject({ system: nodePool, workload: nodePool });

const aws = z.strictObject({
    region: awsRegion,
    /** Defaults to the first N zones of the region (N = 2 in dev, 3 in prod). */
    zones: z.array(z.string()).min(2).max(4).optional(),
    vpcCidr: cidr,
    kubernetesVersion: z.enum(KUBERNETES_VERSIONS),
    natGateways: z.enum(["single", "perZone"]),
    endpoint,
    nodePools,
    /** IAM roles given cluster-admin through EKS access entries. */
    adminRoleArns: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN")),
    dnsZone: hostname,
});

const azure = z.strictObject({
    location: z.string().regex(/^[a-z]+[a-z0-9]*$/, "must be an Azure location such as westeurope"),
    zones: z.array(z.enum(["1", "2", "3"])).min(1).max(3).optional(),
    vnetCidr: cidr,
    podCidr: cidr,
    serviceCidr: cidr,
    kubernetesVersion: z.enum(KUBERNETES_VERSIONS),
    endpoint,
    nodePools,
    adminGroupObjectIds: z.array(z.guid("must be an Entra ID object id (a GUID)")),
    disableLocalAccounts: z.boolean(),
    upgradeChannel: z.enum(["patch", "stable", "rapid", "node-image"]),
    maintenanceWindow: z.strictObject({
        dayOfWeek: z.enum(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]),
        startTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (UTC)"),
        durationHours: z.number().int().min(4).max(24),
    }),
    tier: z.enum(["Free", "Standard"]),
    dnsZone: hostname,
});

const tags = z.strictObject({
    costCenter: z.string().min(1),
    owner: z.string().min(1),
});

const autoscaler = z.strictObject({
    expander: z.enum(["least-waste", "random", "most-pods", "priority"]),
    scaleDownUtilizationThreshold: z.number().min(0.1).max(0.9),
    scaleDownUnneededTime: z.string().regex(durationPattern, "must be a duration such as 10m"),
});

/** Helm values a user lays over an add-on's computed values. */
const values = z.record(z.string(), z.unknown());
const toggle = { enabled: z.boolean(), values };

const backups = z.strictObject({
    /** Days superseded/deleted backup objects stay recoverable in the S3 bucket and Blob container. */
    storeRetentionDays: z.number().int().min(1).max(3650),
    /** Redundancy of the Azure backup storage account (Velero and the database archive); GZRS/RAGZRS copy it to the paired region. */
    azureStorageSku: z.enum(["Standard_LRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"]),
    /** Copy the backup stores (database archive and Velero) to a second region, so they survive the loss of their own. */
    replication: z.strictObject({
        enabled: z.boolean(),
        /** Region of the S3 replicas (the Azure copy goes to the account's paired region). */
        awsRegion: awsRegion.optional(),
    }),
    /** Days the S3 server access logs of the backup buckets are kept. */
    accessLogRetentionDays: z.number().int().min(1).max(3650),
});

const platform = z.strictObject({
    /** Which controller serves users; see README "Ingress layer" for the switch and the migration. */
    ingress: z.strictObject({
        controller: z.enum(INGRESS_CONTROLLERS),
        /** Migration only: also run this (the other) controller, with routes but without the public records. */
        alsoRun: z.enum(INGRESS_CONTROLLERS).optional(),
    }),
    /** Settings of ingress-nginx, used when it runs; `enabled: false` leaves the IngressClass to a controller you install. */
    ingressNginx: z.strictObject({ ...toggle, replicas: z.number().int().min(1) }),
    /** Settings of Envoy Gateway, used when it runs: chart overrides and the public Gateway's proxy replicas. */
    envoyGateway: z.strictObject({ values, replicas: z.number().int().min(1) }),
    externalDns: z.strictObject({ ...toggle, policy: z.enum(["upsert-only", "sync"]) }),
    certManager: z.strictObject({ ...toggle, acmeEmail: z.email() }),
    logging: z.strictObject({
        enabled: z.boolean(),
        eckOperatorValues: values,
        fluentBitValues: values,
        elasticsearchNodes: z.number().int().min(1),
        storageGb: z.number().int().min(10),
        retentionDays: z.number().int().min(1).max(3650),
    }),
    monitoring: z.strictObject({
        ...toggle,
        retention: z.string().regex(/^\d+[dhw]$/, "must be a Prometheus duration such as 15d"),
        storageGb: z.number().int().min(10),
        /** Which receivers get alerts; their URLs/keys are secret config (alertSlackWebhookUrl, alertPagerdutyRoutingKey). */
        receivers: z.array(z.enum(["slack", "pagerduty"])),
    }),
    metricsAdapter: z.strictObject(toggle),
    vault: z.strictObject({
        ...toggle,
        replicas: z.number().int().min(1),
        /** Configure Vault (auth, mounts, policies) through the Vault provider; needs an initialized Vault and the secrets vaultTokenAws, vaultTokenAzure. */
        configure: z.boolean(),
        /** Each cluster's Vault API address as this Pulumi run reaches it (port-forward, VPN or internal LB); needed with configure. */
        addresses: z.strictObject({ aws: z.url(), azure: z.url() }).optional(),
    }),
    clusterAutoscaler: z.strictObject(toggle),
    velero: z.strictObject({
        ...toggle,
        /** Cron schedule of the full backup; its interval is the RPO. */
        schedule: z.string().min(9),
        ttlHours: z.number().int().min(1),
    }),
    /** CloudNativePG operator (values) and its Barman Cloud plugin (pluginValues); required by app.database.mode in-cluster. */
    cloudnativePg: z.strictObject({ ...toggle, pluginValues: values }),
    kyverno: z.strictObject({
        ...toggle,
        /** Admission controller replicas; prod runs at least 3. */
        replicas: z.number().int().min(1),
        /** Enforce refuses violating objects, Audit only reports them; prod must enforce. */
        mode: z.enum(["Enforce", "Audit"]),
    }),
    falco: z.strictObject({
        ...toggle,
        /** Helm values deep-merged over Falcosidekick's (its own release next to Elasticsearch). */
        sidekickValues: values,
        sidekickReplicas: z.number().int().min(1),
    }),
});

/** A registry pattern: host (with a dot, optional :port), optional path prefix; `*` is one host label or path segment. */
const registryPattern = z.string().min(1);

const security = z.strictObject({
    /**
     * Registries the stack's own images may come from, on top of the platform's
     * (components/security/registries.ts). Checked by config, CrossGuard and Kyverno.
     */
    allowedRegistries: z.array(registryPattern),
    /** Who signs the app's images (cosign); Kyverno verifies every app image at admission. */
    imageSignature: z.strictObject({
        method: z.enum(["keyless", "key"]),
        /**
         * Sigstore keyless: the OIDC issuer and the signer identity: an exact subject
         * (workflow URL or e-mail), or an anchored regular expression (^…$).
         */
        keyless: z.strictObject({
            issuer: z.string(),
            subject: z.string(),
            /** A private Rekor transparency log; the public one by default. */
            rekorUrl: z.string().optional(),
        }).optional(),
        /** A cosign public key (PEM), for method "key". */
        publicKey: z.string().optional(),
    }),
});

const sizing = z.strictObject({
    replicas: z.number().int().min(0),
    minReplicas: z.number().int().min(1),
    maxReplicas: z.number().int().min(1),
});

const app = z.strictObject({
    enabled: z.boolean(),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes namespace name"),
    image: z.strictObject({
        repository: z.string().min(1),
        /** An explicit version tag; prod rejects "latest". Give a tag or a digest. */
        tag: z.string().regex(/^[\w][\w.-]{0,127}$/, "must be a Docker tag").optional(),
        digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, "must be sha256:<64 hex>").optional(),
    }),
    /** The cluster-local host is `<hostPrefix>.<cloud dnsZone>`; users reach dr.globalHostname. */
    hostPrefix: z.string().regex(/^[a-z0-9-]+$/),
    /** Limits at the edge, applied by whichever controller routes to the app. */
    edge: z.strictObject({
        requestTimeoutSeconds: z.number().int().min(1).max(EDGE_LIMIT_MAXIMA.requestTimeoutSeconds),
        connectTimeoutSeconds: z.number().int().min(1).max(EDGE_LIMIT_MAXIMA.connectTimeoutSeconds),
        maxRequestBodyMiB: z.number().int().min(1).max(EDGE_LIMIT_MAXIMA.maxRequestBodyMiB),
        /** Requests per second each proxy replica lets through (per client IP on ingress-nginx, all clients on Envoy Gateway); unset = no limit. */
        requestsPerSecond: z.number().int().min(1).max(EDGE_LIMIT_MAXIMA.requestsPerSecond).optional(),
    }),
    canary: z.strictObject({
        /** Percent of traffic to the canary track; 0 removes the canary entirely. */
        weight: z.number().int().min(0).max(100),
        tag: z.string().optional(),
        replicas: z.number().int().min(1),
    }),
    /** Full size on the active cluster, warm standby on the passive one. */
    sizing: z.strictObject({ active: sizing, standby: sizing }),
    targetCpuUtilization: z.number().int().min(10).max(95),
    targetRequestsPerSecond: z.number().min(1),
    /**
     * in-cluster: this side's own PostgreSQL (the top-level `database` section), reached at its `-rw` Service.
     * external: a database outside the clusters, reached at `cidr` (the app's egress opens to exactly that range).
     */
    database: z.strictObject({
        mode: z.enum(["in-cluster", "external"]),
        /** Only with mode external. */
        cidr: cidr.optional(),
        port: z.number().int().min(1).max(65535),
    }),
    migrateCommand: z.array(z.string()).min(1),
    cachePreloadCommand: z.array(z.string()).min(1),
    settings: z.record(z.string(), z.string()),
    vaultSecrets: z.array(z.strictObject({ name: z.string().regex(/^[a-z0-9-]+$/), path: z.string().min(1) })),
    sidecarImages: z.strictObject({ envoy: z.string(), fluentd: z.string(), prometheusAgent: z.string(), debug: z.string() }),
    onCallGroup: z.string().min(1),
    reconciliationSchedule: z.string().min(9),
});

const dr = z.strictObject({
    /** The name users resolve; Route53 failover points it at the active cluster. */
    globalHostname: hostname,
    healthCheck: z.strictObject({
        path: z.string().startsWith("/"),
        intervalSeconds: z.union([z.literal(10), z.literal(30)]),
        failureThreshold: z.number().int().min(1).max(10),
        ttlSeconds: z.number().int().min(5).max(3600),
    }),
    /** Budget for pods and nodes to scale from standby to full size after a switch. */
    scaleUpAllowanceSeconds: z.number().int().min(0),
    /** Budget for an unplanned failover's decision and run: an operator decides, the drill fences and promotes. */
    promotionAllowanceSeconds: z.number().int().min(0),
    // Declared targets: config whose computed budget exceeds them is rejected.
    /** Target for writable service restored on the other cloud (detection + DNS TTL + promotion). */
    rtoSeconds: z.number().int().min(1),
    /** Target for full capacity there (service restored + scale-up). */
    fullCapacitySeconds: z.number().int().min(1),
    /** Target for objects and volumes other than the database (Velero's schedule). */
    rpoMinutes: z.number().int().min(1),
    /** Target for the database (archive timeout + upload allowance), with app.database.mode in-cluster. */
    databaseRpoSeconds: z.number().int().min(1),
});

/** A PostgreSQL identifier: lower case, so it needs no quoting. */
const pgIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL identifier such as app");
const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes name (lower case, digits, dashes)");

/** The data tier: one CloudNativePG Cluster per side (app.database.mode in-cluster). */
const database = z.strictObject({
    /** Namespace of the database on both clusters (its point-in-time-restore slot is `<namespace>-pitr`). */
    namespace: k8sName,
    /** PostgreSQL operand image, with an explicit tag (or digest). */
    imageName: z.string().min(1),
    /** The app's database and its owner role; the role's password is generated once and shared by both sides. */
    appDatabase: pgIdentifier,
    appRole: pgIdentifier,
    /** Instances on the active side (spread over zones) and on the passive replica cluster. */
    instances: z.strictObject({ active: z.number().int().min(1).max(9), passive: z.number().int().min(1).max(9) }),
    /** Quorum synchronous standbys (method any) inside the active cloud; 0 turns synchronous replication off. */
    synchronousReplicas: z.number().int().min(0),
    storageGb: z.number().int().min(1),
    walStorageGb: z.number().int().min(1),
    /** Requests of each instance; the memory request is also its limit. */
    resources: z.strictObject({ cpu: z.string().regex(/^\d+(\.\d+)?m?$/, "must be a CPU quantity such as 2 or 500m"), memory: z.string().regex(/^\d+(Mi|Gi)$/, "must be a memory quantity such as 8Gi") }),
    /** PostgreSQL parameters (postgresql.conf); archive_timeout comes from database.archive.timeoutSeconds. */
    parameters: z.record(z.string(), z.string()),
    archive: z.strictObject({
        /** archive_timeout: a WAL segment is shipped at least this often while there are writes. */
        timeoutSeconds: z.number().int().min(1).max(3600),
        /** Time a segment takes to reach the object store once closed (upload + retries). */
        uploadAllowanceSeconds: z.number().int().min(0),
        /** Days of base backups and WAL the archive keeps (the point-in-time-recovery window). */
        retentionDays: z.number().int().min(1).max(3650),
        /**
         * Each side's archive generation: its Cluster archives under `postgres-<cloud>` (1) or
         * `postgres-<cloud>-g<n>`. The drill's failback bumps the re-seeded side's (README "Data tier").
         */
        generation: z.strictObject({ aws: z.number().int().min(1).max(999), azure: z.number().int().min(1).max(999) }),
    }),
    /** Base backups: a six-field cron, seconds first (CloudNativePG's ScheduledBackup), e.g. "0 0 2 * * *". */
    backupSchedule: z.string().min(1),
});

export const stackConfigSchema = z.strictObject({
    environment: z.enum(ENVIRONMENTS),
    /** protect + retainOnDelete on clusters, keys, zones, stores and stateful add-ons. */
    protectStateful: z.boolean(),
    backups,
    activeCloud: z.enum(CLOUD_NAMES),
    tags,
    dns: z.strictObject({ rootZone: hostname }),
    aws,
    azure,
    autoscaler,
    platform,
    security,
    app,
    database,
    dr,
});

/** Config as written in Pulumi.<stack>.yaml (every key may be omitted where a default exists). */
export type RawStackConfig = Record<string, unknown>;
/** Config after defaults and schema, before derived values are filled in. */
export type ParsedStackConfig = z.infer<typeof stackConfigSchema>;
export type Environment = (typeof ENVIRONMENTS)[number];
export type NodePoolConfig = z.infer<typeof nodePool>;
