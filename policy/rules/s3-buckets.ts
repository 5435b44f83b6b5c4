/**
 * S3 buckets (backup storage): encrypted, never public, versioned. In
 * @pulumi/aws 7 these are separate resources, so this is a stack policy that
 * pairs each bucket with the configuration resources that reference it.
 */
import { PolicyResource } from "@pulumi/policy";
import { MANDATORY, stackRule } from "../lib/guardrail";
import { Link, companionsByTarget } from "../lib/links";
import { Props, known, knownArray, label } from "../lib/values";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const SSE_TYPES = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const PUBLIC_ACCESS_BLOCK_TYPES = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];
const VERSIONING_TYPES = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];

/** Companions reference the bucket by `bucket: bucket.id` (the id is the bucket name). */
const BY_BUCKET: Link = { property: "bucket", targetKeys: ["id", "bucket"] };

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

function encrypts(config: PolicyResource): boolean {
    return knownArray<Props>(() => config.props.rules).some((rule) => {
        const algorithm = known(() => rule.applyServerSideEncryptionByDefault?.sseAlgorithm);
        return typeof algorithm === "string" && algorithm !== "";
    });
}

function blocksPublicAccess(block: PolicyResource): boolean {
    return PUBLIC_ACCESS_FLAGS.every((flag) => known(() => block.props[flag]) === true);
}

function versioned(config: PolicyResource): boolean {
    return known(() => config.props.versioningConfiguration?.status) === "Enabled";
}

export const s3BucketHardened = stackRule({
    name: "s3-bucket-hardened",
    description:
        "Every S3 bucket has a BucketServerSideEncryptionConfiguration, a BucketPublicAccessBlock with all four settings true, " +
        "and a BucketVersioning with status Enabled.",
    levels: MANDATORY,
    remediationSteps: "Create the three companion resources with `bucket: bucket.id` (see components/aws/backup-bucket.ts).",
    validateStack: (args, reportViolation) => {
        const buckets = args.resources.filter((r) => BUCKET_TYPES.includes(r.type));
        if (buckets.length === 0) args.notApplicable("no S3 buckets in the stack");
        const sse = companionsByTarget(args.resources, buckets, SSE_TYPES, BY_BUCKET);
        const pab = companionsByTarget(args.resources, buckets, PUBLIC_ACCESS_BLOCK_TYPES, BY_BUCKET);
        const versioning = companionsByTarget(args.resources, buckets, VERSIONING_TYPES, BY_BUCKET);
        for (const bucket of buckets) {
            const problems: string[] = [];
            if (!sse.get(bucket.urn)!.some(encrypts)) problems.push("no BucketServerSideEncryptionConfiguration with a default algorithm");
            const blocks = pab.get(bucket.urn)!;
            if (blocks.length === 0) problems.push("no BucketPublicAccessBlock");
            else if (!blocks.some(blocksPublicAccess)) problems.push(`BucketPublicAccessBlock does not set all of ${PUBLIC_ACCESS_FLAGS.join(", ")} to true`);
            if (!versioning.get(bucket.urn)!.some(versioned)) problems.push("no BucketVersioning with status Enabled");
            if (problems.length > 0) reportViolation(`${label(bucket)}: ${problems.join("; ")}.`, bucket.urn);
        }
    },
});

export const s3Rules = [s3BucketHardened];
