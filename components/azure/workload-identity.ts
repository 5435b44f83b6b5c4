import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { WorkloadIdentity, WorkloadIdentityRequest } from "../cluster/contract";
import { AzurePermissionScope, azureGrants, roleDefinitionId } from "./role-assignments";

export interface AzureWorkloadIdentityArgs extends WorkloadIdentityRequest {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    oidcIssuerUrl: pulumi.Input<string>;
    scope: AzurePermissionScope;
    tags: Record<string, string>;
}

/**
 * A user-assigned identity trusted only for one ServiceAccount (a federated
 * credential on the cluster's OIDC issuer), with role assignments on the
 * narrowest scope each permission allows.
 */
/** `opts` carries the parent and the cluster's azure-native provider (see createIrsaRole). */
export function createAzureWorkloadIdentity(name: string, args: AzureWorkloadIdentityArgs, opts: { parent: pulumi.Resource; provider: pulumi.ProviderResource }): WorkloadIdentity {
    const identity = new managedidentity.UserAssignedIdentity(`${name}-id`, {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
    }, opts);
    new managedidentity.FederatedIdentityCredential(`${name}-fic`, {
        resourceGroupName: args.resourceGroupName,
        resourceName: identity.name,
        issuer: args.oidcIssuerUrl,
        subject: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
        audiences: ["api://AzureADTokenExchange"],
    }, opts);
    args.permissions.flatMap((p) => azureGrants(p, args.scope)).forEach((grant) => {
        new authorization.RoleAssignment(`${name}-${grant.role}`, {
            principalId: identity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(args.scope.subscriptionId, grant.role),
            scope: grant.scope,
        }, opts);
    });
    return {
        serviceAccountAnnotations: identity.clientId.apply((clientId): Record<string, string> => ({ "azure.workload.identity/client-id": clientId })),
        podLabels: { "azure.workload.identity/use": "true" },
        principalId: identity.clientId,
    };
}
