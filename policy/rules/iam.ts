/**
 * Identities at preview time: the least-privilege rules that need no action catalogue and no
 * simulator (those run in the test suite, tests/iam/). A policy document that embeds a value only
 * known after deploy (an ARN) is unknown as a whole during a first preview: it is checked on the
 * next preview, and by the test suite, never reported as a violation it may not be.
 */
import { MANDATORY, forTypes, resourceRule } from "../lib/guardrail";
import { Props, isUnknown, known, knownArray, label } from "../lib/values";

interface Statement {
    Sid?: string;
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Principal?: "*" | Record<string, string | string[]>;
    Condition?: Record<string, Record<string, unknown>>;
}

const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** The statements of a JSON policy document, or undefined when it is unknown or not a document. */
function statementsOf(document: unknown): Statement[] | undefined {
    if (typeof document !== "string") return undefined;
    try {
        const parsed = JSON.parse(document);
        return Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : undefined;
    } catch {
        return undefined;
    }
}

const describeStatement = (s: Statement, i: number) => `statement ${s.Sid ?? i}`;

function matchesAction(pattern: string, action: string): boolean {
    const source = pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("");
    return new RegExp(`^${source}$`, "i").test(action);
}

/** Whether an Allow statement grants `action` (directly, by a wildcard, or by a NotAction that leaves it in). */
function grants(statement: Statement, action: string): boolean {
    if (statement.Effect !== "Allow") return false;
    if (statement.NotAction !== undefined) return !list(statement.NotAction).some((p) => matchesAction(p, action));
    return list(statement.Action).some((p) => matchesAction(p, action));
}

/** The value of a condition key under an operator, matching the key case-insensitively as IAM does. */
function conditionValue(statement: Statement, operator: string, key: string): string[] {
    const block = statement.Condition?.[operator] ?? {};
    const entry = Object.entries(block).find(([k]) => k.toLowerCase() === key.toLowerCase());
    return entry ? list(entry[1]) : [];
}

const ACCOUNT_ROOT = /^(arn:[a-z-]+:iam::)?\d{12}(:root)?$/;

// ---- KMS grants -------------------------------------------------------------------------

const IDENTITY_POLICY_TYPES = [
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
];
const KEY_POLICY_TYPES = ["aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"];

function documentsOf(type: string, props: Props): unknown[] {
    if (type === "aws:iam/role:Role") return knownArray<Props>(() => props.inlinePolicies).map((p) => known(() => p.policy));
    return [known(() => props.policy)];
}

export const kmsGrantsForAwsResources = resourceRule({
    name: "iam-kms-grant-for-aws-resource",
    description:
        "An identity or key policy that allows kms:CreateGrant (by name or wildcard) conditions it on Bool kms:GrantIsForAWSResource \"true\": " +
        "only AWS services acting for the caller (EBS attaching a volume) may create grants, so the key cannot be handed to another principal.",
    levels: MANDATORY,
    remediationSteps:
        "Put the grant actions (kms:CreateGrant, kms:ListGrants, kms:RevokeGrant) in their own statement with " +
        "Condition: { Bool: { \"kms:GrantIsForAWSResource\": \"true\" } } (see components/aws/permissions.ts, block-storage).",
    validateResource: forTypes([...IDENTITY_POLICY_TYPES, "aws:iam/role:Role", ...KEY_POLICY_TYPES], (args, report) => {
        const key = KEY_POLICY_TYPES.includes(args.type);
        for (const document of documentsOf(args.type, args.props)) {
            for (const [i, statement] of (statementsOf(document) ?? []).entries()) {
                if (!grants(statement, "kms:CreateGrant")) continue;
                // In a key policy, the account itself delegates to IAM policies, which this rule checks.
                const principal = statement.Principal;
                if (key && principal !== "*" && principal && Object.values(principal).flatMap(list).every((p) => ACCOUNT_ROOT.test(p))) continue;
                if (!conditionValue(statement, "Bool", "kms:GrantIsForAWSResource").includes("true")) {
                    report(`${label(args)}: ${describeStatement(statement, i)} allows kms:CreateGrant without Bool kms:GrantIsForAWSResource "true".`);
                }
            }
        }
    }),
});

// ---- Web-identity trusts ----------------------------------------------------------------

export const webIdentityTrustPinned = resourceRule({
    name: "iam-web-identity-trust-pinned",
    description:
        "A role trust never names every principal (\"*\"), and each statement that trusts an OIDC provider pins, with StringEquals, " +
        "<issuer>:sub and <issuer>:aud to exactly one value each, without wildcards: one ServiceAccount, one audience.",
    levels: MANDATORY,
    remediationSteps: "Build the trust with webIdentityTrust() in components/aws/irsa.ts.",
    validateResource: forTypes(["aws:iam/role:Role"], (args, report) => {
        for (const [i, statement] of (statementsOf(known(() => args.props.assumeRolePolicy)) ?? []).entries()) {
            if (statement.Effect !== "Allow") continue;
            const where = `${label(args)}: ${describeStatement(statement, i)}`;
            const principal = statement.Principal ?? {};
            if (principal === "*" || list((principal as Record<string, unknown>).AWS).includes("*")) report(`${where} trusts every principal ("*").`);
            const federated = principal === "*" ? [] : list(principal.Federated);
            for (const provider of federated) {
                const issuer = /:oidc-provider\/(.+)$/.exec(provider)?.[1];
                if (!issuer) continue;
                for (const claim of ["sub", "aud"]) {
                    const values = conditionValue(statement, "StringEquals", `${issuer}:${claim}`);
                    if (values.length !== 1) report(`${where} does not pin ${issuer}:${claim} to exactly one value with StringEquals.`);
                    else if (/[*?]/.test(values[0])) report(`${where} pins ${issuer}:${claim} to a wildcard (${values[0]}).`);
                }
            }
        }
    }),
});

// ---- Azure ----------------------------------------------------------------------------------

export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export const federatedCredentialPinned = resourceRule({
    name: "azure-federated-credential-pinned",
    description:
        `An Azure federated identity credential names one issuer and one exact subject (no claimsMatchingExpression, no wildcard) ` +
        `and accepts only the audience ${TOKEN_EXCHANGE_AUDIENCE}.`,
    levels: MANDATORY,
    remediationSteps: "Set issuer to the cluster's OIDC issuer URL, subject to system:serviceaccount:<namespace>:<name>, audiences to [\"api://AzureADTokenExchange\"].",
    validateResource: forTypes(["azure-native:managedidentity:FederatedIdentityCredential"], (args, report) => {
        // A value computed by the cloud (the cluster's issuer URL) is unknown in a first preview: not a violation.
        const check = (property: string, valid: (value: unknown) => boolean, expected: string) => {
            if (isUnknown(() => args.props[property])) return;
            const value = args.props[property];
            if (!valid(value)) report(`${label(args)}: ${property} must be ${expected}, not ${JSON.stringify(value)}.`);
        };
        if (known(() => args.props.claimsMatchingExpression) !== undefined) report(`${label(args)}: claimsMatchingExpression matches many subjects; name one subject.`);
        check("subject", (v) => typeof v === "string" && v !== "" && !/[*?]/.test(v), "one exact subject");
        check("issuer", (v) => typeof v === "string" && /^https:\/\/\S+$/.test(v), "one https URL");
        check("audiences", (v) => JSON.stringify(v) === JSON.stringify([TOKEN_EXCHANGE_AUDIENCE]), `exactly ["${TOKEN_EXCHANGE_AUDIENCE}"]`);
    }),
});

/** Built-in roles that can do everything or grant access: no assignment in this program needs one. */
export const PRIVILEGED_ROLES: Record<string, string> = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

export const roleAssignmentScoped = resourceRule({
    name: "azure-role-assignment-scoped",
    description:
        "An Azure role assignment is scoped to a resource (its id has /providers/), never a subscription or resource group, " +
        "and never assigns Owner, Contributor, User Access Administrator or Role Based Access Control Administrator.",
    levels: MANDATORY,
    remediationSteps: "Assign the narrowest built-in role on the resource itself (see components/azure/role-assignments.ts).",
    validateResource: forTypes(["azure-native:authorization:RoleAssignment"], (args, report) => {
        const scope = known(() => args.props.scope);
        if (typeof scope === "string" && !/\/providers\//i.test(scope)) report(`${label(args)}: scope ${scope} is a subscription or resource group, not a resource.`);
        const roleDefinitionId = known(() => args.props.roleDefinitionId);
        const role = typeof roleDefinitionId === "string" ? PRIVILEGED_ROLES[roleDefinitionId.split("/").pop()!.toLowerCase()] : undefined;
        if (role) report(`${label(args)}: assigns ${role}, which can do everything or grant access.`);
    }),
});

export const iamRules = [kmsGrantsForAwsResources, webIdentityTrustPinned, federatedCredentialPinned, roleAssignmentScoped];
