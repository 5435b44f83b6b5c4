/**
 * Refreshes the pinned reference data the least-privilege tests read (tests/iam-data/):
 *
 *   azure-roles <file>...   Azure built-in role definitions. Each file is either Azure's published
 *                           docs page (MicrosoftDocs/azure-docs, articles/role-based-access-control/
 *                           built-in-roles/<category>.md: one ```json block per role) or the JSON of
 *                           `az role definition list --name <id>`. Keeps the roles already pinned
 *                           (add an id with --add <id>), rewrites their permissions.
 *   aws-managed <file>...   AWS-managed IAM policies: each file is the output of
 *                           `aws iam get-policy-version --policy-arn arn:aws:iam::aws:policy/<path><name>
 *                           --version-id <default version>` (zoph-io/MAMIP mirrors them as policies/<name>),
 *                           named after the policy; --path service-role/ for service-role policies.
 *
 *   node -r ./runtime/ts-transpile.js tools/iam-reference-data.ts azure-roles networking.md storage.md ...
 *   node -r ./runtime/ts-transpile.js tools/iam-reference-data.ts aws-managed MAMIP/policies/AmazonEKS_CNI_Policy ...
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError, parseFlags, runIfMain } from "../commands/command-line";

export const IAM_DATA_DIR = path.resolve(__dirname, "..", "tests", "iam-data");
export const AZURE_ROLES_FILE = path.join(IAM_DATA_DIR, "azure-built-in-roles.json");
export const AWS_MANAGED_FILE = path.join(IAM_DATA_DIR, "aws-managed-policies.json");

export interface AzureRoleDefinition {
    /** The role definition GUID (the last segment of roleDefinitionId). */
    id: string;
    roleName: string;
    actions: string[];
    notActions: string[];
    dataActions: string[];
    notDataActions: string[];
}

export interface AwsManagedPolicy {
    arn: string;
    versionId: string;
    document: { Version: string; Statement: unknown[] };
}

interface PublishedRole {
    name: string;
    roleName: string;
    roleType?: string;
    permissions: { actions?: string[]; notActions?: string[]; dataActions?: string[]; notDataActions?: string[] }[];
}

/** Role definitions in a docs page (its ```json blocks) or in `az role definition list` output. */
export function parseAzureRoles(text: string): AzureRoleDefinition[] {
    const trimmed = text.trim();
    const published: PublishedRole[] = trimmed.startsWith("[")
        ? JSON.parse(trimmed)
        : [...text.matchAll(/```json\s*\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]));
    return published
        .filter((r) => r.roleType === undefined || r.roleType === "BuiltInRole")
        .map((r) => ({
            id: r.name,
            roleName: r.roleName,
            // Conditional permissions (ABAC) are kept out: a pinned role must be unconditional to be compared.
            actions: r.permissions.flatMap((p) => p.actions ?? []),
            notActions: r.permissions.flatMap((p) => p.notActions ?? []),
            dataActions: r.permissions.flatMap((p) => p.dataActions ?? []),
            notDataActions: r.permissions.flatMap((p) => p.notDataActions ?? []),
        }));
}

/** An AWS-managed policy from `aws iam get-policy-version` output. */
export function parseAwsManagedPolicy(text: string, name: string, policyPath = ""): AwsManagedPolicy {
    const version = JSON.parse(text).PolicyVersion;
    if (!version?.Document?.Statement) throw new Error(`${name}: not the output of aws iam get-policy-version`);
    return { arn: `arn:aws:iam::aws:policy/${policyPath}${name}`, versionId: version.VersionId, document: version.Document };
}

function main(argv: string[]) {
    const [command, ...args] = argv;
    const { flags, positionals: rest } = parseFlags(args, { "--add": "list", "--path": "value" }, { positionals: true });
    if (command === "azure-roles") {
        const add = flags["--add"];
        const pinned = JSON.parse(fs.readFileSync(AZURE_ROLES_FILE, "utf8"));
        const wanted = new Set<string>([...pinned.roles.map((r: AzureRoleDefinition) => r.id), ...add]);
        const found = new Map(rest.flatMap((file) => parseAzureRoles(fs.readFileSync(file, "utf8"))).map((r) => [r.id, r]));
        const missing = [...wanted].filter((id) => !found.has(id));
        if (missing.length > 0) throw new Error(`not in the given files: ${missing.join(", ")}`);
        pinned.roles = [...wanted].map((id) => found.get(id)!).sort((a, b) => a.roleName.localeCompare(b.roleName));
        fs.writeFileSync(AZURE_ROLES_FILE, `${JSON.stringify(pinned, null, 2)}\n`);
    } else if (command === "aws-managed") {
        const policyPath = flags["--path"] ?? "";
        const pinned = JSON.parse(fs.readFileSync(AWS_MANAGED_FILE, "utf8"));
        const policies = new Map<string, AwsManagedPolicy>(pinned.policies.map((p: AwsManagedPolicy) => [p.arn, p]));
        for (const file of rest) {
            const policy = parseAwsManagedPolicy(fs.readFileSync(file, "utf8"), path.basename(file).replace(/\.json$/, ""), policyPath);
            policies.set(policy.arn, policy);
        }
        pinned.policies = [...policies.values()].sort((a, b) => a.arn.localeCompare(b.arn));
        fs.writeFileSync(AWS_MANAGED_FILE, `${JSON.stringify(pinned, null, 2)}\n`);
    } else {
        throw new UsageError("usage: iam-reference-data.ts azure-roles <file>... [--add <id>] | aws-managed <file>... [--path service-role/]");
    }
}

runIfMain(module, () => main(process.argv.slice(2)));
