import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { BackupStoreInfo, ForeignBackupAccess } from "../cluster/contract";
import { foreignAccessEnv } from "../cluster/foreign-access";
import { CHARTS } from "./charts";
import { AddonArgs, installChart, resources } from "./helm-addon";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "./well-known";

/** ServiceAccount of the Velero server and node agent; both identities (own and peer) trust exactly this name. */
export const VELERO_SERVER_SERVICE_ACCOUNT = "velero-server";
const RELEASE_NAME = "velero";
/** The chart names each Schedule `<fullname>-<key>`; fullname is the release name here. */
/** Schedule key per cloud, so the two clusters' backups never share a name in a synced store. */
const scheduleKey = (cloud: string) => `platform-${cloud}`;
const OWN_LOCATION = "default";
const PEER_LOCATION = "peer";

/**
 * Object-store plugins, keyed by store provider. Both are always installed: the
 * peer store is in the other cloud. Plugin v1.14.x pairs with Velero v1.18.x
 * (chart 12.1.0 ships v1.18.1).
 */
const PLUGIN_IMAGES: Record<BackupStoreInfo["provider"], string> = {
    aws: "velero/velero-plugin-for-aws:v1.14.2",
    azure: "velero/velero-plugin-for-microsoft-azure:v1.14.0",
};

/** Where the peer's projected ServiceAccount token is mounted. */
const PEER_TOKEN_DIR = "/var/run/secrets/finplat.io/peer-backup";
const PEER_TOKEN_FILE = `${PEER_TOKEN_DIR}/token`;
const PEER_TOKEN_VOLUME = "peer-backup-token";

/** Namespaces never backed up: Velero itself, and the cloud-specific system namespaces that must not be restored into the other cloud. */
const EXCLUDED_NAMESPACES = [NAMESPACES.velero, "kube-system", "kube-public", "kube-node-lease"];

export interface VeleroArgs extends AddonArgs {
    /** Cron expression of the platform backup; its interval is the RPO. */
    schedule: string;
    /** How long each scheduled backup is kept, in hours. */
    ttlHours: number;
    /**
     * Read-only access to the OTHER cluster's backup store, from that cluster's
     * `grantBackupReadAccess` for this cluster's issuer, namespace NAMESPACES.velero
     * and ServiceAccount VELERO_SERVER_SERVICE_ACCOUNT. Registered as the ReadOnly location "peer", for restores after a failover.
     */
    peer?: ForeignBackupAccess;
    /** Render ServiceMonitor, node-agent PodMonitor and PrometheusRule (needs the prometheus-operator CRDs: pass the monitoring release in dependsOn). */
    serviceMonitor: boolean;
    /**
     * More namespaces to leave out of the schedule, e.g. the database's: its own WAL archive protects
     * it consistently, where a file copy of a live data directory would not (and restoring the
     * Cluster object onto the other side would clash with the replica there).
     */
    excludedNamespaces?: string[];
}

interface StoreLocation {
    provider: string;
    bucket: pulumi.Input<string>;
    config: Record<string, pulumi.Input<string>>;
}

/** Velero's provider, bucket and config for a backup store; credentials come from the pod's identity, never a secret. */
function storeLocation(store: BackupStoreInfo): StoreLocation {
    switch (store.provider) {
        case "aws":
            return { provider: "aws", bucket: store.bucket, config: { region: store.region, kmsKeyId: store.kmsKeyArn } };
        case "azure":
            return {
                provider: "azure",
                bucket: store.container,
                config: {
                    resourceGroup: store.resourceGroupName,
                    storageAccount: store.storageAccount,
                    subscriptionId: store.subscriptionId,
                    // Entra ID (workload identity) instead of account keys.
                    useAAD: "true",
                    // The identities hold blob data roles on the container only; a known URI skips the ARM lookup they cannot do.
                    storageAccountURI: pulumi.interpolate`https://${store.storageAccount}.blob.core.windows.net`,
                },
            };
    }
}

function location(name: string, store: BackupStoreInfo, accessMode: "ReadWrite" | "ReadOnly", isDefault: boolean) {
    return { name, ...storeLocation(store), accessMode, default: isDefault };
}

/** Velero-internal alerts; backup failures and staleness (the RPO) are platform alerts in monitoring-rules.ts. */
const VELERO_RULES = [
    {
        alert: "VeleroBackupLocationUnavailable",
        expr: "velero_backup_location_status_gauge == 0",
        for: "15m",
        labels: { severity: "critical" },
        annotations: {
            summary: "Velero backup location {{ $labels.backup_location_name }} is unavailable",
            description: "Velero cannot reach this store: for \"default\" new backups fail; for \"peer\" a restore of the other cluster's backups is impossible.",
            runbook: "velero backup-location get; kubectl -n velero logs deploy/velero | grep -i backup-location. Check the identity (ServiceAccount annotations, federated credential / IAM trust) and the bucket or container.",
        },
    },
    {
        alert: "VeleroBackupPartiallyFailed",
        expr: "increase(velero_backup_partial_failure_total[1h]) > 0",
        for: "5m",
        labels: { severity: "warning" },
        annotations: {
            summary: "Velero backup of schedule {{ $labels.schedule }} partially failed",
            description: "Some items or volumes were not backed up; the backup would restore incomplete.",
            runbook: "velero backup describe <name> --details; kubectl -n velero get podvolumebackups; check node-agent logs on the failing node.",
        },
    },
    {
        alert: "VeleroRepositoryMaintenanceFailed",
        expr: "increase(velero_repo_maintenance_failure_total[12h]) > 0",
        for: "5m",
        labels: { severity: "warning" },
        annotations: {
            summary: "Kopia repository maintenance failed for {{ $labels.repository_name }}",
            description: "Without maintenance the file-system backup repository grows and old data is never pruned.",
            runbook: "kubectl -n velero get backuprepositories; kubectl -n velero logs -l velero.io/repo-name={{ $labels.repository_name }}.",
        },
    },
];

/**
 * Velero with file-system backups, writing to this cluster's store and reading the
 * peer cluster's store for restores after a failover.
 *
 * Why file-system backups (node agent + kopia, defaultVolumesToFsBackup) and no
 * volume snapshots (snapshotsEnabled: false): an EBS snapshot cannot be restored on
 * AKS, nor an Azure disk snapshot on EKS. Kopia copies volume contents into the
 * object store, so the other cloud can restore them. Both clusters use Velero's
 * default kopia repository password, which is what lets one read the other's repository.
 *
 * Restore on the peer: `velero restore create --from-backup <backup in location "peer">`.
 */
export class Velero extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** Backup storage location names: "default" (own, ReadWrite) and, with a peer, "peer" (ReadOnly). */
    public readonly backupLocations: string[];
    /** Name of the Schedule resource the chart creates. */
    public readonly scheduleName: string;

    constructor(name: string, args: VeleroArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:Velero", name, {}, opts);
        const { cluster, peer } = args;
        if (peer && peer.provider === cluster.backups.provider) {
            throw new Error(
                `Velero ${name}: the peer backup store is in the same cloud (${peer.provider}) as this cluster's own store; ` +
                "its credential env vars would replace this cluster's own identity. The peer must be the other cloud's cluster.",
            );
        }
        if (!Number.isInteger(args.ttlHours) || args.ttlHours < 1) {
            throw new Error(`Velero ${name}: ttlHours must be a positive integer, got ${args.ttlHours}`);
        }
        const placement = cluster.placement;

        const identity = cluster.grantWorkloadIdentity(`${name}-backup`, {
            namespace: NAMESPACES.velero,
            serviceAccount: VELERO_SERVER_SERVICE_ACCOUNT,
            permissions: [{ kind: "backup-store-write" }],
            parent: this,
        });

        const locations = [location(OWN_LOCATION, cluster.backups, "ReadWrite", true)];
        if (peer) locations.push(location(PEER_LOCATION, peer.store, "ReadOnly", false));

        // The peer identity trusts this cluster's OIDC issuer; it needs a token with its audience, projected next to the own one.
        // The node agent moves file-system backup data itself, so it gets the same token and env.
        const peerVolumes = peer
            ? [{ name: PEER_TOKEN_VOLUME, projected: { sources: [{ serviceAccountToken: { audience: peer.tokenAudience, expirationSeconds: 3600, path: "token" } }] } }]
            : [];
        const peerMounts = peer ? [{ name: PEER_TOKEN_VOLUME, mountPath: PEER_TOKEN_DIR, readOnly: true }] : [];

        const monitorLabels = { additionalLabels: MONITORING_SELECTOR_LABELS };
        const values = {
            initContainers: Object.values(PLUGIN_IMAGES).map((image) => ({
                // "velero/velero-plugin-for-aws:v1.14.2" → "velero-plugin-for-aws"
                name: image.split(":")[0].split("/").pop(),
                image,
                imagePullPolicy: "IfNotPresent",
                resources: resources("10m", "64Mi"),
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                volumeMounts: [{ mountPath: "/target", name: "plugins" }],
            })),
            // No static credentials: the own store through workload identity, the peer through the projected token.
            credentials: { useSecret: false },
            serviceAccount: { server: { create: true, name: VELERO_SERVER_SERVICE_ACCOUNT, annotations: identity.serviceAccountAnnotations } },
            podLabels: identity.podLabels,
            // The image runs as its non-root user; fsGroup makes projected token files readable to it (plugin README, IRSA).
            podSecurityContext: { fsGroup: 65534 },
            containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            resources: resources("100m", "256Mi", undefined, "1Gi"),
            tolerations: placement.systemTolerations,
            nodeSelector: placement.systemNodeSelector,
            extraVolumes: peerVolumes,
            extraVolumeMounts: peerMounts,
            // helm.v3.Release installs crds/ only on first install; the chart's pre-upgrade hook job keeps the CRDs current on chart bumps.
            upgradeCRDs: true,
            upgradeJobResources: resources("50m", "128Mi", undefined, "256Mi"),
            backupsEnabled: true,
            snapshotsEnabled: false,
            deployNodeAgent: true,
            nodeAgent: {
                // Every node with pods has volumes to back up, whatever its taints.
                tolerations: [{ operator: "Exists" }],
                resources: resources("100m", "256Mi", undefined, "2Gi"),
                podLabels: identity.podLabels,
                extraVolumes: peerVolumes,
                extraVolumeMounts: peerMounts,
            },
            configuration: {
                uploaderType: "kopia",
                defaultVolumesToFsBackup: true,
                backupStorageLocation: locations,
                // Rendered into both the server and the node agent.
                extraEnvVars: peer ? foreignAccessEnv(peer, PEER_TOKEN_FILE) : [],
            },
            schedules: {
                [scheduleKey(cluster.cloud)]: {
                    schedule: args.schedule,
                    template: {
                        ttl: `${args.ttlHours}h0m0s`,
                        storageLocation: OWN_LOCATION,
                        includedNamespaces: ["*"],
                        excludedNamespaces: [...EXCLUDED_NAMESPACES, ...(args.excludedNamespaces ?? [])],
                        snapshotVolumes: false,
                        defaultVolumesToFsBackup: true,
                    },
                },
            },
            metrics: {
                enabled: true,
                // autodetect reads .Capabilities, which depends on CRDs existing at render time; the caller orders that instead.
                serviceMonitor: { enabled: args.serviceMonitor, autodetect: false, ...monitorLabels },
                nodeAgentPodMonitor: { enabled: args.serviceMonitor, autodetect: false, ...monitorLabels },
                prometheusRule: { enabled: args.serviceMonitor, autodetect: false, ...monitorLabels, spec: VELERO_RULES },
            },
        };

        const chart = installChart(this, name, {
            cluster,
            chart: CHARTS.velero,
            namespace: NAMESPACES.velero,
            releaseName: RELEASE_NAME,
            values,
            overrides: args.values,
            dependsOn: args.dependsOn,
            // The node agent mounts the kubelet's pod volumes from the host.
            namespaceLabels: { "pod-security.kubernetes.io/enforce": "privileged" },
        });

        this.namespace = chart.namespace;
        this.release = chart.release;
        this.backupLocations = locations.map((l) => l.name);
        this.scheduleName = `${RELEASE_NAME}-${scheduleKey(cluster.cloud)}`;

        // Restored PVCs name the peer's storage class, which this cloud does not have.
        if (peer && peer.storageClass !== cluster.defaultStorageClass) {
            new k8s.core.v1.ConfigMap(`${name}-storage-class-map`, {
                metadata: {
                    name: "change-storage-class-config",
                    namespace: NAMESPACES.velero,
                    labels: { "velero.io/plugin-config": "", "velero.io/change-storage-class": "RestoreItemAction" },
                },
                data: { [peer.storageClass]: cluster.defaultStorageClass },
            }, { parent: this, provider: cluster.provider, dependsOn: chart.namespaceResource ? [chart.namespaceResource] : [] });
        }
        this.registerOutputs({
            namespace: this.namespace,
            release: this.release,
            backupLocations: this.backupLocations,
            scheduleName: this.scheduleName,
        });
    }
}
