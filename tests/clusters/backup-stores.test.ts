/**
 * The backup stores survive the loss of their region (prod), and every access to a
 * backup bucket is logged: S3 replication with KMS on the EKS side, geo-redundancy on
 * the AKS side, S3 server access logs into a dedicated bucket per region.
 */
import { strict as assert } from "assert";
import { replicationStatements } from "../../components/aws/backup-replication";
import { BUCKET_PURPOSE_TAG } from "../../components/aws/private-bucket";
import { BUCKET_PURPOSE_TAG as POLICY_PURPOSE_TAG } from "../../policy/rules/s3-buckets";
import { Evaluation } from "../../commands/offline/harness";
import { stackEvaluation } from "../support/stacks";

const BUCKET = "aws:s3/bucket:Bucket";
const statements = (doc: string) => JSON.parse(doc).Statement as any[];

describe("backup stores: access logs and a second region", function () {
    this.timeout(300_000);
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        [dev, prod] = await Promise.all([stackEvaluation("dev"), stackEvaluation("prod")]);
    });

    const bucketsBy = (ev: Evaluation, purpose: string) => ev.ofType(BUCKET).filter((b) => b.inputs.tags[BUCKET_PURPOSE_TAG] === purpose);

    it("tags each bucket with what it holds, in the word the policy pack reads", () => {
        assert.equal(BUCKET_PURPOSE_TAG, POLICY_PURPOSE_TAG);
        const names = (ev: Evaluation, purpose: string) => bucketsBy(ev, purpose).map((b) => b.name).sort();
        assert.deepEqual(names(prod, "backup"), ["pair-aws-backups", "pair-aws-pg-archive"]);
        assert.deepEqual(names(prod, "backup-replica"), ["pair-aws-replica-backups", "pair-aws-replica-pg-archive"]);
        assert.deepEqual(names(prod, "access-logs"), ["pair-aws-access-logs", "pair-aws-replica-access-logs"]);
        assert.deepEqual(names(dev, "backup-replica"), [], "dev keeps one region");
    });

    it("logs every backup bucket's accesses into the access-log bucket of its own region", () => {
        for (const ev of [dev, prod]) {
            const logBuckets = new Map(bucketsBy(ev, "access-logs").map((b) => [b.name, b.inputs.region ?? "us-east-1"]));
            for (const bucket of [...bucketsBy(ev, "backup"), ...bucketsBy(ev, "backup-replica")]) {
                const logging = ev.named("aws:s3/bucketLogging:BucketLogging", bucket.name).inputs;
                const target = ev.ofType(BUCKET).find((b) => logging.targetBucket.startsWith(b.inputs.bucketPrefix))!;
                assert.ok(logBuckets.has(target.name), `${bucket.name} logs into a dedicated log bucket`);
                assert.equal(logBuckets.get(target.name), bucket.inputs.region ?? "us-east-1", `${bucket.name}: S3 delivers logs only within a region`);
            }
        }
    });

    it("the log buckets accept only S3's log delivery for exactly those buckets, use SSE-S3 (SSE-KMS targets cannot receive logs) and expire logs", () => {
        const policy = statements(prod.named("aws:s3/bucketPolicy:BucketPolicy", "pair-aws-access-logs").inputs.policy);
        const delivery = policy.find((s) => s.Sid === "S3ServerAccessLogDelivery");
        assert.deepEqual([delivery.Principal, delivery.Action], [{ Service: "logging.s3.amazonaws.com" }, "s3:PutObject"]);
        const sources = delivery.Condition.ArnLike["aws:SourceArn"];
        assert.deepEqual(sources.map((arn: string) => arn.replace(/-[0-9a-f]+$/, "")), ["arn:aws:s3:::pair-aws-backups", "arn:aws:s3:::pair-aws-pg-archive"]);
        assert.equal(delivery.Condition.StringEquals["aws:SourceAccount"], "123456789012");
        assert.ok(policy.some((s) => s.Sid === "DenyInsecureTransport"));
        const sse = prod.named("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "pair-aws-access-logs").inputs;
        assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        const lifecycle = prod.named("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "pair-aws-access-logs").inputs.rules[0];
        assert.equal(lifecycle.expiration.days, 365);
    });

    it("prod replicates Velero's bucket and the database archive to another region, re-encrypted with that region's KMS key", () => {
        const replicaKey = prod.named("aws:kms/key:Key", "pair-aws-replica-key");
        assert.deepEqual([replicaKey.inputs.region, replicaKey.inputs.enableKeyRotation, replicaKey.protect], ["us-west-2", true, true]);
        for (const source of ["backups", "pg-archive"]) {
            const config = prod.named("aws:s3/bucketReplicationConfig:BucketReplicationConfig", `pair-aws-replica-${source}`);
            const [rule, ...more] = config.inputs.rules;
            assert.equal(more.length, 0);
            assert.equal(rule.status, "Enabled");
            assert.equal(rule.sourceSelectionCriteria.sseKmsEncryptedObjects.status, "Enabled");
            assert.match(rule.destination.encryptionConfiguration.replicaKmsKeyId, /^arn:aws:kms:us-west-2:/);
            assert.match(rule.destination.bucket, new RegExp(`^arn:aws:s3:::pair-aws-replica-${source}-`));
            assert.equal(rule.deleteMarkerReplication.status, "Enabled", "a replica mirrors its source; deleted versions stay recoverable there");
            const replica = prod.named(BUCKET, `pair-aws-replica-${source}`);
            assert.deepEqual([replica.inputs.region, replica.protect], ["us-west-2", true]);
            const versioning = prod.ofType("aws:s3/bucketVersioning:BucketVersioning").filter((v) => v.name === `pair-aws-${source}` || v.name === `pair-aws-replica-${source}`);
            versioning.forEach((v) => assert.ok(config.dependencies.includes(v.urn), "replication waits for versioning on both ends"));
        }
        assert.equal(dev.ofType("aws:s3/bucketReplicationConfig:BucketReplicationConfig").length, 0);
    });

    it("the replication role is S3's alone, reads exactly the sources and writes exactly the replicas, each key only through S3 in its region", () => {
        const trust = statements(prod.named("aws:iam/role:Role", "pair-aws-replica-role").inputs.assumeRolePolicy);
        assert.deepEqual(trust.map((s) => [s.Principal, s.Action, s.Condition]), [[{ Service: "s3.amazonaws.com" }, "sts:AssumeRole", { StringEquals: { "aws:SourceAccount": "123456789012" } }]]);
        const policy = statements(prod.named("aws:iam/rolePolicy:RolePolicy", "pair-aws-replica-role").inputs.policy);
        for (const s of policy) assert.ok(![s.Resource].flat().includes("*"), `${s.Sid}: no action on *`);
        const bySid = Object.fromEntries(policy.map((s) => [s.Sid, s]));
        assert.ok(bySid.ReadSourceVersions.Resource.every((r: string) => /pair-aws-(backups|pg-archive)-[0-9a-f]+\/\*$/.test(r)));
        assert.ok(bySid.WriteReplicas.Resource.every((r: string) => /pair-aws-replica-(backups|pg-archive)-[0-9a-f]+\/\*$/.test(r)));
        assert.equal(bySid.DecryptSources.Condition.StringEquals["kms:ViaService"], "s3.us-east-1.amazonaws.com");
        assert.equal(bySid.EncryptReplicas.Condition.StringEquals["kms:ViaService"], "s3.us-west-2.amazonaws.com");
        assert.deepEqual(bySid.DecryptSources.Action, ["kms:Decrypt"]);
    });

    it("the replication statements name the bucket ARN too in the KMS context (S3 Bucket Keys encrypt under the bucket's ARN)", () => {
        const [, , , decrypt] = replicationStatements({
            sources: [{ bucketArn: "arn:aws:s3:::src", kmsKeyArn: "arn:aws:kms:us-east-1:1:key/a" }],
            replicas: ["arn:aws:s3:::dst"],
            replicaKeyArn: "arn:aws:kms:us-west-2:1:key/b",
            sourceRegion: "us-east-1",
            replicaRegion: "us-west-2",
        });
        assert.equal(decrypt.Sid, "DecryptSources");
        assert.equal((decrypt.Condition!.StringLike["kms:EncryptionContext:aws:s3:arn"] as unknown[]).length, 2);
    });

    it("the AKS side's stores are geo-redundant in prod (RA-GZRS: a copy in the paired region, readable during its outage)", () => {
        assert.equal(prod.ofType("azure-native:storage:StorageAccount")[0].inputs.sku.name, "Standard_RAGZRS");
    });
});
