import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import { WorkloadIdentity, WorkloadIdentityRequest } from "../cluster/contract";
import { AwsPermissionScope, awsStatements, policyDocument } from "./permissions";

/** Audience of the ServiceAccount tokens AWS STS accepts for AssumeRoleWithWebIdentity. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** An OIDC issuer URL as IAM condition keys name it: without https://. */
export function issuerHost(issuerUrl: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(issuerUrl).apply((url) => url.replace(/^https:\/\//, ""));
}

/** A trust statement that lets exactly one ServiceAccount, with tokens from one OIDC issuer, assume a role. */
export function webIdentityTrust(args: {
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuerHost: pulumi.Input<string>;
    subject: string;
    sid?: string;
}): pulumi.Output<Record<string, unknown>> {
    return pulumi.all([args.oidcIssuerHost, args.oidcProviderArn]).apply(([issuer, providerArn]): Record<string, unknown> => ({
        ...(args.sid ? { Sid: args.sid } : {}),
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${issuer}:sub`]: args.subject, [`${issuer}:aud`]: STS_AUDIENCE } },
    }));
}

export interface IrsaArgs extends WorkloadIdentityRequest {
    oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL without the https:// prefix, as IAM condition keys want it (see issuerHost). */
    oidcIssuerHost: pulumi.Input<string>;
    scope: AwsPermissionScope;
    tags: Record<string, string>;
    /** AWS-managed policies to attach as well (only for EKS's own add-ons). */
    managedPolicyArns?: string[];
}

/**
 * An IAM role that only the given ServiceAccount can assume (IRSA), with an
 * inline policy holding exactly the requested permissions.
 *
 * `opts` carries the parent and the cluster's AWS provider: an identity requested by an
 * add-on is parented under that add-on, whose parent chain has no AWS provider to inherit.
 */
export function createIrsaRole(name: string, args: IrsaArgs, opts: { parent: pulumi.Resource; provider: pulumi.ProviderResource }): WorkloadIdentity {
    const subject = `system:serviceaccount:${args.namespace}:${args.serviceAccount}`;
    const assumeRolePolicy = pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [webIdentityTrust({ oidcProviderArn: args.oidcProviderArn, oidcIssuerHost: args.oidcIssuerHost, subject })],
    });

    const role = new aws.iam.Role(`${name}-irsa`, {
        assumeRolePolicy,
        description: `IRSA role for ${subject}`,
        tags: args.tags,
    }, opts);
    const statements = args.permissions.flatMap((p) => awsStatements(p, args.scope));
    if (statements.length > 0) {
        new aws.iam.RolePolicy(`${name}-irsa`, { role: role.name, policy: policyDocument(statements) }, opts);
    }
    (args.managedPolicyArns ?? []).forEach((policyArn) => {
        const policyName = policyArn.split("/").pop();
        new aws.iam.RolePolicyAttachment(`${name}-irsa-${policyName}`, { role: role.name, policyArn }, opts);
    });
    return {
        serviceAccountAnnotations: role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn })),
        podLabels: {},
        principalId: role.arn,
    };
}
