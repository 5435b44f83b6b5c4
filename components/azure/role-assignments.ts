import * as pulumi from "@pulumi/pulumi";
import { CloudPermission } from "../cluster/contract";

/** Built-in Azure role definition GUIDs (stable across tenants). */
export const BUILT_IN_ROLES = {
    dnsZoneContributor: "befefa01-2a29-4197-83a8-272ff33ce314",
    storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    keyVaultCryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    keyVaultCryptoOfficer: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
    aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
} as const;

/** The Azure resources a permission can be scoped to. */
export interface AzurePermissionScope {
    subscriptionId: pulumi.Input<string>;
    dnsZoneId: pulumi.Input<string>;
    /** The backup container, not the whole account. */
    backupContainerId: pulumi.Input<string>;
    /** The database archive container. */
    archiveContainerId: pulumi.Input<string>;
    unsealKeyId: pulumi.Input<string>;
}

export interface RoleGrant {
    role: keyof typeof BUILT_IN_ROLES;
    scope: pulumi.Input<string>;
}

/**
 * Turns cloud-neutral permissions into role assignments on the narrowest scope.
 * Node autoscaling and block storage are AKS-managed, so they need no grant.
 */
export function azureGrants(permission: CloudPermission, scope: AzurePermissionScope): RoleGrant[] {
    switch (permission.kind) {
        case "dns-zone-records":
            return [{ role: "dnsZoneContributor", scope: scope.dnsZoneId }];
        case "dns-challenge-records":
            // No built-in role is limited to TXT records, and cert-manager creates each
            // `_acme-challenge` record set on demand, so it cannot be the scope: the zone is the narrowest.
            return [{ role: "dnsZoneContributor", scope: scope.dnsZoneId }];
        case "backup-store-write":
            return [{ role: "storageBlobDataContributor", scope: scope.backupContainerId }];
        case "backup-store-read":
            return [{ role: "storageBlobDataReader", scope: scope.backupContainerId }];
        case "archive-store-write":
            return [{ role: "storageBlobDataContributor", scope: scope.archiveContainerId }];
        case "archive-store-read":
            return [{ role: "storageBlobDataReader", scope: scope.archiveContainerId }];
        case "vault-unseal":
            // Read the key, wrap and unwrap with it: all Vault's seal does (not encrypt, sign, update or back it up).
            return [{ role: "keyVaultCryptoServiceEncryptionUser", scope: scope.unsealKeyId }];
        case "node-autoscaling":
        case "block-storage":
            return [];
    }
}

export function roleDefinitionId(subscriptionId: pulumi.Input<string>, role: keyof typeof BUILT_IN_ROLES): pulumi.Output<string> {
    return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
}
