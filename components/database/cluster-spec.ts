/**
 * The CloudNativePG Cluster of one side (postgresql.cnpg.io/v1, operator 1.30.0), in the
 * operator's distributed topology: both sides list both Clusters in `externalClusters`
 * (each read from its archive through the Barman Cloud plugin), `replica.primary` names the
 * active side's Cluster on both, `replica.self`/`replica.source` name this side and the peer.
 *
 * Pure data: the component registers it, tests read it.
 */
import * as pulumi from "@pulumi/pulumi";
import { CloudName } from "../cluster/contract";
import { BARMAN_CLOUD_PLUGIN, CNPG_CLUSTER_LABEL, archiveObjectStoreName, postgresClusterName, serverNameOf } from "./names";
import { PEER_TOKEN_PATH } from "./object-store";

export interface PostgresSettings {
    /** Operand image with an explicit tag. */
    imageName: string;
    /** Instances on this side (the caller picks the active or the passive count). */
    instances: number;
    /** Quorum synchronous standbys; 0: asynchronous. The same on both sides, so a flip does not change it. */
    synchronousReplicas: number;
    storageGb: number;
    walStorageGb: number;
    /** Requests of each instance; the memory request is its limit too. */
    resources: { cpu: string; memory: string };
    /** postgresql.conf parameters (archive_timeout is added from archiveTimeoutSeconds). */
    parameters: Record<string, string>;
    /** archive_timeout: the longest a written WAL segment stays unarchived (the database RPO's main term). */
    archiveTimeoutSeconds: number;
    /** Days of base backups and WAL the own archive keeps. */
    retentionDays: number;
    /** ScheduledBackup cron: six fields, seconds first. */
    backupSchedule: string;
}

export interface ClusterSpecArgs {
    cloud: CloudName;
    /** The cloud of the distributed topology's primary (the active side): the same on both sides. */
    primaryCloud: CloudName;
    peerCloud: CloudName;
    /** Each cloud's archive generation (database.archive.generation): the server name its Cluster archives under. */
    archiveGenerations: Record<CloudName, number>;
    settings: PostgresSettings;
    storageClass: string;
    zoneTopologyKey: string;
    /** The app's database, its owner role, and the basic-auth Secret with the role's password. */
    app: { database: string; role: string; secretName: string };
    /** Annotations binding the Cluster's ServiceAccount to its cloud identity (archive writer). */
    serviceAccountAnnotations: pulumi.Input<Record<string, string>>;
    /** Pod labels that identity needs (Azure workload identity); inherited by every instance pod. */
    podLabels: Record<string, string>;
    /** Audience of the token the peer's read-only identity accepts. */
    peerTokenAudience: string;
}

/** One entry of `externalClusters`: a cloud's Cluster, read from its archive (its current generation) with the plugin. */
function externalCluster(cloud: CloudName, generation: number) {
    return {
        name: postgresClusterName(cloud),
        plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: archiveObjectStoreName(cloud), serverName: serverNameOf(cloud, generation) } },
    };
}

/** Whether this side's Cluster is the primary of the topology. */
export function isPrimary(args: Pick<ClusterSpecArgs, "cloud" | "primaryCloud">): boolean {
    return args.cloud === args.primaryCloud;
}

export function clusterSpec(args: ClusterSpecArgs) {
    const self = postgresClusterName(args.cloud);
    const peer = postgresClusterName(args.peerCloud);
    const s = args.settings;
    const storage = (gb: number) => ({ size: `${gb}Gi`, storageClass: args.storageClass, resizeInUseVolumes: true });
    return {
        description: `The app's PostgreSQL on ${args.cloud}, one side of a distributed topology with ${peer}`,
        imageName: s.imageName,
        instances: s.instances,
        // The app logs in with its own role; nobody needs the postgres superuser over the network.
        enableSuperuserAccess: false,
        primaryUpdateStrategy: "unsupervised",
        postgresql: {
            parameters: { ...s.parameters, archive_timeout: `${s.archiveTimeoutSeconds}s` },
            // Quorum (ANY n): a commit waits for n standbys in other zones, so a zone loss loses none.
            ...(s.synchronousReplicas > 0 ? { synchronous: { method: "any", number: s.synchronousReplicas, dataDurability: "required" } } : {}),
        },
        // Read only when the Cluster is created (the component ignores later changes): the primary
        // starts empty, a replica from the peer's archive. A later flip never re-bootstraps anything.
        bootstrap: isPrimary(args)
            ? { initdb: { database: args.app.database, owner: args.app.role, secret: { name: args.app.secretName }, dataChecksums: true } }
            : { recovery: { source: peer } },
        replica: { self, primary: postgresClusterName(args.primaryCloud), source: peer },
        externalClusters: ([args.cloud, args.peerCloud] as CloudName[]).sort().map((cloud) => externalCluster(cloud, args.archiveGenerations[cloud])),
        plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: archiveObjectStoreName(args.cloud), serverName: serverNameOf(args.cloud, args.archiveGenerations[args.cloud]) } }],
        storage: storage(s.storageGb),
        walStorage: storage(s.walStorageGb),
        resources: { requests: { cpu: s.resources.cpu, memory: s.resources.memory }, limits: { memory: s.resources.memory } },
        // One instance per zone, never two in one.
        affinity: { enablePodAntiAffinity: true, topologyKey: args.zoneTopologyKey, podAntiAffinityType: "required" },
        topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: args.zoneTopologyKey,
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { [CNPG_CLUSTER_LABEL]: self } },
        }],
        serviceAccountTemplate: { metadata: { annotations: args.serviceAccountAnnotations } },
        ...(Object.keys(args.podLabels).length > 0 ? { inheritedMetadata: { labels: args.podLabels } } : {}),
        // A token of this cluster for the peer's read-only identity; the plugin's sidecar gets the pod's mounts.
        projectedVolumeTemplate: { sources: [{ serviceAccountToken: { audience: args.peerTokenAudience, expirationSeconds: 3600, path: PEER_TOKEN_PATH } }] },
        // The same role and Secret on both sides: a promoted replica accepts the app as it is.
        managed: {
            roles: [{ name: args.app.role, ensure: "present", login: true, inherit: true, passwordSecret: { name: args.app.secretName }, comment: "the financial app" }],
        },
    };
}
