import * as pulumi from "@pulumi/pulumi";
import { ForeignBackupAccess } from "./contract";

/**
 * Env that makes the peer cloud's SDK, in a container of THIS cluster, exchange a projected
 * ServiceAccount token (at `tokenFile`, with `peer.tokenAudience`) for the peer's read-only
 * identity: web identity on AWS (in the store's region), workload identity federation on Azure.
 * It cannot clash with the cluster's own identity, which its webhook injects for its own cloud:
 * the peer is always the other cloud. One contract for every reader of a peer's store
 * (the database's peer archive; Velero's restore from the peer's backups).
 */
export function foreignAccessEnv(peer: ForeignBackupAccess, tokenFile: string): { name: string; value: pulumi.Input<string> }[] {
    switch (peer.provider) {
        case "aws":
            return [
                { name: "AWS_ROLE_ARN", value: peer.roleArn },
                { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: tokenFile },
                // The bucket's region: STS and S3 are called there, not at a guessed default.
                ...(peer.store.provider === "aws" ? [{ name: "AWS_REGION", value: peer.store.region }] : []),
            ];
        case "azure":
            return [
                { name: "AZURE_CLIENT_ID", value: peer.clientId },
                { name: "AZURE_TENANT_ID", value: peer.tenantId },
                { name: "AZURE_FEDERATED_TOKEN_FILE", value: tokenFile },
            ];
    }
}
