/**
 * The real dev and prod stacks, evaluated offline through index.ts, under the
 * whole pack with their own policy/config.<env>.json: no mandatory violation
 * (advisories are allowed and listed). Also as a preview, where ids and ARNs
 * are still unknown, so rules must not give up on what they can check.
 */
import { strict as assert } from "assert";
import { Environment } from "../../policy/lib/guardrail";
import { STATEFUL_TYPES } from "../../policy/rules/protection";
import { Evaluation } from "../../commands/offline/harness";
import { stackEvaluation, stackPreview } from "../support/stacks";
import { PackResult, formatViolation, runPack } from "./run-policies";

/** Rules that must find something to check in both stacks (a wrong type token would make them silently pass). */
const MUST_APPLY = [
    "eks-secrets-encryption",
    "eks-control-plane-logging",
    "eks-public-endpoint-restricted",
    "aks-zone-redundant-pools",
    "aks-network-policy",
    "aks-entra-id-rbac",
    "aks-local-accounts-disabled",
    "s3-bucket-hardened",
    "s3-backup-bucket-access-logged",
    "storage-account-hardened",
    "storage-blob-recovery",
    "kms-key-rotation",
    "keyvault-key-rotation",
    "kubernetes-recommended-labels",
    "pdb-allows-voluntary-disruption",
    "launch-template-hardened",
    "azure-stable-api-versions",
    "ingress-tls-required",
    "policy-environment-matches-stack",
    "iam-kms-grant-for-aws-resource",
    "iam-web-identity-trust-pinned",
    "azure-federated-credential-pinned",
    "azure-role-assignment-scoped",
    "security-layers-installed",
];

function mandatory(result: PackResult): string[] {
    return result.violations.filter((v) => v.level === "mandatory").map(formatViolation);
}

describe("policy pack over the dev and prod stacks", function () {
    this.timeout(120_000);
    const results: Partial<Record<Environment, PackResult>> = {};
    const evaluations: Partial<Record<Environment, Evaluation>> = {};

    before(async () => {
        for (const env of ["dev", "prod"] as const) {
            evaluations[env] = await stackEvaluation(env);
            results[env] = await runPack(evaluations[env]!.resources, { config: env });
        }
    });

    for (const env of ["dev", "prod"] as const) {
        it(`${env}: zero mandatory violations`, () => {
            assert.deepEqual(mandatory(results[env]!), []);
        });

        it(`${env}: the cluster, storage and key rules found their resources`, () => {
            const idle = MUST_APPLY.filter((name) => !(results[env]!.applied[name] > 0));
            assert.deepEqual(idle, []);
        });
    }

    it("prod: every stateful resource was checked for protection", () => {
        const stateful = evaluations.prod!.resources.filter((r) => STATEFUL_TYPES.includes(r.type));
        assert.ok(stateful.length >= 13, `only ${stateful.length} stateful resources recorded`);
        assert.equal(results.prod!.applied["stateful-resources-protected"], stateful.length);
        assert.equal(results.dev!.applied["stateful-resources-protected"], 0, "dev is exempt");
    });

    it("dev: the advisories dev accepts by design are reported (public API servers, local AKS accounts)", () => {
        const advisories = results.dev!.violations.filter((v) => v.level === "advisory");
        const policies = new Set(advisories.map((v) => v.policy));
        assert.ok(policies.has("aks-local-accounts-disabled") && policies.has("eks-public-endpoint-restricted"), advisories.map(formatViolation).join("\n"));
        // Every rule is mandatory in prod, so any prod message at all would be a rule giving up.
        assert.deepEqual(results.prod!.violations.map(formatViolation), []);
    });

    it("prod with its safeguards removed is caught (the rules see the real resources)", async () => {
        const removed = [
            "aws:s3/bucketVersioning:BucketVersioning",
            "azure-native:storage:BlobServiceProperties",
            "aws:s3/bucketLogging:BucketLogging",
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        ];
        const broken = evaluations.prod!.resources
            .filter((r) => !removed.includes(r.type))
            .map((r) => {
                if (r.type === "azure-native:containerservice:ManagedCluster") return { ...r, protect: false, inputs: { ...r.inputs, disableLocalAccounts: false } };
                if (r.type === "aws:kms/key:Key" && r.name.endsWith("-vault-unseal")) return { ...r, inputs: { ...r.inputs, enableKeyRotation: false } };
                // The retention Job as it was before the compliance-ready rules found it: labels on its pods only.
                if (r.type === "kubernetes:batch/v1:Job") return { ...r, inputs: { ...r.inputs, metadata: { ...r.inputs.metadata, labels: undefined } } };
                return r;
            });
        const result = await runPack(broken, { config: "prod" });
        assert.deepEqual([...new Set(mandatory(result).map((m) => m.split(":")[0]))].sort(), [
            "[mandatory] aks-local-accounts-disabled",
            "[mandatory] kms-key-rotation",
            "[mandatory] kubernetes-recommended-labels",
            "[mandatory] s3-backup-bucket-access-logged",
            "[mandatory] s3-backup-bucket-replicated",
            "[mandatory] s3-bucket-hardened",
            "[mandatory] stateful-resources-protected",
            "[mandatory] storage-blob-recovery",
        ]);
        const count = (policy: string) => mandatory(result).filter((m) => m.startsWith(`[mandatory] ${policy}:`)).length;
        const buckets = evaluations.prod!.ofType("aws:s3/bucket:Bucket");
        const purpose = (p: string) => buckets.filter((b) => b.inputs.tags["bucket-purpose"] === p).length;
        assert.equal(count("s3-bucket-hardened"), buckets.length, "every bucket lost its versioning");
        assert.equal(count("s3-backup-bucket-access-logged"), buckets.length - purpose("access-logs"), "every bucket but the log targets lost its logging");
        assert.equal(count("s3-backup-bucket-replicated"), purpose("backup"), "every primary backup bucket (Velero's, the database archive) lost its replication");
    });

    it("prod identities with their pins removed are caught (the identity rules see the real policies, trusts and grants)", async () => {
        const edited = { grant: 0, trust: 0, credential: 0, assignment: 0 };
        const withoutGrantCondition = (json: string) => {
            const document = JSON.parse(json);
            for (const statement of [document.Statement].flat()) {
                if ([statement.Action].flat().includes("kms:CreateGrant") && statement.Condition) {
                    delete statement.Condition;
                    edited.grant++;
                }
            }
            return JSON.stringify(document);
        };
        const withoutSubjectPin = (json: string) => {
            const document = JSON.parse(json);
            for (const statement of [document.Statement].flat()) {
                const equals = statement.Condition?.StringEquals ?? {};
                for (const key of Object.keys(equals).filter((k) => k.endsWith(":sub"))) {
                    delete equals[key];
                    edited.trust++;
                }
            }
            return JSON.stringify(document);
        };
        const broken = evaluations.prod!.resources.map((r) => {
            if (r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.policy.includes("kms:CreateGrant")) return { ...r, inputs: { ...r.inputs, policy: withoutGrantCondition(r.inputs.policy) } };
            if (r.type === "aws:iam/role:Role" && r.inputs.assumeRolePolicy.includes("AssumeRoleWithWebIdentity")) return { ...r, inputs: { ...r.inputs, assumeRolePolicy: withoutSubjectPin(r.inputs.assumeRolePolicy) } };
            if (r.type === "azure-native:managedidentity:FederatedIdentityCredential" && edited.credential++ === 0) return { ...r, inputs: { ...r.inputs, subject: "system:serviceaccount:velero:*" } };
            if (r.type === "azure-native:authorization:RoleAssignment" && edited.assignment++ === 0) return { ...r, inputs: { ...r.inputs, scope: r.inputs.scope.replace(/\/providers\/.*$/, "") } };
            return r;
        });
        assert.ok(edited.grant > 0 && edited.trust > 0 && edited.credential > 0 && edited.assignment > 0, JSON.stringify(edited));
        const found = mandatory(await runPack(broken, { config: "prod" }));
        const count = (policy: string) => found.filter((m) => m.startsWith(`[mandatory] ${policy}:`)).length;
        assert.deepEqual([...new Set(found.map((m) => m.split(":")[0]))].sort(), [
            "[mandatory] azure-federated-credential-pinned",
            "[mandatory] azure-role-assignment-scoped",
            "[mandatory] iam-kms-grant-for-aws-resource",
            "[mandatory] iam-web-identity-trust-pinned",
        ]);
        assert.equal(count("iam-kms-grant-for-aws-resource"), edited.grant, "every grant statement that lost its condition");
        assert.equal(count("iam-web-identity-trust-pinned"), edited.trust, "every trust that lost its subject pin");
    });

    it("the wrong pack config for a stack is itself a mandatory violation", async () => {
        const result = await runPack(evaluations.prod!.resources, { config: "dev" });
        assert.deepEqual(mandatory(result).map((m) => m.split(":")[0]), ["[mandatory] policy-environment-matches-stack"]);
    });

    for (const env of ["dev", "prod"] as const) {
        it(`${env} preview (unknown ids): zero mandatory violations and no rule gives up`, async () => {
            const preview = await stackPreview(env);
            const result = await runPack(preview.resources, { config: env });
            assert.deepEqual(mandatory(result), []);
            const gaveUp = result.violations.filter((v) => v.message.startsWith("can't run")).map(formatViolation);
            assert.deepEqual(gaveUp, []);
            assert.deepEqual(MUST_APPLY.filter((name) => !(result.applied[name] > 0)), []);
        });
    }
});
