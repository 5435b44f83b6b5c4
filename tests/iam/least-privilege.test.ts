/**
 * Least privilege, proven for the dev and prod stacks: every IAM policy document the program
 * declares is checked against AWS's action catalogue and evaluated by an IAM simulator; every
 * Azure role assignment and federated credential against Azure's built-in roles. What each check
 * catches is shown on deliberately broken policies in defects.test.ts.
 */
import { strict as assert } from "assert";
import { Evaluation } from "../../commands/offline/harness";
import { AwsReport, awsLeastPrivilege, formatFindings } from "../support/iam/aws-checks";
import { AwsModel, awsModel } from "../support/iam/aws-model";
import { AzureReport, azureLeastPrivilege } from "../support/iam/azure-checks";
import { stackEvaluation } from "../support/stacks";

const ENVIRONMENTS = ["dev", "prod"] as const;

/** The workload identities (IRSA) and their ServiceAccounts, so a lost role cannot pass unnoticed. */
const WEB_IDENTITY_ROLES = [
    "pair-aws-vpc-cni-irsa",
    "pair-aws-ebs-csi-irsa",
    "pair-aws-platform-cert-manager-irsa",
    "pair-aws-platform-external-dns-irsa",
    "pair-aws-platform-vault-unseal-irsa",
    "pair-aws-platform-cluster-autoscaler-identity-irsa",
    "pair-aws-platform-velero-backup-irsa",
    "pair-aws-backup-reader-azure-irsa",
    "pair-aws-database-archive-irsa",
    "pair-aws-database-pitr-irsa",
    "pair-aws-archive-reader-azure-irsa",
    "global-name-challenge-role",
];

for (const env of ENVIRONMENTS) {
    describe(`least privilege (${env})`, function () {
        this.timeout(120_000);
        let ev: Evaluation;
        let model: AwsModel;
        let aws: AwsReport;
        let azure: AzureReport;
        before(async () => {
            ev = await stackEvaluation(env);
            model = awsModel(ev);
            aws = await awsLeastPrivilege(model);
            azure = azureLeastPrivilege(ev);
        });

        it("models every AWS policy document the stack declares, with nothing left unresolved", () => {
            assert.deepEqual(formatFindings(aws.model), []);
            const roles = model.roles.map((r) => r.name);
            assert.deepEqual(WEB_IDENTITY_ROLES.filter((r) => !roles.includes(r)), [], "every workload identity is in the model");
            for (const role of model.roles) assert.ok(role.declared.length + role.managed.length > 0, `${role.name} has permissions`);
            assert.ok(model.buckets.every((b) => b.policy), "every bucket has its bucket policy");
            assert.equal(model.documents.length, model.roles.length + model.roles.reduce((n, r) => n + r.declared.length, 0) + model.buckets.length + model.keys.filter((k) => k.policy).length);
        });

        it("uses only actions, wildcards, condition keys and operators of AWS's catalogue, on resources of the right shape, nothing scopable on *", () => {
            assert.deepEqual(formatFindings(aws.catalogue), []);
        });

        it("makes every statement live and every role bounded: siblings, other accounts, violated conditions and dangerous requests are denied", () => {
            assert.deepEqual(formatFindings(aws.roles), []);
            // Every Allow statement of a declared policy proved at least one request.
            const statements = model.roles.flatMap((r) => r.declared.flatMap((d) => d.document.Statement.filter((s) => s.Effect === "Allow")));
            assert.ok(aws.live.length >= statements.length, `${aws.live.length} live requests for ${statements.length} statements`);
        });

        it("pins every web-identity trust to one ServiceAccount and audience, no wildcard, no * principal; nobody else may assume a role", () => {
            assert.deepEqual(formatFindings(aws.trust), []);
        });

        it("assigns on Azure only pinned built-in roles suited to the resource, never a privileged one", () => {
            assert.deepEqual(formatFindings(azure.roles), []);
            assert.ok(ev.ofType("azure-native:authorization:RoleAssignment").length >= 7);
        });

        it("scopes every Azure role assignment to the narrowest declared resource", () => {
            assert.deepEqual(formatFindings(azure.scopes), []);
        });

        it("federates every Azure identity with exactly one issuer of the stack, one ServiceAccount and the token-exchange audience", () => {
            assert.deepEqual(formatFindings(azure.federation), []);
            assert.ok(ev.ofType("azure-native:managedidentity:FederatedIdentityCredential").length >= 5);
        });
    });
}
