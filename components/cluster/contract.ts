import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/**
 * The one contract between the clouds and everything above them.
 *
 * Add-ons and apps see a `ClusterHandle` and nothing else: no AWS or Azure SDK
 * types, no `if (cloud === ...)` outside the small per-cloud adapters. The two
 * implementations are `AwsCluster` (EKS) and `AzureCluster` (AKS).
 */

export type CloudName = "aws" | "azure";
export const CLOUDS: readonly CloudName[] = ["aws", "azure"];

export type ClusterRole = "active" | "passive";

/**
 * What a workload may do in its cloud, stated once, independent of the cloud.
 * Each cluster implementation turns these into least-privilege grants scoped to
 * its own resources (IAM statements on ARNs, Azure role assignments on scopes).
 */
export type CloudPermission =
    /** Manage records in this cluster's own DNS zone (ExternalDNS). */
    | { kind: "dns-zone-records" }
    /** Answer ACME DNS-01 challenges in this cluster's own zone: `_acme-challenge` TXT records only (cert-manager). */
    | { kind: "dns-challenge-records" }
    /** Read and write this cluster's backup store (Velero). */
    | { kind: "backup-store-write" }
    /** Read this cluster's backup store, never write it (a restore-only reader). */
    | { kind: "backup-store-read" }
    /** Read and write this cluster's database archive: WAL and base backups (the PostgreSQL instances). */
    | { kind: "archive-store-write" }
    /** Read this cluster's database archive, never write it (a point-in-time-recovery reader). */
    | { kind: "archive-store-read" }
    /** Wrap and unwrap with this cluster's Vault unseal key. */
    | { kind: "vault-unseal" }
    /** Resize this cluster's node groups (cluster-autoscaler; AWS only needs it). */
    | { kind: "node-autoscaling" }
    /** Manage block volumes for the CSI driver (AWS EBS CSI). */
    | { kind: "block-storage" };

export interface WorkloadIdentityRequest {
    /** Kubernetes namespace of the ServiceAccount. */
    namespace: string;
    /** ServiceAccount name, exactly as the chart will create it. */
    serviceAccount: string;
    /** What the identity may do; nothing else is granted. */
    permissions: CloudPermission[];
    /** Parent for the identity's cloud resources (defaults to the cluster). */
    parent?: pulumi.Resource;
}

/** What a chart needs to bind its ServiceAccount to the cloud identity. */
export interface WorkloadIdentity {
    /** Annotations for the ServiceAccount (IRSA role ARN or Azure client id). */
    serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
    /** Labels for the pods (Azure workload identity needs one; AWS none). */
    podLabels: Record<string, string>;
    /** Role ARN (AWS) or managed identity client id (Azure). */
    principalId: pulumi.Output<string>;
}

/** Where this cluster's DNS records live. */
export type DnsZoneInfo = {
    zoneName: string;
    /** Authoritative name servers, for delegation from the parent zone. */
    nameServers: pulumi.Output<string[]>;
} & (
    | { provider: "route53"; zoneId: pulumi.Output<string>; region: string }
    | {
          provider: "azure-dns";
          resourceGroupName: pulumi.Output<string>;
          subscriptionId: pulumi.Output<string>;
          tenantId: pulumi.Output<string>;
      }
);

/** Where this cluster's backups go. */
export type BackupStoreInfo =
    | { provider: "aws"; bucket: pulumi.Output<string>; region: string; kmsKeyArn: pulumi.Output<string> }
    | {
          provider: "azure";
          storageAccount: pulumi.Output<string>;
          container: pulumi.Output<string>;
          resourceGroupName: pulumi.Output<string>;
          subscriptionId: pulumi.Output<string>;
      };

/** Which key auto-unseals Vault on this cluster. */
export type UnsealKeyInfo =
    | { provider: "awskms"; keyId: pulumi.Output<string>; region: string }
    | { provider: "azurekeyvault"; vaultName: pulumi.Output<string>; keyName: pulumi.Output<string>; tenantId: pulumi.Output<string> };

/** How nodes scale: a managed autoscaler (AKS) or the cluster-autoscaler chart (EKS). */
export type NodeAutoscaling =
    | { mode: "managed" }
    | { mode: "cluster-autoscaler"; cloudProvider: "aws"; region: string; clusterName: string };

/** A cluster's object stores: Velero's backups, or the database's WAL archive and base backups. */
export type StoreKind = "backups" | "archive";

/**
 * What a foreign reader of one of a cluster's stores is given, the same on both clouds: the
 * store itself and the read-only permission on it (each cloud scopes that permission to it).
 */
export function foreignStoreRead(cluster: { backups: BackupStoreInfo; archive: BackupStoreInfo }, kind: StoreKind = "backups"): { store: BackupStoreInfo; permission: CloudPermission } {
    return kind === "archive"
        ? { store: cluster.archive, permission: { kind: "archive-store-read" } }
        : { store: cluster.backups, permission: { kind: "backup-store-read" } };
}

/** Who may read a cluster's store from another cluster (the peer's Velero, the peer's replica database). */
export interface ForeignReaderRequest {
    /**
     * OIDC issuer of the reading cluster (it signs the reader's ServiceAccount tokens). Pass the
     * reading cluster's own `oidcIssuerUrl` output: grants for the same issuer share one trust of it.
     */
    issuerUrl: pulumi.Input<string>;
    /**
     * A stable name of that issuer (the reading cluster's cloud). A cloud that must trust the issuer
     * once per account (IAM: one OIDC provider per URL) names that one trust after it, so the trust
     * keeps its name whichever grants need it.
     */
    issuerName: string;
    namespace: string;
    serviceAccount: string;
    /** Which store to read; default "backups". */
    store?: StoreKind;
    parent?: pulumi.Resource;
}

/** Credentials a foreign workload uses to read one of this cluster's stores read-only. */
export type ForeignBackupAccess = {
    store: BackupStoreInfo;
    /** The storage class the store's volumes were backed up from, to map on restore. */
    storageClass: string;
    /** Audience the reader's projected ServiceAccount token must carry. */
    tokenAudience: string;
} & (
    | { provider: "aws"; roleArn: pulumi.Output<string> }
    | { provider: "azure"; clientId: pulumi.Output<string>; tenantId: pulumi.Output<string> }
);

/**
 * How this cloud's load balancer fronts a public proxy: the Service of an ingress
 * controller or Gateway data plane, type LoadBalancer with externalTrafficPolicy Local
 * (client IPs preserved; only nodes running a proxy pod receive traffic).
 */
export interface PublicLoadBalancing {
    /** Annotations that make the cloud's L4 load balancer fit such a Service. */
    readonly serviceAnnotations: Readonly<Record<string, string>>;
}

/** Node placement facts add-ons need to land on the right pool. */
export interface NodePlacement {
    /** Toleration that lets critical add-ons run on the tainted system pool. */
    systemTolerations: k8s.types.input.core.v1.Toleration[];
    /** Node selector for the system pool. */
    systemNodeSelector: Record<string, string>;
    /** The topology key for zone spreading. */
    zoneTopologyKey: string;
    /** Zones the cluster's nodes span. */
    zones: string[];
}

export interface ClusterHandle {
    /** Logical name, unique across the pair (used to derive child names). */
    readonly name: string;
    readonly cloud: CloudName;
    /** AWS region or Azure location. */
    readonly region: string;
    /** active or passive; may change without replacing anything. */
    readonly role: ClusterRole;
    /** Kubernetes minor version, e.g. "1.33". */
    readonly kubernetesVersion: string;
    /** The cloud's name for the cluster (EKS cluster name / AKS resource name). */
    readonly clusterName: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    /** Kubeconfig, always a Pulumi secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** Provider bound to this cluster; every Kubernetes resource uses it. */
    readonly provider: k8s.Provider;
    /** OIDC issuer URL of the cluster's ServiceAccount tokens. */
    readonly oidcIssuerUrl: pulumi.Output<string>;
    readonly dns: DnsZoneInfo;
    readonly backups: BackupStoreInfo;
    /** Where this cluster's database archives its WAL and base backups (a store of its own, next to `backups`). */
    readonly archive: BackupStoreInfo;
    readonly unsealKey: UnsealKeyInfo;
    readonly placement: NodePlacement;
    /** Cloud load balancer settings for the public proxies (ingress-nginx, the Envoy Gateway data plane). */
    readonly publicLoadBalancing: PublicLoadBalancing;
    readonly nodeAutoscaling: NodeAutoscaling;
    /** The default StorageClass name (restores from the peer map its class to this one). */
    readonly defaultStorageClass: string;
    /** The cluster's own resource, for dependsOn. */
    readonly readiness: pulumi.Resource[];
    /** Give a Kubernetes ServiceAccount a cloud identity with exactly these permissions. */
    grantWorkloadIdentity(name: string, request: WorkloadIdentityRequest): WorkloadIdentity;
    /** Let a ServiceAccount of another cluster read one of this cluster's stores (`request.store`), and nothing else. */
    grantBackupReadAccess(name: string, request: ForeignReaderRequest): ForeignBackupAccess;
}

/** System pool taint shared by both clouds: AKS's documented CriticalAddonsOnly taint. */
export const SYSTEM_POOL_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" } as const;

/** Toleration for SYSTEM_POOL_TAINT. */
export const SYSTEM_POOL_TOLERATION: k8s.types.input.core.v1.Toleration = {
    key: SYSTEM_POOL_TAINT.key,
    operator: "Equal",
    value: SYSTEM_POOL_TAINT.value,
    effect: SYSTEM_POOL_TAINT.effect,
};

/** Label put on system-pool nodes by both implementations. */
export const NODE_POOL_LABEL = "platform.finplat.io/pool";

export function defaultPlacement(zones: string[]): NodePlacement {
    return {
        systemTolerations: [SYSTEM_POOL_TOLERATION],
        systemNodeSelector: { [NODE_POOL_LABEL]: "system" },
        zoneTopologyKey: "topology.kubernetes.io/zone",
        zones,
    };
}
