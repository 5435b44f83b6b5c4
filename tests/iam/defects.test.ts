/**
 * Each least-privilege check catches its defect: the prod stack's real policies, each broken in
 * one deliberate way, must produce the finding that names it (and the unbroken ones none, see
 * least-privilege.test.ts).
 */
import { strict as assert } from "assert";
import { Evaluation, RecordedResource, UNKNOWN } from "../../commands/offline/harness";
import { Check, Finding, catalogueFindings, formatFindings, resourcePolicyFindings, roleFindings, trustFindings } from "../support/iam/aws-checks";
import { AwsModel, AwsRole, Statement, awsModel } from "../support/iam/aws-model";
import { azureLeastPrivilege } from "../support/iam/azure-checks";
import { stackEvaluation } from "../support/stacks";

const VELERO = "pair-aws-platform-velero-backup-irsa";
const EBS = "pair-aws-ebs-csi-irsa";
const UNSEAL = "pair-aws-platform-vault-unseal-irsa";
const CERT_MANAGER = "pair-aws-platform-cert-manager-irsa";
const AUTOSCALER = "pair-aws-platform-cluster-autoscaler-identity-irsa";

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const roleOf = (model: AwsModel, name: string): AwsRole => model.roles.find((r) => r.name === name)!;
const statementOf = (role: AwsRole, sid: string): Statement => role.declared.flatMap((d) => d.document.Statement).find((s) => s.Sid === sid)!;
const issuerKey = (statement: Statement, claim: string) => Object.keys(statement.Condition!.StringEquals).find((k) => k.endsWith(`:${claim}`))!;

/** Every finding about one role: its documents against the catalogue, its bounds, its trust. */
async function findingsFor(model: AwsModel, name: string): Promise<Finding[]> {
    const role = roleOf(model, name);
    return [
        ...(await Promise.all([role.trust, ...role.declared].map(catalogueFindings))).flat(),
        ...(await roleFindings(model, role)).findings,
        ...trustFindings(role),
    ];
}

function expectFinding(findings: Finding[], check: Check, pattern: RegExp) {
    assert.ok(findings.some((f) => f.check === check && pattern.test(f.message)), `expected a ${check} finding matching ${pattern}, got:\n${formatFindings(findings).join("\n")}`);
}

interface AwsDefect {
    defect: string;
    role: string;
    breakIt: (role: AwsRole, model: AwsModel) => void;
    check: Check;
    finding: RegExp;
}

const AWS_DEFECTS: AwsDefect[] = [
    {
        defect: "a misspelled action",
        role: UNSEAL,
        breakIt: (role) => { statementOf(role, "UnsealKey").Action = ["kms:Encrypt", "kms:Decrpyt", "kms:DescribeKey"]; },
        check: "catalogue",
        finding: /kms:Decrpyt is not an action in AWS's catalogue/,
    },
    {
        defect: "a wildcard that matches no action",
        role: VELERO,
        breakIt: (role) => { statementOf(role, "BackupObjects").Action = ["s3:Gett*"]; },
        check: "catalogue",
        finding: /s3:Gett\* matches no action/,
    },
    {
        defect: "a web-identity trust without sub",
        role: VELERO,
        breakIt: (role) => { const s = role.trust.document.Statement[0]; delete (s.Condition!.StringEquals as Record<string, unknown>)[issuerKey(s, "sub")]; },
        check: "trust",
        finding: /must pin .*:sub to exactly one value \(found 0\)/,
    },
    {
        defect: "a web-identity trust whose sub is a wildcard",
        role: VELERO,
        breakIt: (role) => {
            const s = role.trust.document.Statement[0];
            const key = issuerKey(s, "sub");
            s.Condition!.StringEquals[key] = "system:serviceaccount:velero:*";
        },
        check: "trust",
        finding: /:sub system:serviceaccount:velero:\* has a wildcard/,
    },
    {
        defect: "a trust open to every principal",
        role: EBS,
        breakIt: (role) => { role.trust.document.Statement.push({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }); },
        check: "trust",
        finding: /trusts every principal|another account .* may assume the role/,
    },
    {
        defect: "s3:PutObject on *",
        role: VELERO,
        breakIt: (role) => { role.declared[0].document.Statement.push({ Sid: "Anywhere", Effect: "Allow", Action: "s3:PutObject", Resource: "*" }); },
        check: "catalogue",
        finding: /s3:PutObject supports resource-level permissions .* but is granted on "\*" without a condition/,
    },
    {
        defect: "objects of every bucket (a wildcard bucket name)",
        role: "pair-aws-backup-reader-azure-irsa",
        breakIt: (role) => { statementOf(role, "ReadBackupObjects").Resource = ["arn:aws:s3:::*/*"]; },
        check: "bounded",
        finding: /a sibling resource is reachable: s3:GetObject on arn:aws:s3:::pair-aws-[a-z-]+-[a-z0-9]+-sibling\/sample/,
    },
    {
        defect: "a condition key typo",
        role: EBS,
        breakIt: (role) => { statementOf(role, "EbsKeyGrantsForAwsResources").Condition = { Bool: { "kms:GrantIsForAWSResourc": "true" } }; },
        check: "catalogue",
        finding: /kms:GrantIsForAWSResourc is not a condition key/,
    },
    {
        defect: "a KMS grant without the AWS-resource condition",
        role: EBS,
        breakIt: (role) => { delete statementOf(role, "EbsKeyGrantsForAwsResources").Condition; },
        check: "bounded",
        finding: /may kms:CreateGrant on arn:aws:kms:.*"kms:GranteePrincipal":"arn:aws:iam::999999999999:root","kms:GrantIsForAWSResource":"false"/,
    },
    {
        defect: "an operator that does not exist",
        role: EBS,
        breakIt: (role) => { statementOf(role, "EbsKeyGrantsForAwsResources").Condition = { Boolean: { "kms:GrantIsForAWSResource": "true" } }; },
        check: "catalogue",
        finding: /Boolean is not an IAM condition operator/,
    },
    {
        defect: "a multivalued key without a set operator",
        role: CERT_MANAGER,
        breakIt: (role) => {
            const s = statementOf(role, "ChangeAcmeChallengeTxtOnly");
            s.Condition = { StringEquals: { "route53:ChangeResourceRecordSetsRecordTypes": "TXT" } };
        },
        check: "catalogue",
        finding: /an ArrayOfString key needs ForAllValues: or ForAnyValue:/,
    },
    {
        defect: "a condition that lets everything through",
        role: AUTOSCALER,
        breakIt: (role) => {
            const s = statementOf(role, "ScaleOwnNodeGroups");
            s.Condition = { StringLike: { "aws:ResourceTag/k8s.io/cluster-autoscaler/finplat-prod-eks": "*" } };
        },
        check: "bounded",
        finding: /violating StringLike aws:ResourceTag\/k8s.io\/cluster-autoscaler\/finplat-prod-eks still allows autoscaling:SetDesiredCapacity/,
    },
    {
        defect: "a resource of the wrong shape (a bucket for a KMS action)",
        role: UNSEAL,
        breakIt: (role, model) => { statementOf(role, "UnsealKey").Resource = [model.buckets[0].arn]; },
        check: "catalogue",
        finding: /has the shape of no resource type of kms:Encrypt, kms:Decrypt, kms:DescribeKey/,
    },
    {
        defect: "a dead statement (a key the policy cannot use)",
        role: UNSEAL,
        breakIt: (role) => { statementOf(role, "UnsealKey").Condition = { StringEquals: { "kms:CallerAccount": "999999999999" } }; },
        check: "live",
        finding: /kms:Encrypt is allowed on none of/,
    },
    {
        defect: "a dangerous grant (PassRole on every role)",
        role: CERT_MANAGER,
        breakIt: (role) => { role.declared[0].document.Statement.push({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::*:role/*" }); },
        check: "bounded",
        finding: /may iam:PassRole on arn:aws:iam::123456789012:role\//,
    },
    {
        defect: "another account in a trust",
        role: UNSEAL,
        breakIt: (role) => { role.trust.document.Statement.push({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" }); },
        check: "trust",
        finding: /another account \(arn:aws:iam::999999999999:root\) may assume the role/,
    },
    {
        defect: "the account itself in a trust (every role of the account may assume it)",
        role: UNSEAL,
        breakIt: (role, model) => { role.trust.document.Statement.push({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${model.account}:root` }, Action: "sts:AssumeRole" }); },
        check: "trust",
        finding: /another role of the account \(arn:aws:iam::123456789012:role\/any-role\) may assume the role/,
    },
];

describe("each least-privilege check catches its defect (prod policies, broken on purpose)", function () {
    this.timeout(60_000);
    let ev: Evaluation;
    let model: AwsModel;
    before(async () => {
        ev = await stackEvaluation("prod");
        model = awsModel(ev);
    });

    it("the unbroken roles these cases start from have no finding", async () => {
        for (const name of new Set(AWS_DEFECTS.map((d) => d.role))) assert.deepEqual(formatFindings(await findingsFor(model, name)), [], name);
    });

    for (const defect of AWS_DEFECTS) {
        it(`AWS: ${defect.defect} (${defect.check})`, async () => {
            const broken = clone(model);
            defect.breakIt(roleOf(broken, defect.role), broken);
            expectFinding(await findingsFor(broken, defect.role), defect.check, defect.finding);
        });
    }

    it("AWS: encryption-context conditions are evaluated, not dropped (the simulator's own filter drops kms:EncryptionContext:aws:s3:arn)", async () => {
        const changed = clone(model);
        const bucket = changed.buckets[0].arn;
        const encryption = statementOf(roleOf(changed, VELERO), "BackupEncryption");
        // kms:DescribeKey carries no encryption context: with it, the statement would be (rightly) reported dead.
        encryption.Action = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"];
        encryption.Condition = { StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket, `${bucket}/*`] } };
        // Live with the context S3 sends, denied for another bucket's context.
        assert.deepEqual(formatFindings(await findingsFor(changed, VELERO)), []);
        statementOf(roleOf(changed, VELERO), "BackupEncryption").Condition = { StringLike: { "kms:EncryptionContext:aws:s3:arn": "*" } };
        expectFinding(await findingsFor(changed, VELERO), "bounded", /violating StringLike kms:EncryptionContext:aws:s3:arn still allows kms:Encrypt/);
    });

    it("AWS: a bucket policy that allows everyone", async () => {
        const broken = clone(model);
        broken.buckets[0].policy!.document.Statement.push({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${broken.buckets[0].arn}/*` });
        expectFinding(await resourcePolicyFindings(broken), "bounded", /allows every principal/);
    });

    it("AWS: a policy holding a value only known after deploy is reported, not skipped", () => {
        const resources = clone(ev.resources).map((r: RecordedResource) =>
            r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === UNSEAL ? { ...r, inputs: { ...r.inputs, policy: r.inputs.policy.replace(/arn:aws:kms:[^"]+/, UNKNOWN) } } : r);
        const problems = awsModel(new Evaluation(resources, {}, [])).problems;
        assert.ok(problems.some((p) => /RolePolicy pair-aws-platform-vault-unseal-irsa \(policy\): holds a value only known after deploy/.test(p)), problems.join("\n"));
    });

    it("AWS: an AWS-managed policy that is not pinned is reported", () => {
        const resources = clone(ev.resources).map((r: RecordedResource) =>
            r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.name.startsWith("pair-aws-node-AmazonEKSWorkerNodePolicy") ? { ...r, inputs: { ...r.inputs, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } } : r);
        const problems = awsModel(new Evaluation(resources, {}, [])).problems;
        assert.ok(problems.some((p) => /attaches arn:aws:iam::aws:policy\/AdministratorAccess, which is neither declared here nor pinned/.test(p)), problems.join("\n"));
    });

    describe("Azure", () => {
        const ROLE = "azure-native:authorization:RoleAssignment";
        const FIC = "azure-native:managedidentity:FederatedIdentityCredential";
        const roleId = (guid: string) => `/subscriptions/00000000-1111-2222-3333-444444444444/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

        /** The prod evaluation with one resource's inputs changed. */
        function broken(type: string, name: string, change: (inputs: Record<string, any>) => Record<string, any>): Evaluation {
            const resources = clone(ev.resources).map((r: RecordedResource) => (r.type === type && r.name === name ? { ...r, inputs: change(r.inputs) } : r));
            assert.ok(resources.some((r) => r.type === type && r.name === name), `${type} ${name} exists`);
            return new Evaluation(resources, {}, []);
        }
        const container = () => ev.named(ROLE, "pair-azure-platform-velero-backup-storageBlobDataContributor").inputs.scope as string;

        const cases: { defect: string; ev: () => Evaluation; report: "roles" | "scopes" | "federation"; finding: RegExp }[] = [
            {
                defect: "Contributor on the resource group",
                ev: () => broken(ROLE, "pair-azure-platform-vault-unseal-keyVaultCryptoServiceEncryptionUser", (i) => ({ ...i, roleDefinitionId: roleId("b24988ac-6180-42a0-ab88-20f7382dd24c"), scope: i.scope.split("/providers/")[0] })),
                report: "scopes",
                finding: /is a subscription or resource group, not a resource/,
            },
            {
                defect: "Owner (a privileged role) on a key",
                ev: () => broken(ROLE, "pair-azure-platform-vault-unseal-keyVaultCryptoServiceEncryptionUser", (i) => ({ ...i, roleDefinitionId: roleId("8e3af657-a8ff-443c-a75c-2fe8c4bcb635") })),
                report: "roles",
                finding: /Owner grants every action, role assignments included/,
            },
            {
                defect: "a role that is not a pinned built-in role",
                ev: () => broken(ROLE, "pair-azure-platform-external-dns-dnsZoneContributor", (i) => ({ ...i, roleDefinitionId: roleId("11111111-2222-3333-4444-555555555555") })),
                report: "roles",
                finding: /is not a built-in role pinned/,
            },
            {
                defect: "a role about another kind of resource (DNS Zone Contributor on a blob container)",
                ev: () => broken(ROLE, "pair-azure-platform-external-dns-dnsZoneContributor", (i) => ({ ...i, scope: container() })),
                report: "roles",
                finding: /DNS Zone Contributor grants nothing on a microsoft\.storage\/storageaccounts\/blobservices\/containers/,
            },
            {
                defect: "a blob role on the storage account instead of the container",
                ev: () => broken(ROLE, "pair-azure-platform-velero-backup-storageBlobDataContributor", (i) => ({ ...i, scope: i.scope.split("/blobServices/")[0] })),
                report: "scopes",
                finding: /Storage Blob Data Contributor on .*storageAccounts\/[a-z0-9]+ also reaches azure-native:storage:BlobContainer/,
            },
            {
                defect: "a key role on the vault instead of the key",
                ev: () => broken(ROLE, "pair-azure-platform-vault-unseal-keyVaultCryptoServiceEncryptionUser", (i) => ({ ...i, scope: i.scope.split("/keys/")[0] })),
                report: "scopes",
                finding: /Key Vault Crypto Service Encryption User on .*vaults\/[a-z0-9-]+ also reaches azure-native:keyvault:Key/,
            },
            {
                defect: "a federated credential for every ServiceAccount of a namespace",
                ev: () => broken(FIC, "pair-azure-platform-velero-backup-fic", (i) => ({ ...i, subject: "system:serviceaccount:velero:*" })),
                report: "federation",
                finding: /subject must be exactly one ServiceAccount/,
            },
            {
                defect: "a federated credential with a second audience",
                ev: () => broken(FIC, "pair-azure-platform-velero-backup-fic", (i) => ({ ...i, audiences: ["api://AzureADTokenExchange", "sts.amazonaws.com"] })),
                report: "federation",
                finding: /audiences must be exactly \["api:\/\/AzureADTokenExchange"\]/,
            },
            {
                defect: "a federated credential trusting an issuer that is no cluster of the stack",
                ev: () => broken(FIC, "pair-azure-platform-cert-manager-fic", (i) => ({ ...i, issuer: "https://token.actions.githubusercontent.com" })),
                report: "federation",
                finding: /issuer https:\/\/token\.actions\.githubusercontent\.com is no cluster of the stack/,
            },
        ];
        for (const c of cases) {
            it(`Azure: ${c.defect} (${c.report})`, () => {
                const findings = azureLeastPrivilege(c.ev())[c.report];
                assert.ok(findings.some((f) => c.finding.test(f.message)), `expected ${c.finding}, got:\n${formatFindings(findings).join("\n")}`);
            });
        }
    });
});
