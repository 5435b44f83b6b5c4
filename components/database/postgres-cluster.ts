/**
 * One side's PostgreSQL: a CloudNativePG Cluster in the distributed topology spanning both
 * clouds, archiving WAL and base backups to this side's own store through its workload
 * identity, and, as long as the other side is primary, replaying the other side's WAL from
 * the other cloud's store through a read-only cross-cloud identity.
 *
 * Cloud-neutral: it sees a ClusterHandle, the peer's ForeignBackupAccess, and nothing else.
 * The active role moves with `primaryCloud`, an in-place change of `spec.replica.primary`
 * (and of the instance count) on both Clusters; no name depends on it, and the bootstrap
 * section, read once at creation, is ignored afterwards. Promotion and demotion themselves
 * (tokens, fencing) are the drill's steps: see README "Data tier".
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { podSecurityLabels } from "../cluster/pod-security";
import { createPlatformNamespace, resources } from "../addons/helm-addon";
import { MONITORING_SELECTOR_LABELS } from "../addons/well-known";
import { CloudName, ClusterHandle, ForeignBackupAccess } from "../cluster/contract";
import { databaseAlertRules } from "./alerts";
import { PostgresSettings, clusterSpec, isPrimary } from "./cluster-spec";
import { DatabaseClient, databaseNetworkPolicies } from "./network-policies";
import {
    BARMAN_CLOUD_PLUGIN,
    CNPG_CLUSTER_LABEL,
    POSTGRES_PORTS,
    appCredentialSecretName,
    archiveObjectStoreName,
    postgresClusterName,
    readWriteService,
    serverNameOf,
} from "./names";
import { destinationPath, objectStoreSpec } from "./object-store";
import { PitrSlot, createPitrSlot } from "./pitr-slot";

export type { PostgresSettings } from "./cluster-spec";
export type { DatabaseClient } from "./network-policies";

export interface PostgresClusterArgs {
    /** This side's cluster; every Kubernetes resource uses its provider. */
    cluster: ClusterHandle;
    /** The database namespace, the same on both sides. */
    namespace: string;
    /** The cloud whose Cluster is the topology's primary (the active one); give both sides the same. */
    primaryCloud: CloudName;
    /**
     * Each cloud's archive generation, the same on both sides: the Barman server name each Cluster
     * archives under (its own `plugins`) and is read from (the peer's `externalClusters`). A failback
     * moves a re-seeded former primary to a new generation (README "Data tier").
     */
    archiveGenerations: Record<CloudName, number>;
    /**
     * Read-only access to the OTHER cloud's archive: that cluster's grantBackupReadAccess with
     * store "archive", for this cluster's issuer, `namespace` and this side's Cluster name as
     * the ServiceAccount (CloudNativePG names it after the Cluster).
     */
    peerArchive: ForeignBackupAccess;
    settings: PostgresSettings;
    /** The app's database and role; the password is a secret generated once for both sides. */
    app: { database: string; role: string; password: pulumi.Input<string> };
    /** Pods allowed to connect on 5432 (the app). */
    clients: DatabaseClient[];
    /** PodMonitor and PrometheusRule (needs the prometheus-operator CRDs in dependsOn). */
    monitoring: boolean;
    /** The database RPO budget, in seconds: the archive and replay-lag alerts fire above it. */
    rpoSeconds: number;
    /** Worst-case minutes between two base backups (settings.backupSchedule), for the stale-backup alert. */
    baseBackupIntervalMinutes: number;
    /** Keep the Cluster (and so its volumes) and the namespace on delete or replace. */
    protect: boolean;
    /** The CloudNativePG operator and Barman Cloud plugin releases (CRDs, webhooks), and the monitoring release. */
    dependsOn: pulumi.Resource[];
}

/** The Barman Cloud sidecar in every instance pod. */
const SIDECAR_RESOURCES = resources("50m", "128Mi", undefined, "512Mi");

export class PostgresCluster extends pulumi.ComponentResource {
    public readonly namespace: string;
    /** The CloudNativePG Cluster's name (distinct per side). */
    public readonly clusterName: string;
    public readonly role: "primary" | "replica";
    public readonly instances: number;
    /** The read-write Service: `<cluster>-rw.<namespace>.svc`. */
    public readonly rwService: string;
    public readonly port = POSTGRES_PORTS.postgres;
    /** Labels of exactly this Cluster's pods (for the app's egress policy). */
    public readonly podLabels: Record<string, string>;
    /** destinationPath of the own archive. */
    public readonly archive: pulumi.Output<string>;
    /** The Barman server name (folder in `archive`) this Cluster archives under: its archive generation. */
    public readonly serverName: string;
    /** ObjectStore on the own archive (in `namespace`). */
    public readonly objectStore: string;
    /** ObjectStore on the peer's archive (in `namespace`), read-only. */
    public readonly peerObjectStore: string;
    public readonly restore: PitrSlot;

    constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:database:PostgresCluster", name, {}, opts);
        const { cluster, settings } = args;
        const peerCloud = args.peerArchive.provider;
        if (peerCloud === cluster.cloud) {
            throw new Error(`PostgresCluster ${name}: the peer archive is in the same cloud (${peerCloud}) as this cluster; the peer must be the other cloud's cluster.`);
        }
        if (settings.synchronousReplicas > 0 && settings.synchronousReplicas >= settings.instances) {
            throw new Error(`PostgresCluster ${name}: ${settings.synchronousReplicas} synchronous standbys need more than ${settings.instances} instances`);
        }
        const self = postgresClusterName(cluster.cloud);
        const opt = { parent: this, provider: cluster.provider };
        const namespace = args.namespace;

        const ns = createPlatformNamespace(this, name, cluster, namespace, podSecurityLabels(cluster.kubernetesVersion), args.protect);
        const afterNamespace = [ns, ...args.dependsOn];

        // The instances' ServiceAccount (named after the Cluster) writes this side's archive, and nothing else.
        const identity = cluster.grantWorkloadIdentity(`${name}-archive`, {
            namespace,
            serviceAccount: self,
            permissions: [{ kind: "archive-store-write" }],
            parent: this,
        });

        const secretName = appCredentialSecretName(args.app.role);
        const credential = new k8s.core.v1.Secret(`${name}-app-credentials`, {
            metadata: { name: secretName, namespace, labels: { "cnpg.io/reload": "true" } },
            type: "kubernetes.io/basic-auth",
            stringData: { username: args.app.role, password: pulumi.secret(args.app.password) },
        }, { ...opt, dependsOn: [ns] });

        const store = (cloud: CloudName, spec: ReturnType<typeof objectStoreSpec>) =>
            new k8s.apiextensions.CustomResource(`${name}-${archiveObjectStoreName(cloud)}`, {
                apiVersion: "barmancloud.cnpg.io/v1",
                kind: "ObjectStore",
                metadata: { name: archiveObjectStoreName(cloud), namespace },
                spec,
            }, { ...opt, dependsOn: afterNamespace });
        const ownStore = store(cluster.cloud, objectStoreSpec(cluster.archive, { retentionDays: settings.retentionDays, sidecarResources: SIDECAR_RESOURCES }));
        const peerStore = store(peerCloud, objectStoreSpec(args.peerArchive.store, { sidecarResources: SIDECAR_RESOURCES }, args.peerArchive));

        const spec = clusterSpec({
            cloud: cluster.cloud,
            primaryCloud: args.primaryCloud,
            peerCloud,
            archiveGenerations: args.archiveGenerations,
            settings,
            storageClass: cluster.defaultStorageClass,
            zoneTopologyKey: cluster.placement.zoneTopologyKey,
            app: { database: args.app.database, role: args.app.role, secretName },
            serviceAccountAnnotations: identity.serviceAccountAnnotations,
            podLabels: identity.podLabels,
            peerTokenAudience: args.peerArchive.tokenAudience,
        });
        const postgres = new k8s.apiextensions.CustomResource(`${name}-cluster`, {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "Cluster",
            metadata: { name: self, namespace },
            spec,
        }, {
            ...opt,
            dependsOn: [...afterNamespace, credential, ownStore, peerStore],
            protect: args.protect,
            retainOnDelete: args.protect,
            // Read only at creation; after a flip the old primary keeps its initdb bootstrap (README "Data tier").
            ignoreChanges: ["spec.bootstrap"],
        });

        new k8s.apiextensions.CustomResource(`${name}-base-backup`, {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "ScheduledBackup",
            metadata: { name: `${self}-base-backup`, namespace },
            spec: {
                schedule: settings.backupSchedule,
                cluster: { name: self },
                method: "plugin",
                pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
                // A first base backup right away, so point-in-time recovery works from day one.
                immediate: true,
                backupOwnerReference: "self",
                target: "prefer-standby",
            },
        }, { ...opt, dependsOn: [postgres] });

        for (const [suffix, policy] of Object.entries(databaseNetworkPolicies(self, args.clients))) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${suffix}`, {
                metadata: { name: `${self}-${suffix}`, namespace },
                spec: policy,
            }, { ...opt, dependsOn: [ns] });
        }

        if (args.monitoring) {
            new k8s.apiextensions.CustomResource(`${name}-pod-monitor`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: self, namespace, labels: { ...MONITORING_SELECTOR_LABELS } },
                spec: {
                    selector: { matchLabels: { [CNPG_CLUSTER_LABEL]: self } },
                    // Becomes the cnpg_io_cluster label the alerts select on.
                    podTargetLabels: [CNPG_CLUSTER_LABEL],
                    podMetricsEndpoints: [{ port: "metrics" }],
                },
            }, { ...opt, dependsOn: afterNamespace });
            new k8s.apiextensions.CustomResource(`${name}-alerts`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: `${self}-rpo`, namespace, labels: { ...MONITORING_SELECTOR_LABELS } },
                spec: {
                    groups: [{
                        name: `${self}.rpo`,
                        rules: databaseAlertRules({
                            namespace,
                            clusterName: self,
                            instances: settings.instances,
                            rpoSeconds: args.rpoSeconds,
                            baseBackupIntervalMinutes: args.baseBackupIntervalMinutes,
                        }),
                    }],
                },
            }, { ...opt, dependsOn: afterNamespace });
        }

        this.restore = createPitrSlot(this, name, { cluster, databaseNamespace: namespace, sidecarResources: SIDECAR_RESOURCES, dependsOn: args.dependsOn });
        this.namespace = namespace;
        this.clusterName = self;
        this.role = isPrimary({ cloud: cluster.cloud, primaryCloud: args.primaryCloud }) ? "primary" : "replica";
        this.instances = settings.instances;
        this.rwService = readWriteService(cluster.cloud, namespace);
        this.podLabels = { [CNPG_CLUSTER_LABEL]: self };
        this.archive = destinationPath(cluster.archive);
        this.serverName = serverNameOf(cluster.cloud, args.archiveGenerations[cluster.cloud]);
        this.objectStore = archiveObjectStoreName(cluster.cloud);
        this.peerObjectStore = archiveObjectStoreName(peerCloud);
        this.registerOutputs({
            clusterName: this.clusterName,
            role: this.role,
            instances: this.instances,
            rwService: this.rwService,
            archive: this.archive,
            serverName: this.serverName,
        });
    }
}
