import * as aws from "../components/aws/sdk";
import { CERT_MANAGER_SERVICE_ACCOUNT, GlobalNameArgs } from "../components/addons/cert-manager";
import { NAMESPACES } from "../components/addons/well-known";
import { ClusterPair } from "../components/cluster/cluster-pair";
import { GlobalNameChallengeAccess } from "../components/failover/global-certificate-access";
import { GlobalFailover } from "../components/failover/global-failover";
import { StackConfig } from "./config";
import { GLOBAL_NAME_ACCESS } from "./issuer-trust";

/**
 * The role both clusters' cert-manager assume to answer DNS-01 for dr.globalHostname in the
 * root zone, and the `globalName` each cluster's CertManager gets. Undefined when there is no
 * cert-manager or no app to serve the name.
 *
 * The AKS issuer's IAM trust is the stack's one (stacks/issuer-trust.ts): IAM allows one OIDC
 * provider per issuer URL, so the role names that one.
 */
export function buildGlobalNameAccess(
    config: StackConfig,
    pair: ClusterPair,
    awsProvider: aws.Provider,
    failover: GlobalFailover,
    aksIssuerTrust: aws.iam.OpenIdConnectProvider | undefined,
): GlobalNameArgs | undefined {
    if (!config.platform.certManager.enabled || !config.app.enabled) return undefined;
    const access = new GlobalNameChallengeAccess(GLOBAL_NAME_ACCESS.name, {
        globalHostname: config.dr.globalHostname,
        rootZoneId: failover.rootZoneId,
        issuers: [
            { name: "aws", issuerUrl: pair.aws.oidcIssuerUrl, oidcProviderArn: pair.aws.oidcProviderArn },
            { name: "azure", issuerUrl: pair.azure.oidcIssuerUrl, oidcProviderArn: aksIssuerTrust?.arn },
        ],
        serviceAccount: { namespace: NAMESPACES.certManager, name: CERT_MANAGER_SERVICE_ACCOUNT },
        tags: config.resourceTags,
    }, { provider: awsProvider });
    return { hostname: config.dr.globalHostname, rootZoneId: failover.rootZoneId, roleArn: access.roleArn, region: config.aws.region };
}
