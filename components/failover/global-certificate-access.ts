import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import { STS_AUDIENCE, issuerHost, webIdentityTrust } from "../aws/irsa";
import { acmeChallengeStatements, challengeRecordName } from "../aws/acme-challenge";
import { policyDocument } from "../aws/permissions";

export { STS_AUDIENCE, challengeRecordName };

/** One cluster whose cert-manager may answer the global name's DNS-01 challenge. */
export interface ChallengeIssuer {
    /** Short key for resource names and statement ids, e.g. the cloud ("aws", "azure"). */
    name: string;
    /** OIDC issuer URL that signs the cluster's ServiceAccount tokens. */
    issuerUrl: pulumi.Input<string>;
    /**
     * ARN of an IAM OIDC provider that already trusts `issuerUrl` (EKS's own, or one created for
     * another grant). IAM allows one provider per issuer URL per account, so reuse it when it
     * exists; without it the component creates one.
     */
    oidcProviderArn?: pulumi.Input<string>;
}

export interface GlobalNameChallengeAccessArgs {
    /** The global name, e.g. app.fin.example.com; only `_acme-challenge.<it>` may be written. */
    globalHostname: string;
    /** Id of the Route53 root zone that holds the global name (GlobalFailover.rootZoneId). */
    rootZoneId: pulumi.Input<string>;
    /** The clusters allowed to assume the role (both of the pair). */
    issuers: ChallengeIssuer[];
    /** Namespace and name of cert-manager's ServiceAccount on every cluster. */
    serviceAccount: { namespace: string; name: string };
    tags: Record<string, string>;
    partition?: string;
}

/**
 * One IAM role that cert-manager on either cluster assumes (AssumeRoleWithWebIdentity with a
 * token it requests for its own ServiceAccount) to solve DNS-01 for the global name, which lives
 * in the Route53 root zone rather than in either cluster's own zone.
 *
 * It may change exactly one record set: the TXT `_acme-challenge.<globalHostname>` in the root
 * zone. It cannot touch the failover CNAME, the NS delegations or anything else in that zone.
 *
 * Pass the stack's AWS provider in opts (`provider`); every child is created with it explicitly.
 */
export class GlobalNameChallengeAccess extends pulumi.ComponentResource {
    /** The role ARN for the ClusterIssuers' route53 `role`. */
    public readonly roleArn: pulumi.Output<string>;
    /** The TXT record name the role may write. */
    public readonly recordName: string;

    constructor(name: string, args: GlobalNameChallengeAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:failover:GlobalNameChallengeAccess", name, {}, opts);
        const provider = opts?.provider;
        if (!provider) throw new Error(`GlobalNameChallengeAccess ${name}: pass the stack's AWS provider in opts.provider`);
        if (args.issuers.length === 0) throw new Error(`GlobalNameChallengeAccess ${name}: at least one cluster issuer is required`);
        const child = { parent: this, provider };
        const partition = args.partition ?? "aws";
        const subject = `system:serviceaccount:${args.serviceAccount.namespace}:${args.serviceAccount.name}`;
        this.recordName = challengeRecordName(args.globalHostname);

        const trust = args.issuers.map((issuer) => {
            const providerArn = issuer.oidcProviderArn ?? new aws.iam.OpenIdConnectProvider(`${name}-${issuer.name}-issuer`, {
                url: issuer.issuerUrl,
                clientIdLists: [STS_AUDIENCE],
                tags: args.tags,
            }, child).arn;
            return webIdentityTrust({
                oidcProviderArn: providerArn,
                oidcIssuerHost: issuerHost(issuer.issuerUrl),
                subject,
                sid: `CertManagerOn${issuer.name.replace(/[^A-Za-z0-9]/g, "")}`,
            });
        });

        const role = new aws.iam.Role(`${name}-role`, {
            assumeRolePolicy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: trust }),
            description: `DNS-01 for ${args.globalHostname}: ${subject} on ${args.issuers.map((i) => i.name).join(" and ")}`,
            tags: args.tags,
        }, child);

        const statements = acmeChallengeStatements({ partition, hostedZoneId: args.rootZoneId, recordNames: [this.recordName] });
        new aws.iam.RolePolicy(`${name}-policy`, { role: role.name, policy: policyDocument(statements) }, child);

        this.roleArn = role.arn;
        this.registerOutputs({ roleArn: this.roleArn, recordName: this.recordName });
    }
}
