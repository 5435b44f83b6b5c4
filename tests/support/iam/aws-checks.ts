/**
 * The least-privilege checks for AWS, over the model of a stack's policies (aws-model.ts):
 *
 *  - catalogue: every action exists and every wildcard matches one; every condition key exists,
 *    applies to one of the statement's actions, and its operator fits its type; every resource has
 *    the ARN shape of a resource type its actions act on; nothing scopable is granted on "*";
 *  - live: every Allow statement of a role allows at least one request on a resource it names
 *    (AWS's evaluation logic, by @cloud-copilot/iam-simulate);
 *  - bounded: the same requests on a sibling resource or another account's are denied, violating
 *    any one condition denies, and a fixed list of dangerous requests is denied;
 *  - trust: web-identity trusts pin aud and sub to one ServiceAccount, no wildcards, no "*" principal.
 *
 * Each finding names the policy, the statement and what is wrong; an empty list is a pass.
 */
import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import {
    CatalogueAction,
    arnFormatPattern,
    catalogueAction,
    catalogueConditionKey,
    concreteResource,
    expandAction,
    isReadOnly,
    resourceTypesNamedBy,
} from "./aws-catalogue";
import { Context, SAMPLE, operatorMismatch, parseOperator, satisfyingContext, violations } from "./aws-conditions";
import { AwsModel, AwsRole, DeclaredPolicy, PolicyDocument, Statement, asList } from "./aws-model";

export type Check = "model" | "catalogue" | "live" | "bounded" | "trust";

export interface Finding {
    check: Check;
    /** Policy and statement, e.g. `aws:iam/rolePolicy:RolePolicy x (policy) statement EbsKey`. */
    where: string;
    message: string;
}

/** An account the stack never uses: "another account" in the bounds. */
export const FOREIGN_ACCOUNT = "999999999999";
const REGION = "us-east-1";

/**
 * Resource types whose ids are per-request tokens, so no policy can name one in advance:
 * `arn:aws:route53:::change/*` is the narrowest grant AWS allows (and a change id reveals nothing).
 */
const UNNAMEABLE_RESOURCE_TYPES = new Set(["route53:change"]);

/** Web-identity condition keys (`<issuer host/path>:<claim>`) IAM evaluates for OIDC providers. */
const WEB_IDENTITY_CLAIMS = ["sub", "aud", "amr", "azp", "oaud"];
const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const TAG_KEY_PREFIXES = ["aws:resourcetag/", "aws:requesttag/", "aws:tagkeys"];

const statementLabel = (policy: DeclaredPolicy, statement: Statement, index: number) =>
    `${policy.where} statement ${statement.Sid ?? index}`;

function principals(statement: Statement, kind: string): string[] {
    const principal = statement.Principal;
    if (principal === undefined || principal === "*") return [];
    return asList(principal[kind]);
}

function everyoneMayAct(statement: Statement): boolean {
    return statement.Principal === "*" || principals(statement, "AWS").includes("*");
}

/** Issuer host/path of an IAM OIDC provider ARN. */
function oidcIssuer(providerArn: string): string | undefined {
    return /^arn:[a-z-]+:iam::\d{12}:oidc-provider\/(.+)$/.exec(providerArn)?.[1];
}

function keyPattern(catalogueKey: string): RegExp {
    const source = catalogueKey.toLowerCase().split(/\$\{[^}]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".+");
    return new RegExp(`^${source}$`);
}

async function expandAll(patterns: string[]): Promise<{ pattern: string; actions: CatalogueAction[] }[]> {
    return Promise.all(patterns.map(async (pattern) => {
        const names = pattern === "*" ? [] : await expandAction(pattern);
        const actions = (await Promise.all(names.map((n) => catalogueAction(n)))).filter((a): a is CatalogueAction => !!a);
        return { pattern, actions };
    }));
}

// ---------------------------------------------------------------- catalogue ----

/** Actions, wildcards, condition keys and operators, resource shapes and scoping of one document. */
export async function catalogueFindings(policy: DeclaredPolicy): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const [index, statement] of policy.document.Statement.entries()) {
        const where = statementLabel(policy, statement, index);
        const add = (message: string) => findings.push({ check: "catalogue", where, message });
        const allow = statement.Effect === "Allow";
        if (statement.Effect !== "Allow" && statement.Effect !== "Deny") add(`Effect must be Allow or Deny, not ${statement.Effect}`);
        if (allow && (statement.NotAction || statement.NotResource || statement.NotPrincipal)) {
            add("an Allow with NotAction, NotResource or NotPrincipal grants everything it does not name");
        }
        if (policy.kind === "identity" && (statement.Principal || statement.NotPrincipal)) add("an identity policy names no Principal");
        if (policy.kind !== "identity" && !statement.Principal && !statement.NotPrincipal) add(`a ${policy.kind} policy statement needs a Principal`);

        const patterns = asList(statement.Action ?? statement.NotAction);
        if (patterns.length === 0) add("no Action");
        const expanded = await expandAll(patterns);
        for (const { pattern, actions } of expanded) {
            if (pattern === "*") {
                if (allow) add(`grants every action ("*")`);
            } else if (actions.length === 0) {
                add(/[*?]/.test(pattern) ? `${pattern} matches no action in AWS's catalogue` : `${pattern} is not an action in AWS's catalogue`);
            }
        }
        const actions = expanded.flatMap((e) => e.actions);
        findings.push(...(await conditionFindings(statement, actions, where)));
        if (policy.kind !== "trust") findings.push(...resourceFindings(statement, actions, where));
    }
    return findings;
}

async function conditionFindings(statement: Statement, actions: CatalogueAction[], where: string): Promise<Finding[]> {
    const findings: Finding[] = [];
    const add = (message: string) => findings.push({ check: "catalogue", where, message });
    const issuers = principals(statement, "Federated").map(oidcIssuer).filter((i): i is string => !!i);
    for (const [text, keys] of Object.entries(statement.Condition ?? {})) {
        const operator = parseOperator(text);
        if (!operator) {
            add(`${text} is not an IAM condition operator`);
            continue;
        }
        for (const [key, values] of Object.entries(keys)) {
            if (asList(values as string[]).length === 0) add(`${text} ${key} lists no value`);
            const claim = issuers.find((issuer) => key.startsWith(`${issuer}:`));
            if (claim !== undefined) {
                if (!WEB_IDENTITY_CLAIMS.includes(key.slice(claim.length + 1))) add(`${key}: IAM evaluates only ${WEB_IDENTITY_CLAIMS.join(", ")} of a web-identity token`);
                const mismatch = operatorMismatch(operator, "String");
                if (mismatch) add(`${text} ${key}: ${mismatch}`);
                continue;
            }
            const known = await catalogueConditionKey(key);
            if (!known) {
                add(`${key} is not a condition key in AWS's catalogue`);
                continue;
            }
            const lower = key.toLowerCase();
            const serviceSpecific = !known.global || TAG_KEY_PREFIXES.some((p) => lower.startsWith(p));
            if (serviceSpecific && actions.length > 0 && !actions.some((a) => a.conditionKeys.some((k) => keyPattern(k).test(lower)))) {
                add(`${key} applies to none of ${actions.map((a) => a.name).join(", ")}`);
            }
            const mismatch = operatorMismatch(operator, known.type);
            if (mismatch) add(`${text} ${key}: ${mismatch}`);
            if (known.type.endsWith("Bool") && asList(values as string[]).some((v) => !["true", "false"].includes(String(v)))) add(`${key} is Bool: "true" or "false"`);
        }
    }
    return findings;
}

function resourceFindings(statement: Statement, actions: CatalogueAction[], where: string): Finding[] {
    const findings: Finding[] = [];
    const add = (message: string) => findings.push({ check: "catalogue", where, message });
    const resources = asList(statement.Resource ?? statement.NotResource);
    if (resources.length === 0) add("no Resource");
    for (const resource of resources) {
        if (resource !== "*" && !/^arn:(\*|[a-z-]+):[a-z0-9*-]+:[^:]*:[^:]*:.+$/.test(resource)) add(`${resource} is not an ARN`);
        else if (resource !== "*" && actions.length > 0 && !actions.some((a) => resourceTypesNamedBy(a, resource).length > 0)) {
            add(`${resource} has the shape of no resource type of ${[...new Set(actions.map((a) => a.name))].join(", ")}`);
        }
    }
    if (statement.Effect !== "Allow") return findings;
    for (const action of actions) {
        if (action.wildcardOnly) {
            if (!resources.includes("*")) add(`${action.name} has no resource-level permissions: AWS only accepts Resource "*" for it`);
            else if (!isReadOnly(action) && !statement.Condition) add(`${action.name} (${action.accessLevel}) on "*" without a condition`);
            continue;
        }
        if (!resources.some((r) => resourceTypesNamedBy(action, r).length > 0)) {
            add(`${action.name} acts on ${action.resourceTypes.map((rt) => rt.key).join(", ")}, none of which the statement names`);
        }
        if (resources.includes("*") && !statement.Condition) {
            add(`${action.name} supports resource-level permissions (${action.resourceTypes.map((rt) => rt.key).join(", ")}) but is granted on "*" without a condition`);
        }
    }
    return findings;
}

// ---------------------------------------------------------------- simulation ----

type Result = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

interface Request {
    action: string;
    resource: string;
    account: string;
    context: Context;
    resourcePolicy?: PolicyDocument;
}

/** An account's resource policy that trusts the whole account: the bound then rests on the identity policy alone. */
function trustsAccount(account: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "TrustsTheAccount", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "*", Resource: "*" }],
    };
}

/** KMS's default key policy: the account, and through it IAM policies, decide. */
function defaultKeyPolicy(account: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
    };
}

interface ArnParts {
    /** The ARN with its identifying segment (bucket, key id, zone id, cluster...) replaced. */
    sibling: string;
    /** The same resource in FOREIGN_ACCOUNT, or a sibling there when the ARN has no account. */
    foreign: string;
}

/** Sibling and foreign variants of a concrete ARN of a resource type. */
function variants(arn: string, arnFormat: string): ArnParts | undefined {
    const variables = [...arnFormat.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
    const pattern = arnFormatPattern(arnFormat);
    const grouped = new RegExp(pattern.source.replace(/\[a-z-\]\+|\[\^:\]\*|\[\^:\/\]\+|\.\+/g, (m) => `(${m})`));
    const match = grouped.exec(arn);
    if (!match) return undefined;
    const values = Object.fromEntries(variables.map((v, i) => [v, match[i + 1]]));
    const identifier = variables.find((v) => !["Partition", "Region", "Account"].includes(v));
    if (!identifier) return undefined;
    const build = (overrides: Record<string, string>) => variables.reduce((out, v) => out.replace(`\${${v}}`, overrides[v] ?? values[v]), arnFormat);
    const sibling = build({ [identifier]: `${values[identifier]}-sibling` });
    const foreign = variables.includes("Account") && values.Account ? build({ Account: FOREIGN_ACCOUNT }) : sibling;
    return { sibling, foreign };
}

/** A concrete ARN of a resource type in the account, for requests on "*". */
function sampleArn(arnFormat: string, account: string): string {
    return arnFormat.replace(/\$\{([^}]+)\}/g, (_, v: string) => (v === "Partition" ? "aws" : v === "Region" ? REGION : v === "Account" ? account : `${SAMPLE}-${v.toLowerCase()}`));
}

function accountOf(arn: string, model: AwsModel): string {
    const field = arn.split(":")[4];
    if (field) return field;
    const ours = [...model.buckets.map((b) => b.arn)].some((b) => arn === b || arn.startsWith(`${b}/`));
    return ours || !arn.startsWith("arn:aws:s3:::") ? model.account : FOREIGN_ACCOUNT;
}

/** The resource policy in force on one of the stack's resources (none for types without one). */
function resourcePolicyOf(arn: string, model: AwsModel): PolicyDocument | undefined {
    const bucket = model.buckets.find((b) => arn === b.arn || arn.startsWith(`${b.arn}/`));
    if (bucket) return bucket.policy?.document;
    const key = model.keys.find((k) => k.arn === arn);
    if (key) return key.policy?.document ?? defaultKeyPolicy(model.account);
    return undefined;
}

/** ARNs of the stack's own resources (an object stands for each bucket's objects). */
function ownResources(model: AwsModel): string[] {
    return [...model.buckets.flatMap((b) => [b.arn, `${b.arn}/${SAMPLE}`]), ...model.keys.map((k) => k.arn), ...model.roles.map((r) => r.arn)];
}

/** An IAM resource pattern as a regular expression (* any run of characters, ? one). */
function glob(pattern: string): RegExp {
    return new RegExp(`^${pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`);
}

const BASE_CONTEXT: Context = { "aws:SecureTransport": "true" };

/** Facts of the request a policy cannot choose: who calls, from which account. They override derived contexts. */
function callerFacts(principal: string): Context {
    const account = principal.split(":")[4];
    return /^\d{12}$/.test(account) ? { "aws:PrincipalArn": principal, "aws:PrincipalAccount": account, "kms:CallerAccount": account } : {};
}

async function simulate(principal: string, identityPolicies: PolicyDocument[], request: Request): Promise<Result | string> {
    const simulation = {
        request: {
            principal,
            action: request.action,
            resource: { resource: request.resource, accountId: request.account },
            contextVariables: { ...BASE_CONTEXT, ...request.context, ...callerFacts(principal) },
        },
        identityPolicies: identityPolicies.map((policy, i) => ({ name: `policy-${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: request.resourcePolicy,
    };
    const response = await runSimulation(simulation, {});
    if (response.resultType === "error") return `the simulator rejected ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`;
    // runSimulation drops context keys whose variable part holds a colon (kms:EncryptionContext:aws:s3:arn)
    // although the catalogue lists them for the action; the policies being valid, evaluate without that filter.
    const ignored = response.resultType === "single" ? response.result.ignoredContextKeys ?? [] : [];
    const supported = (await catalogueAction(request.action))?.conditionKeys ?? [];
    if (!ignored.some((key) => supported.some((k) => keyPattern(k).test(key.toLowerCase())))) return response.overallResult;
    return runUnsafeSimulation({ ...simulation, resourcePolicy: request.resourcePolicy && validated(request.resourcePolicy, "resource-policy") }, {});
}

/** A document the engine takes as already validated (runUnsafeSimulation loads resource policies only in that form). */
function validated(document: PolicyDocument, name: string) {
    return { __validated: true, policyDocument: document, metadata: { name }, errors: [] };
}

const describe = (r: Request) => `${r.action} on ${r.resource}${r.account !== FOREIGN_ACCOUNT ? "" : ` (account ${FOREIGN_ACCOUNT})`}${Object.keys(r.context).length ? ` with ${JSON.stringify(r.context)}` : ""}`;

/** The requests a dangerous identity must never be able to make, against the stack's own resources and others'. */
export function dangerousRequests(model: AwsModel): Request[] {
    const account = model.account;
    const otherRole = `arn:aws:iam::${account}:role/any-role`;
    const foreignRole = `arn:aws:iam::${FOREIGN_ACCOUNT}:role/any-role`;
    const foreignBucket = "arn:aws:s3:::someone-elses-bucket";
    const foreignKey = `arn:aws:kms:${REGION}:${FOREIGN_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;
    const own = (resource: string) => ({ resource, account: accountOf(resource, model), resourcePolicy: resourcePolicyOf(resource, model) });
    const foreign = (resource: string) => ({ resource, account: FOREIGN_ACCOUNT, resourcePolicy: trustsAccount(account) });
    const roles = [...model.roles.map((r) => r.arn), otherRole];
    const buckets = model.buckets.map((b) => b.arn);
    const keys = model.keys.map((k) => k.arn);
    const requests: Request[] = [
        ...roles.map((resource) => ({ action: "iam:PassRole", ...own(resource), context: {} })),
        { action: "iam:CreateUser", ...own(`arn:aws:iam::${account}:user/intruder`), context: {} },
        // A role's trust policy is its resource policy: one that trusts our account isolates the identity side.
        ...roles.map((resource) => ({ action: "sts:AssumeRole", resource, account, resourcePolicy: trustsAccount(account), context: {} })),
        { action: "sts:AssumeRole", ...foreign(foreignRole), context: {} },
        ...["s3:DeleteBucket", "s3:PutBucketPolicy"].flatMap((action) => [...buckets.map((b) => ({ action, ...own(b), context: {} })), { action, ...foreign(foreignBucket), context: {} }]),
        ...["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"].flatMap((action) => [...keys.map((k) => ({ action, ...own(k), context: {} })), { action, ...foreign(foreignKey), context: {} }]),
        // A grant made directly by the caller (not by an AWS service on its behalf) for a principal of another account.
        ...[...keys.map(own), foreign(foreignKey)].map((target) => ({
            action: "kms:CreateGrant",
            ...target,
            context: { "kms:GranteePrincipal": `arn:aws:iam::${FOREIGN_ACCOUNT}:root`, "kms:GrantIsForAWSResource": "false", "kms:CallerAccount": account },
        })),
    ];
    return requests;
}

export interface RoleReport {
    findings: Finding[];
    /** One allowed request per statement and action: what the role is for. */
    live: string[];
}

/** Liveness and bounds of one role's identity policies. */
export async function roleFindings(model: AwsModel, role: AwsRole, dangerous = dangerousRequests(model)): Promise<RoleReport> {
    const findings: Finding[] = [];
    const live: string[] = [];
    const all = [...role.declared.map((d) => d.document), ...role.managed.map((m) => m.document as PolicyDocument)];
    const denies = all.flatMap((d) => d.Statement.filter((s) => s.Effect === "Deny"));
    const alone = (statement: Statement): PolicyDocument[] => [{ Version: "2012-10-17", Statement: [statement, ...denies] }];
    const report = (check: Check, where: string, message: string) => findings.push({ check, where, message });

    for (const policy of role.declared) {
        for (const [index, statement] of policy.document.Statement.entries()) {
            if (statement.Effect !== "Allow" || !statement.Action) continue;
            const where = statementLabel(policy, statement, index);
            const context = satisfyingContext(statement.Condition);
            const actions = (await expandAll(asList(statement.Action))).flatMap((e) => e.actions);
            for (const action of actions) {
                // Requests on each resource the statement names, until one is allowed.
                const candidates: { request: Request; arnFormat?: string; named: string }[] = [];
                for (const named of asList(statement.Resource)) {
                    if (action.wildcardOnly) {
                        if (named === "*") candidates.push({ request: { action: action.name, resource: "*", account: model.account, context }, named });
                        continue;
                    }
                    for (const rt of resourceTypesNamedBy(action, named)) {
                        // The stack's own resources the pattern names first, then a sample it names.
                        const pattern = arnFormatPattern(rt.arnFormat);
                        const own = named === "*" ? [] : ownResources(model).filter((arn) => pattern.test(arn) && glob(named).test(arn));
                        for (const resource of [...own, named === "*" ? sampleArn(rt.arnFormat, model.account) : concreteResource(named)]) {
                            const request = { action: action.name, resource, account: accountOf(resource, model), context, resourcePolicy: resourcePolicyOf(resource, model) };
                            candidates.push({ request, arnFormat: rt.arnFormat, named });
                        }
                    }
                }
                let allowed: (typeof candidates)[number] | undefined;
                for (const candidate of candidates) {
                    const result = await simulate(role.arn, alone(statement), candidate.request);
                    if (result === "Allowed") {
                        allowed = candidate;
                        break;
                    }
                    if (result.startsWith("the simulator")) report("live", where, result);
                }
                if (!allowed) {
                    report("live", where, `${action.name} is allowed on none of ${asList(statement.Resource).join(", ")}`);
                    continue;
                }
                live.push(`${role.name}: ${describe(allowed.request)}`);

                // Bounds: the same request on a sibling and on another account's resource.
                const type = action.resourceTypes.find((rt) => rt.arnFormat === allowed!.arnFormat);
                if (allowed.arnFormat && allowed.named !== "*" && type && !UNNAMEABLE_RESOURCE_TYPES.has(`${action.name.split(":")[0]}:${type.key}`)) {
                    const parts = variants(allowed.request.resource, allowed.arnFormat);
                    if (!parts) report("bounded", where, `cannot derive a sibling of ${allowed.request.resource} from ${allowed.arnFormat}`);
                    for (const [kind, resource, account] of parts ? ([["a sibling", parts.sibling, model.account], ["another account's", parts.foreign, FOREIGN_ACCOUNT]] as const) : []) {
                        const request = { ...allowed.request, resource, account, resourcePolicy: trustsAccount(model.account) };
                        const result = await simulate(role.arn, all, request);
                        if (result === "Allowed") report("bounded", where, `${kind} resource is reachable: ${describe(request)}`);
                    }
                }
                // Each condition matters: violating it alone denies.
                for (const violation of violations(statement.Condition)) {
                    const request = { ...allowed.request, context: violation.context };
                    const result = await simulate(role.arn, alone(statement), request);
                    if (result === "Allowed") report("bounded", where, `violating ${violation.condition} still allows ${describe(request)}`);
                }
            }
        }
    }

    for (const request of dangerous) {
        const result = await simulate(role.arn, all, request);
        if (result === "Allowed") report("bounded", `${role.name}`, `may ${describe(request)}`);
        else if (result.startsWith("the simulator")) report("bounded", role.name, result);
    }
    return { findings, live };
}

// ---------------------------------------------------------------- resource policies ----

/** Bucket and key policies: no statement opens the resource to everyone, and each one applies to a request it names. */
export async function resourcePolicyFindings(model: AwsModel): Promise<Finding[]> {
    const findings: Finding[] = [];
    const anyRole = model.roles[0]?.arn ?? `arn:aws:iam::${model.account}:role/any-role`;
    for (const governed of [...model.buckets, ...model.keys]) {
        const policy = governed.policy;
        if (!policy) continue;
        for (const [index, statement] of policy.document.Statement.entries()) {
            const where = statementLabel(policy, statement, index);
            const add = (check: Check, message: string) => findings.push({ check, where, message });
            if (statement.Effect === "Allow" && everyoneMayAct(statement)) add("bounded", `allows every principal ("*")`);
            const actions = (await expandAll(asList(statement.Action))).flatMap((e) => e.actions).filter((a) => !a.wildcardOnly);
            const resource = [governed.arn, `${governed.arn}/${SAMPLE}`].find((arn) => asList(statement.Resource).some((r) => glob(r).test(arn)));
            const action = actions.find((a) => resource && resourceTypesNamedBy(a, resource).length > 0);
            if (!resource || !action) {
                add("live", `names neither ${governed.arn} nor its objects with an action that acts on them`);
                continue;
            }
            // Who the statement is about: the principal it names (a Deny on "*" applies to anyone, e.g. one of our roles).
            const named = [...principals(statement, "Service"), ...principals(statement, "AWS")].filter((p) => p !== "*");
            const principal = named[0] ?? anyRole;
            const request: Request = { action: action.name, resource, account: model.account, context: satisfyingContext(statement.Condition), resourcePolicy: policy.document };
            const expected: Result = statement.Effect === "Deny" ? "ExplicitlyDenied" : "Allowed";
            // The other side allows everything, so the result is the resource policy's.
            const identity = principal.includes(".amazonaws.com") ? [] : [{ Version: "2012-10-17", Statement: [{ Effect: "Allow" as const, Action: "*", Resource: "*" }] }];
            const result = await simulate(principal, identity, request);
            if (result !== expected) add("live", `${describe(request)} by ${principal} is ${result}, not ${expected}`);
            if (statement.Effect !== "Allow") continue;
            for (const violation of violations(statement.Condition)) {
                const violating = { ...request, context: violation.context };
                if ((await simulate(principal, identity, violating)) === "Allowed") add("bounded", `violating ${violation.condition} still allows ${describe(violating)} by ${principal}`);
            }
        }
    }
    return findings;
}

// ---------------------------------------------------------------- trust ----

function evaluateTrust(trust: PolicyDocument, principal: string, action: string, roleArn: string, context: Context): Result {
    // runSimulation drops context keys the catalogue does not list for the action, and it lists no
    // issuer keys of EKS or AKS; the unvalidated engine keeps them. The document was checked above.
    // An IAM principal's own account lets it do anything: the answer is the trust policy's.
    const iamPrincipal = /^arn:[a-z-]+:(iam|sts)::\d{12}:(root|role|user|assumed-role)/.test(principal);
    return runUnsafeSimulation({
        request: { principal, action, resource: { resource: roleArn, accountId: roleArn.split(":")[4] }, contextVariables: context },
        identityPolicies: iamPrincipal ? [{ name: "allows-everything", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } }] : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: validated(trust, "trust"),
    }, {});
}

/** Who may assume the role: web-identity trusts pin one ServiceAccount; no one else gets in. */
export function trustFindings(role: AwsRole): Finding[] {
    const findings: Finding[] = [];
    const trust = role.trust.document;
    const subjects = new Set<string>();
    const intruder = `arn:aws:iam::${FOREIGN_ACCOUNT}:root`;
    for (const [index, statement] of trust.Statement.entries()) {
        const where = statementLabel(role.trust, statement, index);
        const add = (message: string) => findings.push({ check: "trust", where, message });
        if (statement.Effect !== "Allow") continue;
        if (everyoneMayAct(statement)) add(`trusts every principal ("*")`);
        const actions = asList(statement.Action);
        const federated = principals(statement, "Federated");
        if (federated.length > 0) {
            if (federated.length > 1) add(`trusts ${federated.length} identity providers in one statement; one per statement`);
            const issuer = oidcIssuer(federated[0]);
            if (!issuer) {
                add(`${federated[0]} is not an IAM OIDC provider ARN`);
                continue;
            }
            if (actions.length !== 1 || actions[0] !== "sts:AssumeRoleWithWebIdentity") add(`a web-identity trust allows only sts:AssumeRoleWithWebIdentity, not ${actions.join(", ")}`);
            const equals = statement.Condition?.StringEquals ?? {};
            const pinned: Record<string, string> = {};
            for (const claim of ["sub", "aud"]) {
                const values = asList(equals[`${issuer}:${claim}`] as string[]);
                if (values.length !== 1) add(`StringEquals must pin ${issuer}:${claim} to exactly one value (found ${values.length})`);
                else if (/[*?]/.test(values[0])) add(`${issuer}:${claim} ${values[0]} has a wildcard`);
                else pinned[claim] = values[0];
            }
            if (pinned.sub && !SERVICE_ACCOUNT_SUBJECT.test(pinned.sub)) add(`${issuer}:sub ${pinned.sub} is not one ServiceAccount (system:serviceaccount:<namespace>:<name>)`);
            if (!pinned.sub || !pinned.aud) continue;
            subjects.add(pinned.sub);

            const token = (sub: string, aud: string): Context => ({ [`${issuer}:sub`]: sub, [`${issuer}:aud`]: aud });
            const provider = federated[0];
            if (evaluateTrust(trust, provider, "sts:AssumeRoleWithWebIdentity", role.arn, token(pinned.sub, pinned.aud)) !== "Allowed") {
                add(`the pinned ServiceAccount ${pinned.sub} cannot assume the role`);
            }
            const [, namespace, name] = pinned.sub.split(":").slice(1);
            const others: [string, Context, string][] = [
                ["another ServiceAccount in the namespace", token(`system:serviceaccount:${namespace}:${name}-other`, pinned.aud), provider],
                ["the same name in another namespace", token(`system:serviceaccount:${namespace}-other:${name}`, pinned.aud), provider],
                ["a token for another audience", token(pinned.sub, "other-audience"), provider],
                ["a token without a subject", { [`${issuer}:aud`]: pinned.aud }, provider],
                ["another issuer's token", token(pinned.sub, pinned.aud), `arn:aws:iam::${role.arn.split(":")[4]}:oidc-provider/other-issuer.example.com/id/OTHER`],
            ];
            for (const [who, context, principal] of others) {
                if (evaluateTrust(trust, principal, "sts:AssumeRoleWithWebIdentity", role.arn, context) === "Allowed") add(`${who} may assume the role`);
            }
        }
        const services = principals(statement, "Service");
        if (services.length > 0 && actions.some((a) => !["sts:AssumeRole", "sts:TagSession"].includes(a))) add(`a service trust allows only sts:AssumeRole and sts:TagSession, not ${actions.join(", ")}`);
        for (const service of services) {
            const context = satisfyingContext(statement.Condition);
            if (evaluateTrust(trust, service, "sts:AssumeRole", role.arn, context) !== "Allowed") add(`${service} cannot assume the role`);
            // Conditions such as aws:SourceAccount keep another account's use of the service out.
            for (const violation of violations(statement.Condition)) {
                if (evaluateTrust(trust, service, "sts:AssumeRole", role.arn, violation.context) === "Allowed") add(`violating ${violation.condition} still lets ${service} assume the role`);
            }
        }
    }
    if (subjects.size > 1) findings.push({ check: "trust", where: role.trust.where, message: `trusts ${subjects.size} ServiceAccounts (${[...subjects].join(", ")}); one identity per ServiceAccount` });
    // Nobody outside: another account, another role of ours, another AWS service.
    for (const [who, principal] of [["another account", intruder], ["another role of the account", `arn:aws:iam::${role.arn.split(":")[4]}:role/any-role`], ["an AWS service it does not name", "lambda.amazonaws.com"]]) {
        if (evaluateTrust(trust, principal, "sts:AssumeRole", role.arn, {}) === "Allowed") findings.push({ check: "trust", where: role.trust.where, message: `${who} (${principal}) may assume the role` });
    }
    return findings;
}

// ---------------------------------------------------------------- all ----

export interface AwsReport {
    model: Finding[];
    catalogue: Finding[];
    roles: Finding[];
    trust: Finding[];
    /** The allowed requests that prove each statement live. */
    live: string[];
}

export async function awsLeastPrivilege(model: AwsModel): Promise<AwsReport> {
    const catalogue = (await Promise.all(model.documents.map(catalogueFindings))).flat();
    const dangerous = dangerousRequests(model);
    const roles: Finding[] = [];
    const live: string[] = [];
    for (const role of model.roles) {
        const report = await roleFindings(model, role, dangerous);
        roles.push(...report.findings);
        live.push(...report.live);
    }
    roles.push(...(await resourcePolicyFindings(model)));
    return {
        model: model.problems.map((message) => ({ check: "model", where: "stack", message })),
        catalogue,
        roles,
        trust: model.roles.flatMap(trustFindings),
        live,
    };
}

/** Findings as one line each, for assertion messages. */
export function formatFindings(findings: Finding[]): string[] {
    return findings.map((f) => `[${f.check}] ${f.where}: ${f.message}`);
}
