/**
 * Barman Cloud plugin ObjectStores (barmancloud.cnpg.io/v1, plugin v0.13.0): where a
 * Cluster archives, and where it reads a peer's archive from. No static credential
 * anywhere: the own store is reached with the pod's workload identity (IRSA, or Azure
 * workload identity through DefaultAzureCredential), the peer's with a token of this
 * cluster that the peer cloud's read-only identity trusts.
 */
import * as pulumi from "@pulumi/pulumi";
import { BackupStoreInfo, ForeignBackupAccess } from "../cluster/contract";
import { foreignAccessEnv } from "../cluster/foreign-access";

/** Where the pod mounts the token for the peer's identity: CloudNativePG mounts projectedVolumeTemplate at /projected. */
export const PEER_TOKEN_PATH = "peer-archive-token";
const PEER_TOKEN_FILE = `/projected/${PEER_TOKEN_PATH}`;

/** barman-cloud's destination for a store: s3://bucket/ or https://account.blob.core.windows.net/container/. */
export function destinationPath(store: BackupStoreInfo): pulumi.Output<string> {
    switch (store.provider) {
        case "aws":
            return pulumi.interpolate`s3://${store.bucket}/`;
        case "azure":
            return pulumi.interpolate`https://${store.storageAccount}.blob.core.windows.net/${store.container}/`;
    }
}

/** Credentials by reference to the pod's identity, never a Secret. */
function credentials(store: BackupStoreInfo) {
    switch (store.provider) {
        case "aws":
            return { s3Credentials: { inheritFromIAMRole: true } };
        case "azure":
            // DefaultAzureCredential picks up workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID,
            // AZURE_FEDERATED_TOKEN_FILE); inheritFromAzureAD would ask the node's IMDS instead.
            return { azureCredentials: { useDefaultAzureCredentials: true } };
    }
}

export interface ObjectStoreSettings {
    /**
     * Base backups and WAL older than this many days are pruned (barman retention policy). Only for
     * the store a Cluster archives to: the plugin enforces it there, and the owner alone may delete.
     */
    retentionDays?: number;
    /** Requests/limits of the plugin's sidecar in each instance pod. */
    sidecarResources: { requests: Record<string, string>; limits: Record<string, string> };
}

/**
 * The spec of an ObjectStore for `store`. With `peer`, the store is another cloud's archive,
 * read with that cloud's read-only identity; without it, a store of this cluster's cloud,
 * reached with the identity of the pods that use it.
 */
export function objectStoreSpec(store: BackupStoreInfo, settings: ObjectStoreSettings, peer?: ForeignBackupAccess) {
    return {
        configuration: {
            destinationPath: destinationPath(store),
            ...credentials(store),
            // gzip: supported by every barman-cloud backend, and WAL compresses well.
            wal: { compression: "gzip", maxParallel: 4 },
            data: { compression: "gzip", jobs: 2 },
        },
        ...(settings.retentionDays === undefined ? {} : { retentionPolicy: `${settings.retentionDays}d` }),
        instanceSidecarConfiguration: {
            env: peer ? foreignAccessEnv(peer, PEER_TOKEN_FILE) : [],
            resources: settings.sidecarResources,
        },
    };
}
