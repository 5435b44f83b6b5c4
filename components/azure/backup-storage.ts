import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/azure-native/storage";

export interface BackupStorageArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    /** Geo-zone-redundant in prod (a copy in the paired region), locally redundant in dev. */
    sku: "Standard_ZRS" | "Standard_LRS" | "Standard_GZRS" | "Standard_RAGZRS";
    /** Days deleted or overwritten blobs stay recoverable. */
    softDeleteDays: number;
    tags: Record<string, string>;
    protect: boolean;
}

/**
 * Storage account with two private containers, Velero's and the database archive's (WAL and
 * base backups): Entra ID only, TLS 1.2, versioned, soft delete. Separate containers, so each
 * identity's role assignment reaches only its own.
 */
export class BackupStorage extends pulumi.ComponentResource {
    public readonly accountName: pulumi.Output<string>;
    public readonly containerName: pulumi.Output<string>;
    public readonly containerId: pulumi.Output<string>;
    public readonly archiveContainerName: pulumi.Output<string>;
    public readonly archiveContainerId: pulumi.Output<string>;

    constructor(name: string, args: BackupStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:azure:BackupStorage", name, {}, opts);
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };

        const account = new storage.StorageAccount(`${name}sa`, {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            kind: "StorageV2",
            sku: { name: args.sku },
            accessTier: "Cool",
            allowBlobPublicAccess: false,
            // Velero authenticates with Entra ID (workload identity); no account keys.
            allowSharedKeyAccess: false,
            enableHttpsTrafficOnly: true,
            minimumTlsVersion: "TLS1_2",
            encryption: {
                keySource: "Microsoft.Storage",
                requireInfrastructureEncryption: true,
                services: { blob: { enabled: true, keyType: "Account" } },
            },
            tags: args.tags,
        }, stateful);

        new storage.BlobServiceProperties(`${name}-blob`, {
            resourceGroupName: args.resourceGroupName,
            accountName: account.name,
            blobServicesName: "default",
            isVersioningEnabled: true,
            deleteRetentionPolicy: { enabled: true, days: args.softDeleteDays },
            containerDeleteRetentionPolicy: { enabled: true, days: args.softDeleteDays },
        }, { parent: this });

        const container = new storage.BlobContainer(`${name}-velero`, {
            resourceGroupName: args.resourceGroupName,
            accountName: account.name,
            containerName: "velero",
            publicAccess: "None",
        }, stateful);

        const archive = new storage.BlobContainer(`${name}-pg-archive`, {
            resourceGroupName: args.resourceGroupName,
            accountName: account.name,
            containerName: "pg-archive",
            publicAccess: "None",
        }, stateful);

        this.accountName = account.name;
        this.containerName = container.name;
        this.containerId = container.id;
        this.archiveContainerName = archive.name;
        this.archiveContainerId = archive.id;
        this.registerOutputs({ accountName: this.accountName, containerName: this.containerName, archiveContainerName: this.archiveContainerName });
    }
}
