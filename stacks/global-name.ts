import * as aws from "../components/aws/sdk";
import { CERT_MANAGER_SERVICE_ACCOUNT, GlobalNameArgs } from "../components/addons/cert-manager";
import { NAMESPACES } from "../components/addons/well-known";
import { ClusterPair } from "../components/cluster/cluster-pair";
import { ForeignBackupAccess } from "../components/cluster/contract";
import { GlobalNameChallengeAccess } from "../components/failover/global-certificate-access";
import { GlobalFailover } from "../components/failover/global-failover";
import { StackConfig } from "./config";

/**
 * The role both clusters' cert-manager assume to answer DNS-01 for dr.globalHostname in the
 * root zone, and the `globalName` each cluster's CertManager gets. Undefined when there is no
 * cert-manager or no app to serve the name.
 *
 * The AKS issuer may already be trusted by IAM (the AWS backup-reader grant for AKS's Velero
 * creates the provider): IAM allows one OIDC provider per issuer URL, so that one is reused.
 */
export function buildGlobalNameAccess(
    config: StackConfig,
    pair: ClusterPair,
    awsProvider: aws.Provider,
    failover: GlobalFailover,
    azureReaderOfAwsBackups?: ForeignBackupAccess,
): GlobalNameArgs | undefined {
    if (!config.platform.certManager.enabled || !config.app.enabled) return undefined;
    const existingAksTrust = azureReaderOfAwsBackups?.provider === "aws" ? azureReaderOfAwsBackups.issuerTrustArn : undefined;
    const access = new GlobalNameChallengeAccess("global-name-challenge", {
        globalHostname: config.dr.globalHostname,
        rootZoneId: failover.rootZoneId,
        issuers: [
            { name: "aws", issuerUrl: pair.aws.oidcIssuerUrl, oidcProviderArn: pair.aws.oidcProviderArn },
            { name: "azure", issuerUrl: pair.azure.oidcIssuerUrl, oidcProviderArn: existingAksTrust },
        ],
        serviceAccount: { namespace: NAMESPACES.certManager, name: CERT_MANAGER_SERVICE_ACCOUNT },
        tags: config.resourceTags,
    }, { provider: awsProvider });
    return { hostname: config.dr.globalHostname, rootZoneId: failover.rootZoneId, roleArn: access.roleArn, region: config.aws.region };
}
