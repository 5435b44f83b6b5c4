import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import { AccessLogBucket } from "./access-log-bucket";
import { BackupBucket } from "./backup-bucket";
import { PolicyStatement, policyDocument } from "./permissions";

/** A bucket to copy, and the key its objects are encrypted with. */
export interface ReplicatedSource {
    /** Short name, also the replica's name suffix and its access-log prefix (e.g. "backups", "pg-archive"). */
    key: string;
    bucket: BackupBucket;
    kmsKeyArn: pulumi.Input<string>;
}

export interface BackupReplicationArgs {
    /** The region the copies live in; never the sources' region. */
    region: string;
    /** The sources' region (the KMS condition names the S3 endpoint that decrypts there). */
    sourceRegion: string;
    sources: ReplicatedSource[];
    noncurrentVersionDays: number;
    accessLogRetentionDays: number;
    accountId: pulumi.Input<string>;
    /** Name of the cluster, for the replica key's alias. */
    clusterName: string;
    tags: Record<string, string>;
    protect: boolean;
}

/**
 * Copies of the backup buckets in a second region, so the backups survive the loss of
 * their own: one replica bucket per source (KMS-encrypted with a key of that region,
 * versioned, logged), and S3 replication with a role that may read exactly the sources
 * and write exactly the replicas.
 *
 * Delete markers replicate too, so a replica mirrors its source; a deleted or overwritten
 * object stays recoverable there for the same noncurrent-version window.
 */
export class BackupReplication extends pulumi.ComponentResource {
    /** Replica bucket name, by source key. */
    public readonly replicaBuckets: Record<string, pulumi.Output<string>>;
    public readonly replicaKeyArn: pulumi.Output<string>;

    constructor(name: string, args: BackupReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:aws:BackupReplication", name, {}, opts);
        const stateful = { parent: this, protect: args.protect };
        const region = { region: args.region };

        const key = new aws.kms.Key(`${name}-key`, {
            description: `Replicas of the backups of ${args.clusterName} in ${args.region}`,
            enableKeyRotation: true,
            rotationPeriodInDays: 365,
            deletionWindowInDays: 30,
            tags: args.tags,
            ...region,
        }, stateful);
        new aws.kms.Alias(`${name}-key`, { name: `alias/${args.clusterName}-backup-replicas`, targetKeyId: key.keyId, ...region }, { parent: this });

        const logs = new AccessLogBucket(`${name}-access-logs`, {
            retentionDays: args.accessLogRetentionDays,
            tags: args.tags,
            protect: args.protect,
            accountId: args.accountId,
            ...region,
        }, { parent: this });

        const replicas = args.sources.map((source) => ({
            source,
            replica: new BackupBucket(`${name}-${source.key}`, {
                kmsKeyArn: key.arn,
                noncurrentVersionDays: args.noncurrentVersionDays,
                tags: args.tags,
                protect: args.protect,
                accessLogs: { bucket: logs.bucketName, prefix: `${source.key}/` },
                purpose: "backup-replica",
                ...region,
            }, { parent: this }),
        }));
        logs.admit(replicas.map((r) => r.replica.bucketArn));

        const role = new aws.iam.Role(`${name}-role`, {
            description: `S3 replication of ${args.clusterName}'s backups to ${args.region}`,
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Principal: { Service: "s3.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
                }],
            }),
            tags: args.tags,
        }, { parent: this });
        const policy = new aws.iam.RolePolicy(`${name}-role`, {
            role: role.name,
            policy: policyDocument(replicationStatements({
                sources: replicas.map((r) => ({ bucketArn: r.source.bucket.bucketArn, kmsKeyArn: r.source.kmsKeyArn })),
                replicas: replicas.map((r) => r.replica.bucketArn),
                replicaKeyArn: key.arn,
                sourceRegion: args.sourceRegion,
                replicaRegion: args.region,
            })),
        }, { parent: this });

        for (const { source, replica } of replicas) {
            new aws.s3.BucketReplicationConfig(`${name}-${source.key}`, {
                bucket: source.bucket.bucketName,
                role: role.arn,
                rules: [{
                    id: `to-${args.region}`,
                    status: "Enabled",
                    filter: {},
                    deleteMarkerReplication: { status: "Enabled" },
                    // Only KMS-encrypted objects exist in the sources; re-encrypt them with the replica region's key.
                    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                    destination: { bucket: replica.bucketArn, encryptionConfiguration: { replicaKmsKeyId: key.arn } },
                }],
            }, { parent: this, dependsOn: [source.bucket.versioning, replica.versioning, policy] });
        }

        this.replicaBuckets = Object.fromEntries(replicas.map((r) => [r.source.key, r.replica.bucketName]));
        this.replicaKeyArn = key.arn;
        this.registerOutputs({ replicaBuckets: this.replicaBuckets, replicaKeyArn: this.replicaKeyArn });
    }
}

/**
 * What the replication role may do, from AWS's S3 replication guide: read the sources'
 * versions, write replicas, decrypt with the source keys and encrypt with the replica key,
 * each KMS use only through S3 in its region and for these buckets (the encryption context
 * is the object ARN, or the bucket ARN with S3 Bucket Keys).
 */
export function replicationStatements(args: {
    sources: { bucketArn: pulumi.Input<string>; kmsKeyArn: pulumi.Input<string> }[];
    replicas: pulumi.Input<string>[];
    replicaKeyArn: pulumi.Input<string>;
    sourceRegion: string;
    replicaRegion: string;
}): PolicyStatement[] {
    const objects = (arns: pulumi.Input<string>[]) => arns.map((arn) => pulumi.interpolate`${arn}/*`);
    const bucketsAndObjects = (arns: pulumi.Input<string>[]) => [...arns, ...objects(arns)];
    const sourceArns = args.sources.map((s) => s.bucketArn);
    return [
        { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: sourceArns },
        {
            Sid: "ReadSourceVersions",
            Effect: "Allow",
            Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            Resource: objects(sourceArns),
        },
        { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], Resource: objects(args.replicas) },
        {
            Sid: "DecryptSources",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: [...new Set(args.sources.map((s) => s.kmsKeyArn))],
            Condition: {
                StringEquals: { "kms:ViaService": `s3.${args.sourceRegion}.amazonaws.com` },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": bucketsAndObjects(sourceArns) },
            },
        },
        {
            Sid: "EncryptReplicas",
            Effect: "Allow",
            Action: ["kms:Encrypt", "kms:GenerateDataKey"],
            Resource: [args.replicaKeyArn],
            Condition: {
                StringEquals: { "kms:ViaService": `s3.${args.replicaRegion}.amazonaws.com` },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": bucketsAndObjects(args.replicas) },
            },
        },
    ];
}
