/**
 * Every AWS policy document a stack evaluation declares, found generically from the recorded
 * resources and tied to what it governs: roles (trust policy, inline policies, attached managed
 * policies), buckets (bucket policies) and KMS keys (key policies, or KMS's default one).
 *
 * Values only a cloud knows (ARNs, names, ids) come from the offline fake cloud, which returns
 * realistic ones (commands/offline/fake-cloud.ts). Anything the model cannot resolve (a value
 * still unknown, a role or bucket it cannot find, an AWS-managed policy that is not pinned, a
 * policy-bearing property of a type it does not know) is listed in `problems`, never skipped.
 */
import * as fs from "fs";
import { Evaluation, RecordedResource, UNKNOWN } from "../../../commands/offline/harness";
import { AWS_MANAGED_FILE, AwsManagedPolicy } from "../../../tools/iam-reference-data";

export type Values = string | string[];

export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action?: Values;
    NotAction?: Values;
    Resource?: Values;
    NotResource?: Values;
    Principal?: "*" | Record<string, Values>;
    NotPrincipal?: "*" | Record<string, Values>;
    Condition?: Record<string, Record<string, Values | boolean>>;
}

export interface PolicyDocument {
    Version?: string;
    Id?: string;
    Statement: Statement[];
}

export type PolicyKind = "identity" | "trust" | "resource";

/** A policy document the program declares, with where it was declared. */
export interface DeclaredPolicy {
    /** e.g. `aws:iam/rolePolicy:RolePolicy pair-aws-ebs-csi-irsa`. */
    where: string;
    kind: PolicyKind;
    document: PolicyDocument;
}

export interface AwsRole {
    /** The role resource's logical name. */
    name: string;
    arn: string;
    trust: DeclaredPolicy;
    /** Inline and customer-managed policies the program declares for the role. */
    declared: DeclaredPolicy[];
    /** AWS-managed policies attached to the role, from the pinned copies. */
    managed: AwsManagedPolicy[];
}

export interface GovernedResource {
    arn: string;
    /** Its resource policy (a bucket policy, a key policy), if it has one. */
    policy?: DeclaredPolicy;
}

export interface AwsModel {
    account: string;
    partition: string;
    roles: AwsRole[];
    buckets: GovernedResource[];
    keys: GovernedResource[];
    /** Every declared document, roles' and resources' alike, for the catalogue checks. */
    documents: DeclaredPolicy[];
    /** What could not be modelled; each entry names the resource and the reason. */
    problems: string[];
}

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment";
const MANAGED_POLICY = "aws:iam/policy:Policy";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const KEY = "aws:kms/key:Key";
const KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";

/** Where each type keeps its policy documents; any other policy-shaped property is a problem. */
const POLICY_PROPERTIES: Record<string, string[]> = {
    [ROLE]: ["assumeRolePolicy", "inlinePolicies"],
    [ROLE_POLICY]: ["policy"],
    [MANAGED_POLICY]: ["policy"],
    [BUCKET_POLICY]: ["policy"],
    [KEY]: ["policy"],
    [KEY_POLICY]: ["policy"],
};

let pinnedManaged: Map<string, AwsManagedPolicy> | undefined;
export function pinnedManagedPolicies(): Map<string, AwsManagedPolicy> {
    pinnedManaged ??= new Map(JSON.parse(fs.readFileSync(AWS_MANAGED_FILE, "utf8")).policies.map((p: AwsManagedPolicy) => [p.arn, p]));
    return pinnedManaged;
}

/** A document as IAM reads it: one statement or a list, each element one value or a list. */
export function normalizeDocument(raw: any): PolicyDocument {
    const statements = Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement];
    return { ...raw, Statement: statements };
}

export function asList(value: Values | undefined): string[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
    return typeof value === "string" && value.includes(UNKNOWN);
}

function looksLikePolicy(value: unknown): boolean {
    if (typeof value !== "string" || !value.trimStart().startsWith("{")) return false;
    try {
        return "Statement" in JSON.parse(value);
    } catch {
        return false;
    }
}

const label = (r: RecordedResource) => `${r.type} ${r.name}`;

export function awsModel(ev: Evaluation): AwsModel {
    const problems: string[] = [];
    const documents: DeclaredPolicy[] = [];
    const aws = ev.resources.filter((r) => r.type.startsWith("aws:"));

    const parse = (r: RecordedResource, property: string, kind: PolicyKind, text: unknown): DeclaredPolicy | undefined => {
        const where = `${label(r)} (${property})`;
        if (containsUnknown(text)) {
            problems.push(`${where}: holds a value only known after deploy; give its resource realistic outputs in commands/offline/fake-cloud.ts`);
            return undefined;
        }
        try {
            const declared = { where, kind, document: normalizeDocument(JSON.parse(String(text))) };
            documents.push(declared);
            return declared;
        } catch (err) {
            problems.push(`${where}: not a JSON policy document (${(err as Error).message})`);
            return undefined;
        }
    };

    // Policy documents on types the model does not know would go unchecked: name them.
    for (const r of aws) {
        for (const [property, value] of Object.entries(r.inputs)) {
            if (looksLikePolicy(value) && !(POLICY_PROPERTIES[r.type] ?? []).includes(property)) {
                problems.push(`${label(r)}: property ${property} holds a policy document the least-privilege model does not know; add the type to tests/support/iam/aws-model.ts`);
            }
        }
    }

    const roles = new Map<string, AwsRole>();
    const roleByName = new Map<string, AwsRole>();
    for (const r of ev.ofType(ROLE)) {
        const trust = parse(r, "assumeRolePolicy", "trust", r.inputs.assumeRolePolicy);
        const arn = r.outputs.arn;
        if (!trust || typeof arn !== "string") {
            if (typeof arn !== "string") problems.push(`${label(r)}: no ARN from the provider`);
            continue;
        }
        const role: AwsRole = { name: r.name, arn, trust, declared: [], managed: [] };
        for (const inline of r.inputs.inlinePolicies ?? []) {
            const declared = parse(r, `inlinePolicies ${inline.name}`, "identity", inline.policy);
            if (declared) role.declared.push(declared);
        }
        roles.set(r.urn, role);
        roleByName.set(String(r.outputs.name ?? r.inputs.name), role);
    }
    const roleNamed = (r: RecordedResource, name: unknown): AwsRole | undefined => {
        const role = roleByName.get(String(name));
        if (!role) problems.push(`${label(r)}: names role ${name}, which the stack does not declare`);
        return role;
    };

    for (const r of ev.ofType(ROLE_POLICY)) {
        const role = roleNamed(r, r.inputs.role);
        const declared = parse(r, "policy", "identity", r.inputs.policy);
        if (role && declared) role.declared.push(declared);
    }

    const customerManaged = new Map<string, DeclaredPolicy>();
    for (const r of ev.ofType(MANAGED_POLICY)) {
        const declared = parse(r, "policy", "identity", r.inputs.policy);
        if (declared && typeof r.outputs.arn === "string") customerManaged.set(r.outputs.arn, declared);
    }
    const attach = (r: RecordedResource, role: AwsRole | undefined, policyArn: string) => {
        if (!role) return;
        const declared = customerManaged.get(policyArn);
        const managed = pinnedManagedPolicies().get(policyArn);
        if (declared) role.declared.push(declared);
        else if (managed) role.managed.push(managed);
        else problems.push(`${label(r)}: attaches ${policyArn}, which is neither declared here nor pinned in tests/iam-data/aws-managed-policies.json`);
    };
    for (const r of ev.ofType(ROLE_ATTACHMENT)) attach(r, roleNamed(r, r.inputs.role), r.inputs.policyArn);
    for (const r of ev.ofType(POLICY_ATTACHMENT)) {
        for (const name of r.inputs.roles ?? []) attach(r, roleNamed(r, name), r.inputs.policyArn);
        if ((r.inputs.users ?? []).length + (r.inputs.groups ?? []).length > 0) problems.push(`${label(r)}: attaches to users or groups; workloads use roles`);
    }
    for (const r of ev.ofType(ROLE)) {
        for (const policyArn of r.inputs.managedPolicyArns ?? []) attach(r, roles.get(r.urn), policyArn);
    }

    const buckets = ev.ofType(BUCKET).map((r): GovernedResource & { name: string } => ({ name: String(r.outputs.bucket ?? r.id), arn: String(r.outputs.arn) }));
    for (const r of ev.ofType(BUCKET_POLICY)) {
        const bucket = buckets.find((b) => b.name === r.inputs.bucket);
        const declared = parse(r, "policy", "resource", r.inputs.policy);
        if (!bucket) problems.push(`${label(r)}: governs bucket ${r.inputs.bucket}, which the stack does not declare`);
        else if (declared) bucket.policy = declared;
    }

    const keys = ev.ofType(KEY).map((r): GovernedResource & { keyId: string } => ({
        keyId: String(r.outputs.keyId),
        arn: String(r.outputs.arn),
        policy: r.inputs.policy !== undefined ? parse(r, "policy", "resource", r.inputs.policy) : undefined,
    }));
    for (const r of ev.ofType(KEY_POLICY)) {
        const key = keys.find((k) => k.keyId === r.inputs.keyId || k.arn === r.inputs.keyId);
        const declared = parse(r, "policy", "resource", r.inputs.policy);
        if (!key) problems.push(`${label(r)}: governs key ${r.inputs.keyId}, which the stack does not declare`);
        else if (declared) key.policy = declared;
    }

    const account = ev.resources.map((r) => r.outputs.arn).find((arn) => typeof arn === "string" && /^arn:[^:]+:iam::\d{12}:/.test(arn))?.split(":")[4] ?? "";
    if (!account) problems.push("no IAM ARN to learn the account from");
    return {
        account,
        partition: "aws",
        roles: [...roles.values()],
        buckets: buckets.map(({ arn, policy }) => ({ arn, policy })),
        keys: keys.map(({ arn, policy }) => ({ arn, policy })),
        documents,
        problems,
    };
}
