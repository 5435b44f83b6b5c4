/**
 * Which resource a companion resource configures (a BucketVersioning → its
 * Bucket, a BlobServiceProperties → its StorageAccount), in a stack policy.
 *
 * The reference is an input such as `bucket: bucket.id`. In order of trust:
 *  1. the engine's property dependencies for that input (exact, and known in
 *     preview, where the id itself is still unknown);
 *  2. the input's known value equal to the target's id or name;
 *  3. the companion's resource dependencies (the input's source, when the
 *     engine did not record property dependencies).
 */
import { PolicyResource } from "@pulumi/policy";
import { known } from "./values";

export interface Link {
    /** Input of the companion that references the target (e.g. "bucket", "accountName"). */
    property: string;
    /** Target outputs that the input's value can equal (e.g. ["id", "bucket"]). */
    targetKeys: readonly string[];
}

function knownString(read: () => unknown): string | undefined {
    const value = known(read);
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** The targets (among `targets`) that `companion` refers to through `link`. */
export function linkedTargets(companion: PolicyResource, targets: readonly PolicyResource[], link: Link): PolicyResource[] {
    const byUrn = new Set(targets.map((t) => t.urn));
    const propertyDeps = (companion.propertyDependencies?.[link.property] ?? []).filter((d) => byUrn.has(d.urn));
    if (propertyDeps.length > 0) return propertyDeps.map((d) => targets.find((t) => t.urn === d.urn)!);

    const value = knownString(() => companion.props[link.property]);
    if (value !== undefined) {
        const byValue = targets.filter((t) => link.targetKeys.some((key) => knownString(() => t.props[key]) === value));
        if (byValue.length > 0) return byValue;
    }

    const deps = new Set((companion.dependencies ?? []).map((d) => d.urn));
    return targets.filter((t) => deps.has(t.urn));
}

/** Target URN → the companions of the given types that configure it. */
export function companionsByTarget(
    resources: readonly PolicyResource[],
    targets: readonly PolicyResource[],
    companionTypes: readonly string[],
    link: Link,
): Map<string, PolicyResource[]> {
    const result = new Map<string, PolicyResource[]>(targets.map((t) => [t.urn, []]));
    for (const companion of resources.filter((r) => companionTypes.includes(r.type))) {
        for (const target of linkedTargets(companion, targets, link)) result.get(target.urn)!.push(companion);
    }
    return result;
}
