/**
 * S3 buckets (backup storage): encrypted, never public, versioned; backup buckets
 * log every access and, in prod, replicate to another region. In @pulumi/aws 7
 * these are separate resources, so these are stack policies that pair each bucket
 * with the configuration resources that reference it.
 */
import { PolicyResource } from "@pulumi/policy";
import { MANDATORY, environmentOf, stackRule } from "../lib/guardrail";
import { Link, companionsByTarget } from "../lib/links";
import { Props, isSet, known, knownArray, label } from "../lib/values";

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

const LOGGING_TYPES = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];
const REPLICATION_TYPES = ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"];

/**
 * What a bucket holds, from its tag (components/aws/private-bucket.ts sets it): "backup" (a primary
 * backup store), "backup-replica" (its copy in another region) or "access-logs" (a log target).
 * An untagged bucket is treated as a backup bucket: the stricter reading.
 */
export const BUCKET_PURPOSE_TAG = "bucket-purpose";

function purposeOf(bucket: PolicyResource): string {
    const tags = known(() => bucket.props.tags as Record<string, unknown> | undefined);
    const purpose = tags?.[BUCKET_PURPOSE_TAG];
    return typeof purpose === "string" ? purpose : "backup";
}

/** A target bucket is named (in a preview it may be another bucket's name, unknown until deploy). */
function logsTo(config: PolicyResource): boolean {
    return isSet(() => config.props.targetBucket);
}

/** An enabled rule that re-encrypts replicas with a KMS key (the same discipline as the source). */
function replicatesWithKms(config: PolicyResource): boolean {
    return knownArray<Props>(() => config.props.rules).some((rule) => {
        const enabled = known(() => rule.status) === "Enabled";
        const kmsObjects = known(() => rule.sourceSelectionCriteria?.sseKmsEncryptedObjects?.status) === "Enabled";
        // The key's ARN may be unknown in a preview (a key created in the same run): set is enough.
        return enabled && kmsObjects && isSet(() => rule.destination?.encryptionConfiguration?.replicaKmsKeyId);
    });
}

export const s3BackupBucketLogged = stackRule({
    name: "s3-backup-bucket-access-logged",
    description: "Every S3 bucket except an access-log target (tag bucket-purpose: access-logs) has a BucketLogging with a target bucket: who read or wrote a backup is on record.",
    levels: MANDATORY,
    remediationSteps: "Give the bucket a BucketLogging into the region's access-log bucket (BackupBucket's accessLogs argument, components/aws/access-log-bucket.ts).",
    validateStack: (args, reportViolation) => {
        const buckets = args.resources.filter((r) => BUCKET_TYPES.includes(r.type) && purposeOf(r) !== "access-logs");
        if (buckets.length === 0) args.notApplicable("no backup buckets in the stack");
        const logging = companionsByTarget(args.resources, buckets, LOGGING_TYPES, BY_BUCKET);
        for (const bucket of buckets) {
            if (!logging.get(bucket.urn)!.some(logsTo)) reportViolation(`${label(bucket)}: no BucketLogging; its accesses are not recorded.`, bucket.urn);
        }
    },
});

export const s3BackupBucketReplicated = stackRule({
    name: "s3-backup-bucket-replicated",
    description:
        "In prod, every primary backup bucket (tag bucket-purpose: backup) has a BucketReplicationConfig with an enabled rule that " +
        "replicates its KMS-encrypted objects and re-encrypts them with a KMS key: the backups survive the loss of their region.",
    levels: MANDATORY,
    remediationSteps: "Set backups.replication.enabled and backups.replication.awsRegion (components/aws/backup-replication.ts).",
    validateStack: (args, reportViolation) => {
        if (environmentOf(args) !== "prod") args.notApplicable("only prod backups must survive a region loss");
        const buckets = args.resources.filter((r) => BUCKET_TYPES.includes(r.type) && purposeOf(r) === "backup");
        if (buckets.length === 0) args.notApplicable("no backup buckets in the stack");
        const replication = companionsByTarget(args.resources, buckets, REPLICATION_TYPES, BY_BUCKET);
        for (const bucket of buckets) {
            const configs = replication.get(bucket.urn)!;
            if (configs.length === 0) reportViolation(`${label(bucket)}: no BucketReplicationConfig; its backups die with the region.`, bucket.urn);
            else if (!configs.some(replicatesWithKms)) reportViolation(`${label(bucket)}: replication has no enabled rule that copies KMS-encrypted objects and re-encrypts them with a KMS key.`, bucket.urn);
        }
    },
});

export const s3Rules = [s3BucketHardened, s3BackupBucketLogged, s3BackupBucketReplicated];
