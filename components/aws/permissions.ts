import * as pulumi from "@pulumi/pulumi";
import { CloudPermission } from "../cluster/contract";
import { acmeChallengeStatements, challengeRecordName } from "./acme-challenge";

/** The AWS resources a permission can be scoped to. */
export interface AwsPermissionScope {
    partition: string;
    /** EKS cluster name; a plain string because IAM condition keys embed it. */
    clusterName: string;
    /** EKS cluster ARN; its node groups' ARNs share its partition, region, account and name. */
    clusterArn: pulumi.Input<string>;
    hostedZoneId: pulumi.Input<string>;
    /** The hosted zone's DNS name (IAM's Route53 record-name conditions name records by it). */
    zoneName: string;
    backupBucket: pulumi.Input<string>;
    backupKmsKeyArn: pulumi.Input<string>;
    /** The database archive (WAL and base backups). */
    archiveBucket: pulumi.Input<string>;
    archiveKmsKeyArn: pulumi.Input<string>;
    unsealKeyArn: pulumi.Input<string>;
    ebsKmsKeyArn: pulumi.Input<string>;
}

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow";
    Action: string[];
    Resource: pulumi.Input<string> | pulumi.Input<string>[];
    Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

/**
 * Turns cloud-neutral permissions into IAM statements. Every action is scoped to a
 * resource ARN or a cluster tag; only read-only list/describe calls that IAM cannot
 * scope to a resource (wildcard-only in AWS's action catalogue) use "*".
 */
export function awsStatements(permission: CloudPermission, scope: AwsPermissionScope): PolicyStatement[] {
    const arn = (service: string, resource: pulumi.Input<string>, region = "", account = "") =>
        pulumi.interpolate`arn:${scope.partition}:${service}:${region}:${account}:${resource}`;
    switch (permission.kind) {
        case "dns-zone-records":
            return [
                // What ExternalDNS calls (v0.21 provider/aws): ListTagsForResources only with zone-tag filters.
                {
                    Sid: "ChangeOwnZoneRecords",
                    Effect: "Allow",
                    Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"],
                    Resource: [arn("route53", pulumi.interpolate`hostedzone/${scope.hostedZoneId}`)],
                },
                { Sid: "ListZonesReadOnly", Effect: "Allow", Action: ["route53:ListHostedZones"], Resource: "*" },
            ];
        case "dns-challenge-records":
            // `_acme-challenge.<zone>` and `_acme-challenge.<any name>.<zone>`, TXT only.
            return acmeChallengeStatements({
                partition: scope.partition,
                hostedZoneId: scope.hostedZoneId,
                recordNames: [challengeRecordName(scope.zoneName), challengeRecordName(`*.${scope.zoneName}`)],
            });
        case "backup-store-write":
            return storeWriteStatements("Backup", scope.partition, scope.backupBucket, scope.backupKmsKeyArn);
        case "backup-store-read":
            return storeReadStatements("Backup", scope.partition, scope.backupBucket, scope.backupKmsKeyArn);
        case "archive-store-write":
            return storeWriteStatements("Archive", scope.partition, scope.archiveBucket, scope.archiveKmsKeyArn);
        case "archive-store-read":
            return storeReadStatements("Archive", scope.partition, scope.archiveBucket, scope.archiveKmsKeyArn);
        case "vault-unseal":
            return [
                {
                    Sid: "UnsealKey",
                    Effect: "Allow",
                    Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
                    Resource: [scope.unsealKeyArn],
                },
            ];
        case "node-autoscaling":
            return [
                {
                    Sid: "DiscoverNodeGroupsReadOnly",
                    Effect: "Allow",
                    Action: [
                        "autoscaling:DescribeAutoScalingGroups",
                        "autoscaling:DescribeAutoScalingInstances",
                        "autoscaling:DescribeLaunchConfigurations",
                        "autoscaling:DescribeScalingActivities",
                        "autoscaling:DescribeTags",
                        "ec2:DescribeImages",
                        "ec2:DescribeInstanceTypes",
                        "ec2:DescribeLaunchTemplateVersions",
                        "ec2:GetInstanceTypesFromInstanceRequirements",
                    ],
                    Resource: "*",
                },
                {
                    // Labels and taints of this cluster's managed node groups (scaling from zero).
                    Sid: "DescribeOwnNodeGroups",
                    Effect: "Allow",
                    Action: ["eks:DescribeNodegroup"],
                    Resource: [pulumi.output(scope.clusterArn).apply((cluster) => `${cluster.replace(":cluster/", ":nodegroup/")}/*/*`)],
                },
                {
                    Sid: "ScaleOwnNodeGroups",
                    Effect: "Allow",
                    Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                    Resource: "*",
                    Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${scope.clusterName}`]: "owned" } },
                },
            ];
        case "block-storage":
            // AWS's documented policy for the EBS CSI driver with a customer key: grants only for
            // AWS resources (EBS attaching a volume), so the driver cannot hand the key to anyone else.
            return [
                {
                    Sid: "EbsKeyGrantsForAwsResources",
                    Effect: "Allow",
                    Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    Resource: [scope.ebsKmsKeyArn],
                    Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
                },
                {
                    Sid: "EbsKeyUse",
                    Effect: "Allow",
                    Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                    Resource: [scope.ebsKmsKeyArn],
                },
            ];
    }
}

/** Read, write and delete (retention) the objects of one bucket, encrypted with its key. Sids: <Store>Objects, <Store>Bucket, <Store>Encryption. */
function storeWriteStatements(store: string, partition: string, bucket: pulumi.Input<string>, kmsKeyArn: pulumi.Input<string>): PolicyStatement[] {
    return [
        {
            Sid: `${store}Objects`,
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: [pulumi.interpolate`arn:${partition}:s3:::${bucket}/*`],
        },
        { Sid: `${store}Bucket`, Effect: "Allow", Action: ["s3:ListBucket"], Resource: [pulumi.interpolate`arn:${partition}:s3:::${bucket}`] },
        ...keyThroughS3(`${store}Encryption`, ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], partition, bucket, kmsKeyArn),
    ];
}

/**
 * The store's key, usable only by S3 on the caller's behalf, for this bucket's objects: the key is
 * shared (EBS volumes, other stores), so a store's identity must not decrypt anything else with it.
 * S3 names itself in kms:ViaService and the object (or, with bucket keys, the bucket) in the
 * encryption context; kms:DescribeKey carries no context, only the service.
 */
function keyThroughS3(sid: string, actions: string[], partition: string, bucket: pulumi.Input<string>, kmsKeyArn: pulumi.Input<string>): PolicyStatement[] {
    const viaS3 = { "kms:ViaService": pulumi.output(kmsKeyArn).apply((arn) => `s3.${arn.split(":")[3]}.amazonaws.com`) };
    const bucketArn = pulumi.interpolate`arn:${partition}:s3:::${bucket}`;
    return [
        {
            Sid: sid,
            Effect: "Allow",
            Action: actions,
            Resource: [kmsKeyArn],
            Condition: { StringEquals: viaS3, StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, pulumi.interpolate`${bucketArn}/*`] } },
        },
        { Sid: `${sid}Key`, Effect: "Allow", Action: ["kms:DescribeKey"], Resource: [kmsKeyArn], Condition: { StringEquals: viaS3 } },
    ];
}

/** Read one bucket's objects (and their versions) and decrypt them; nothing that writes. Sids: Read<Store>Objects, List<Store>Bucket, Decrypt<Store>s. */
function storeReadStatements(store: string, partition: string, bucket: pulumi.Input<string>, kmsKeyArn: pulumi.Input<string>): PolicyStatement[] {
    return [
        {
            Sid: `Read${store}Objects`,
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: [pulumi.interpolate`arn:${partition}:s3:::${bucket}/*`],
        },
        { Sid: `List${store}Bucket`, Effect: "Allow", Action: ["s3:ListBucket"], Resource: [pulumi.interpolate`arn:${partition}:s3:::${bucket}`] },
        ...keyThroughS3(`Decrypt${store}s`, ["kms:Decrypt"], partition, bucket, kmsKeyArn),
    ];
}

/** A policy document as JSON, resolving every Output inside it. */
export function policyDocument(statements: PolicyStatement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}
