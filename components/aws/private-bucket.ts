import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import type * as inputs from "@pulumi/aws/types/input";

/**
 * Tag naming what a bucket holds: the policy pack requires every "backup" bucket to log its
 * accesses and, in prod, to replicate; replicas and log buckets are told apart by it.
 */
export const BUCKET_PURPOSE_TAG = "bucket-purpose";
export type BucketPurpose = "backup" | "backup-replica" | "access-logs";

export interface PrivateBucketArgs {
    purpose: BucketPurpose;
    tags: Record<string, string>;
    protect: boolean;
    /** Region of the bucket, when not the provider's (a cross-region replica, its log bucket). */
    region?: string;
    /** Default encryption of new objects. */
    encryption: inputs.s3.BucketServerSideEncryptionConfigurationRule;
}

/**
 * What every bucket of this program shares, under `parent` and named `name` (so a caller's
 * URNs do not depend on this helper): object ownership enforced (no ACLs), every public
 * access blocked, versioning, default encryption, protection of the bucket itself.
 * Lifecycle and bucket policy are the caller's (see denyInsecureTransport).
 */
export function createPrivateBucket(parent: pulumi.Resource, name: string, args: PrivateBucketArgs): { bucket: aws.s3.Bucket; versioning: aws.s3.BucketVersioning } {
    // A replica's resources name their region; the others inherit the provider's, unchanged.
    const region = args.region ? { region: args.region } : {};
    const opts = { parent };
    const bucket = new aws.s3.Bucket(name, {
        bucketPrefix: `${name}-`,
        forceDestroy: false,
        tags: { ...args.tags, [BUCKET_PURPOSE_TAG]: args.purpose },
        ...region,
    }, { parent, protect: args.protect, retainOnDelete: args.protect });
    new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" }, ...region }, opts);
    new aws.s3.BucketPublicAccessBlock(name, {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
        ...region,
    }, opts);
    const versioning = new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" }, ...region }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(name, { bucket: bucket.id, rules: [args.encryption], ...region }, opts);
    return { bucket, versioning };
}

/** The bucket policy statement every bucket carries: nothing without TLS. */
export function denyInsecureTransport(bucketArn: pulumi.Output<string>) {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}
