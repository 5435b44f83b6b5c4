import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import { createPrivateBucket, denyInsecureTransport } from "./private-bucket";

export interface AccessLogBucketArgs {
    /** Days the logs are kept. */
    retentionDays: number;
    tags: Record<string, string>;
    protect: boolean;
    /** Region of the bucket, when not the provider's; it must be the region of the buckets it logs. */
    region?: string;
    /** The account whose buckets deliver logs here (the logging service's aws:SourceAccount). */
    accountId: pulumi.Input<string>;
}

/**
 * The dedicated target of the backup buckets' S3 server access logs: private, versioned,
 * TLS-only, expiring after the retention. SSE-S3, because S3 cannot deliver server
 * access logs into a bucket whose default encryption is SSE-KMS.
 *
 * Only the S3 logging service may write, only for buckets of this account that were
 * admitted with `admit` (logging sources are known after the buckets exist).
 */
export class AccessLogBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    private readonly args: AccessLogBucketArgs;
    private readonly bucket: aws.s3.Bucket;
    private readonly resourceName: string;

    constructor(name: string, args: AccessLogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:aws:AccessLogBucket", name, {}, opts);
        this.args = args;
        this.resourceName = name;
        const region = args.region ? { region: args.region } : {};
        const parent = { parent: this };

        // SSE-S3: S3 cannot deliver server access logs into an SSE-KMS bucket. Bucket-owner-enforced
        // ownership: the logging service's writes are authorized by the bucket policy, not ACLs.
        this.bucket = createPrivateBucket(this, name, {
            purpose: "access-logs",
            tags: args.tags,
            protect: args.protect,
            region: args.region,
            encryption: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        }).bucket;
        const bucket = this.bucket;
        new aws.s3.BucketLifecycleConfiguration(name, {
            bucket: bucket.id,
            rules: [{
                id: "expire-access-logs",
                status: "Enabled",
                filter: {},
                expiration: { days: args.retentionDays },
                noncurrentVersionExpiration: { noncurrentDays: 1 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            }],
            ...region,
        }, parent);

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }

    /** The bucket policy: the S3 logging service may deliver logs of exactly these buckets; nothing else is allowed without TLS. */
    admit(sourceBucketArns: pulumi.Input<string>[]): aws.s3.BucketPolicy {
        const bucket = this.bucket;
        const region = this.args.region ? { region: this.args.region } : {};
        return new aws.s3.BucketPolicy(this.resourceName, {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "S3ServerAccessLogDelivery",
                        Effect: "Allow",
                        Principal: { Service: "logging.s3.amazonaws.com" },
                        Action: "s3:PutObject",
                        Resource: pulumi.interpolate`${bucket.arn}/*`,
                        Condition: {
                            ArnLike: { "aws:SourceArn": sourceBucketArns },
                            StringEquals: { "aws:SourceAccount": this.args.accountId },
                        },
                    },
                    denyInsecureTransport(bucket.arn),
                ],
            }),
            ...region,
        }, { parent: this });
    }
}
