/**
 * The least-privilege checks for Azure, over a stack evaluation:
 *
 *  - every role assignment uses a built-in role pinned in tests/iam-data/azure-built-in-roles.json
 *    (derived from Azure's published definitions), never a privileged one, and one whose
 *    permissions are about the resource it is assigned on;
 *  - every scope is the narrowest resource: a resource the stack declares, of the type the role is
 *    made for (a container, not its storage account; a key, not its vault), never a resource group;
 *  - every federated credential names exactly one issuer (a cluster of the stack), one
 *    ServiceAccount subject and Entra ID's token-exchange audience.
 */
import * as fs from "fs";
import { Evaluation, RecordedResource } from "../../../commands/offline/harness";
import { AZURE_ROLES_FILE, AzureRoleDefinition } from "../../../tools/iam-reference-data";
import { Finding } from "./aws-checks";
// The audience the pack's azure-federated-credential-pinned rule requires: one definition for both checks.
import { TOKEN_EXCHANGE_AUDIENCE } from "../../../policy/rules/iam";

const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/**
 * Permissions Azure bundles into many built-in roles that act on the assignment's own scope only:
 * reading roles, classic alerts, deployments, health, support tickets, event subscriptions on it.
 * They say nothing about what the role is for.
 */
const COMPANIONS = [
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.ResourceHealth/availabilityStatuses/read",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/operationresults/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
    "Microsoft.EventGrid/eventSubscriptions/read",
    "Microsoft.EventGrid/eventSubscriptions/write",
    "Microsoft.EventGrid/eventSubscriptions/delete",
];

let pinned: Map<string, AzureRoleDefinition> | undefined;
export function pinnedAzureRoles(): Map<string, AzureRoleDefinition> {
    pinned ??= new Map(JSON.parse(fs.readFileSync(AZURE_ROLES_FILE, "utf8")).roles.map((r: AzureRoleDefinition) => [r.id, r]));
    return pinned;
}

/** Azure's wildcard match, case-insensitive as ARM operations are. */
export function permissionMatches(pattern: string, operation: string): boolean {
    const source = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*");
    return new RegExp(`^${source}$`, "i").test(operation);
}

/** What a role grants, less what it excludes, less the companions. */
export function rolePermissions(role: AzureRoleDefinition): string[] {
    const kept = (granted: string[], excluded: string[]) => granted.filter((p) => !excluded.some((x) => x.toLowerCase() === p.toLowerCase()));
    return [...kept(role.actions, role.notActions), ...kept(role.dataActions, role.notDataActions)]
        .filter((p) => !COMPANIONS.some((c) => c.toLowerCase() === p.toLowerCase()));
}

/** Roles that hand out access or everything: never for a workload or a deployer grant. */
export function privilegeOf(role: AzureRoleDefinition): string | undefined {
    const actions = role.actions.filter((a) => !role.notActions.some((n) => permissionMatches(n, a)));
    if (actions.includes("*")) return role.notActions.some((n) => /^Microsoft\.Authorization\/\*\/Write$/i.test(n)) ? "every action on every resource type" : "every action, role assignments included";
    if (actions.some((a) => permissionMatches(a, "Microsoft.Authorization/roleAssignments/write"))) return "role assignments (it can grant itself anything)";
    return undefined;
}

/** The ARM resource type a permission is about: its path without the operation or a trailing wildcard. */
export function typeOfPermission(permission: string): string {
    const segments = permission.split("/");
    const last = segments[segments.length - 1].toLowerCase();
    const operation = last === "*" || ["read", "write", "delete", "action"].includes(last);
    const trimmed = operation ? segments.slice(0, -1) : segments;
    // ".../keys/wrap/action": the operation has a name too.
    if (last === "action" && trimmed.length > 2) trimmed.pop();
    return trimmed.filter((s) => s !== "*").join("/").toLowerCase();
}

/**
 * Whether a role reaches resources of an ARM type below its scope: a control-plane action on that
 * type (or a wildcard over it), or a data action on it or inside it.
 */
export function reaches(role: AzureRoleDefinition, type: string): boolean {
    const kept = (granted: string[], excluded: string[]) =>
        granted.filter((p) => !excluded.some((x) => x.toLowerCase() === p.toLowerCase()) && !COMPANIONS.some((c) => c.toLowerCase() === p.toLowerCase()));
    const actions = kept(role.actions, role.notActions);
    const dataActions = kept(role.dataActions, role.notDataActions);
    return actions.some((a) => isWithin(typeOfPermission(a), type) || (a.endsWith("*") && isWithin(type, typeOfPermission(a))))
        || dataActions.some((d) => isWithin(typeOfPermission(d), type));
}

/** The ARM resource type of a resource id, e.g. microsoft.storage/storageaccounts/blobservices/containers. */
export function resourceTypeOfId(id: string): string | undefined {
    const m = /\/providers\/([^/]+)\/(.+)$/i.exec(id);
    if (!m) return undefined;
    const rest = m[2].split("/");
    const types = rest.filter((_, i) => i % 2 === 0);
    return [m[1], ...types].join("/").toLowerCase();
}

/** A resource below `scope` (not an extension resource on it, such as a role assignment). */
const isChildOf = (id: string, scope: string) => id.startsWith(`${scope.toLowerCase()}/`) && !id.slice(scope.length + 1).startsWith("providers/");

const isWithin = (type: string, ancestor: string) => type === ancestor || type.startsWith(`${ancestor}/`);

interface Assignment {
    resource: RecordedResource;
    roleId: string;
    scope: string;
    principalId: string;
}

function idOf(r: RecordedResource): string | undefined {
    const id = r.outputs.id ?? r.id;
    return typeof id === "string" && id.startsWith("/subscriptions/") ? id : undefined;
}

export interface AzureReport {
    roles: Finding[];
    scopes: Finding[];
    federation: Finding[];
}

export function azureLeastPrivilege(ev: Evaluation): AzureReport {
    const roles: Finding[] = [];
    const scopes: Finding[] = [];
    const federation: Finding[] = [];
    const declared = new Map<string, RecordedResource>();
    for (const r of ev.resources.filter((x) => x.type.startsWith("azure-native:"))) {
        const id = idOf(r);
        if (id) declared.set(id.toLowerCase(), r);
    }

    const assignments: Assignment[] = ev.ofType("azure-native:authorization:RoleAssignment").map((r) => ({
        resource: r,
        roleId: String(r.inputs.roleDefinitionId ?? "").split("/").pop() ?? "",
        scope: String(r.inputs.scope ?? ""),
        principalId: String(r.inputs.principalId ?? ""),
    }));
    for (const a of assignments) {
        const where = `${a.resource.type} ${a.resource.name}`;
        const role = pinnedAzureRoles().get(a.roleId);
        if (!/^(\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/i.test(String(a.resource.inputs.roleDefinitionId))) {
            roles.push({ check: "catalogue", where, message: `roleDefinitionId ${a.resource.inputs.roleDefinitionId} is not a role definition id` });
        }
        if (!role) {
            roles.push({ check: "catalogue", where, message: `role ${a.roleId} is not a built-in role pinned in tests/iam-data/azure-built-in-roles.json` });
            continue;
        }
        const privilege = privilegeOf(role);
        if (privilege) roles.push({ check: "bounded", where, message: `${role.roleName} grants ${privilege}` });

        const scopeType = resourceTypeOfId(a.scope);
        if (!scopeType) {
            scopes.push({ check: "bounded", where, message: `scope ${a.scope} is a subscription or resource group, not a resource` });
            continue;
        }
        if (!declared.has(a.scope.toLowerCase())) scopes.push({ check: "bounded", where, message: `scope ${a.scope} is no resource the stack declares` });

        // Suited: the role is about this kind of resource (or everything under its provider).
        const types = rolePermissions(role).map(typeOfPermission);
        if (!types.some((t) => isWithin(scopeType, t) || isWithin(t, scopeType))) {
            roles.push({ check: "catalogue", where, message: `${role.roleName} grants nothing on a ${scopeType}` });
        }
        // Narrowest: no declared resource below the scope that the role would reach too, unless the
        // grant exists to create it (the resource depends on the assignment: a key in a vault).
        const below = [...declared.entries()].filter(([id, r]) =>
            isChildOf(id, a.scope) && reaches(role, resourceTypeOfId(id) ?? "") && !r.dependencies.includes(a.resource.urn));
        if (below.length > 0) {
            scopes.push({ check: "bounded", where, message: `${role.roleName} on ${a.scope} also reaches ${below.map(([, r]) => `${r.type} ${r.name}`).join(", ")}: assign it on the narrowest resource` });
        }
    }

    // Federated credentials: one issuer of the stack, one ServiceAccount, the token-exchange audience.
    const issuers = new Set<string>();
    for (const r of ev.resources) {
        const aks = r.outputs.oidcIssuerProfile?.issuerURL;
        const eks = r.outputs.identities?.[0]?.oidcs?.[0]?.issuer;
        for (const issuer of [aks, eks]) if (typeof issuer === "string") issuers.add(issuer);
    }
    const subjectsByIdentity = new Map<string, Set<string>>();
    for (const fic of ev.ofType("azure-native:managedidentity:FederatedIdentityCredential")) {
        const where = `${fic.type} ${fic.name}`;
        const add = (message: string) => federation.push({ check: "trust", where, message });
        const { issuer, subject, audiences } = fic.inputs;
        if (typeof issuer !== "string" || !/^https:\/\/[^*?\s]+$/.test(issuer)) add(`issuer must be one https URL, not ${JSON.stringify(issuer)}`);
        else if (!issuers.has(issuer)) add(`issuer ${issuer} is no cluster of the stack (${[...issuers].join(", ")})`);
        if (typeof subject !== "string" || !SERVICE_ACCOUNT_SUBJECT.test(subject)) add(`subject must be exactly one ServiceAccount (system:serviceaccount:<namespace>:<name>), not ${JSON.stringify(subject)}`);
        if (JSON.stringify(audiences) !== JSON.stringify([TOKEN_EXCHANGE_AUDIENCE])) add(`audiences must be exactly ["${TOKEN_EXCHANGE_AUDIENCE}"], not ${JSON.stringify(audiences)}`);
        const identity = String(fic.inputs.resourceName);
        if (!subjectsByIdentity.has(identity)) subjectsByIdentity.set(identity, new Set());
        subjectsByIdentity.get(identity)!.add(String(subject));
    }
    for (const [identity, subjects] of subjectsByIdentity) {
        if (subjects.size > 1) federation.push({ check: "trust", where: identity, message: `trusted by ${subjects.size} ServiceAccounts (${[...subjects].join(", ")}); one identity per ServiceAccount` });
    }
    return { roles, scopes, federation };
}
