import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import { BucketPurpose, createPrivateBucket, denyInsecureTransport } from "./private-bucket";

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
        const region = args.region ? { region: args.region } : {};
        const parent = { parent: this };
        const { bucket, versioning } = createPrivateBucket(this, name, {
            purpose: args.purpose ?? "backup",
            tags: args.tags,
            protect: args.protect,
            region: args.region,
            encryption: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true },
        });
        this.versioning = versioning;
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
            policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(bucket.arn)] }),
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
