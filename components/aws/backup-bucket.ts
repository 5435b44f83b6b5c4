import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * Tag naming what a bucket holds: the policy pack requires every "backup" bucket to log its
 * accesses and, in prod, to replicate; replicas and log buckets are told apart by it.
 */
export const BUCKET_PURPOSE_TAG = "bucket-purpose";
export type BucketPurpose = "backup" | "backup-replica" | "access-logs";

/** Where a bucket's server access logs go (a bucket in the same region). */
export interface AccessLogTarget {
    bucket: pulumi.Input<string>;
    /** Key prefix of this bucket's logs, e.g. "pg-archive/". */
    prefix: string;
}

export interface BackupBucketArgs {
    kmsKeyArn: pulumi.Input<string>;
    /** Days to keep superseded object versions (accidental overwrite or delete). */
    noncurrentVersionDays: number;
    tags: Record<string, string>;
    protect: boolean;
    /** Server access logs (who read or wrote which backup object); every backup bucket has them. */
    accessLogs?: AccessLogTarget;
    /** Region of the bucket, when not the provider's (a cross-region replica). */
    region?: string;
    /** A primary backup store (default) or the cross-region copy of one. */
    purpose?: Extract<BucketPurpose, "backup" | "backup-replica">;
}

/**
 * An S3 bucket for backups (Velero, the database archive, or a replica of either):
 * KMS-encrypted, versioned, private, TLS-only, with server access logs.
 */
export class BackupBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    /** Replication needs versioning on both ends first. */
    public readonly versioning: aws.s3.BucketVersioning;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:aws:BackupBucket", name, {}, opts);
        // A replica's resources name their region; the primary's inherit the provider's, unchanged.
        const region = args.region ? { region: args.region } : {};
        const parent = { parent: this };

        const bucket = new aws.s3.Bucket(name, {
            bucketPrefix: `${name}-`,
            forceDestroy: false,
            tags: { ...args.tags, [BUCKET_PURPOSE_TAG]: args.purpose ?? "backup" },
            ...region,
        }, { parent: this, protect: args.protect, retainOnDelete: args.protect });

        new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" }, ...region }, parent);
        new aws.s3.BucketPublicAccessBlock(name, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
            ...region,
        }, parent);
        this.versioning = new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" }, ...region }, parent);
        new aws.s3.BucketServerSideEncryptionConfiguration(name, {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
            ...region,
        }, parent);
        new aws.s3.BucketLifecycleConfiguration(name, {
            bucket: bucket.id,
            rules: [{
                id: "expire-superseded-versions",
                status: "Enabled",
                filter: {},
                noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            }],
            ...region,
        }, parent);
        new aws.s3.BucketPolicy(name, {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                }],
            }),
            ...region,
        }, parent);
        if (args.accessLogs) {
            new aws.s3.BucketLogging(name, {
                bucket: bucket.id,
                targetBucket: args.accessLogs.bucket,
                targetPrefix: args.accessLogs.prefix,
                ...region,
            }, parent);
        }

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }
}
