import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { WorkloadIdentity, WorkloadIdentityRequest } from "../cluster/contract";
import { AwsPermissionScope, awsStatements, policyDocument } from "./permissions";

export interface IrsaArgs extends WorkloadIdentityRequest {
    oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL without the https:// prefix, as IAM condition keys want it. */
    oidcIssuerHost: pulumi.Input<string>;
    scope: AwsPermissionScope;
    tags: Record<string, string>;
    /** AWS-managed policies to attach as well (only for EKS's own add-ons). */
    managedPolicyArns?: string[];
}

/**
 * An IAM role that only the given ServiceAccount can assume (IRSA), with an
 * inline policy holding exactly the requested permissions.
 */
/**
 * `opts` carries the parent and the cluster's AWS provider: an identity requested by an
 * add-on is parented under that add-on, whose parent chain has no AWS provider to inherit.
 */
export function createIrsaRole(name: string, args: IrsaArgs, opts: { parent: pulumi.Resource; provider: pulumi.ProviderResource }): WorkloadIdentity {
    const subject = `system:serviceaccount:${args.namespace}:${args.serviceAccount}`;
    const assumeRolePolicy = pulumi.all([args.oidcIssuerHost, args.oidcProviderArn]).apply(([issuer, providerArn]) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: providerArn },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringEquals: { [`${issuer}:sub`]: subject, [`${issuer}:aud`]: "sts.amazonaws.com" } },
                },
            ],
        }),
    );

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
