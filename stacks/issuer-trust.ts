import * as aws from "../components/aws/sdk";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPair } from "../components/cluster/cluster-pair";
import { StackConfig } from "./config";
import { hasInClusterDatabase } from "./config/dr-budget";

/** The name of the global name's challenge access (stacks/global-name.ts), and its component type. */
export const GLOBAL_NAME_ACCESS = { name: "global-name-challenge", type: "finplat:failover:GlobalNameChallengeAccess" } as const;

/**
 * AWS IAM's one trust of the AKS cluster's OIDC issuer (IAM allows one OIDC provider per issuer
 * URL in an account), created here once for every AWS-side role an AKS workload assumes: Velero's
 * reader of the AWS backups, the database's reader of the AWS archive, cert-manager's role for the
 * global name. Undefined when none of them exists.
 *
 * Its name depends on none of them. Before, the first grant to ask named it, so switching Velero
 * off renamed it, and the update failed: Pulumi creates the new provider before deleting the old
 * one, and IAM refuses a second provider for the same URL. The aliases adopt the names existing
 * stacks gave it (no replacement): the Velero reader's, the archive reader's, the global name's.
 */
export function trustAksIssuerInAws(config: StackConfig, pair: ClusterPair): aws.iam.OpenIdConnectProvider | undefined {
    const needed = config.platform.velero.enabled || hasInClusterDatabase(config) || (config.platform.certManager.enabled && config.app.enabled);
    if (!needed) return undefined;
    const issuer = pair.azure.cloud;
    const grantTrust = (grant: string) => ({ name: `${pair.aws.name}-${grant}-reader-${issuer}-issuer` });
    return pair.aws.trustForeignIssuer(
        { name: issuer, url: pair.azure.oidcIssuerUrl },
        {
            aliases: [
                grantTrust("backup"),
                grantTrust("archive"),
                { name: `${GLOBAL_NAME_ACCESS.name}-${issuer}-issuer`, parent: pulumi.createUrn(GLOBAL_NAME_ACCESS.name, GLOBAL_NAME_ACCESS.type) },
            ],
        },
    );
}
