/**
 * Container image references, parsed the way container runtimes read them, and
 * matched against registry patterns. One parser for the config rules, the image
 * inventory, the CVE gate and the admission policies' patterns.
 *
 * The CrossGuard pack imports this module too, so it imports nothing: the pack (ts-node,
 * type-checked with policy/tsconfig.json) must not load the program or the Pulumi SDK
 * through it (tests/layout/imports.test.ts checks it).
 */

export interface ImageReference {
    /** Registry host (and port), lower-case; docker.io when the reference names none. */
    registry: string;
    /** Repository path inside the registry; Docker Hub official images get `library/`. */
    repository: string;
    tag?: string;
    digest?: string;
}

const DOCKER_HUB_ALIASES = ["index.docker.io", "registry-1.docker.io"];

/** The first path component is a registry only if it has a dot or a port, or is "localhost". */
export function parseImageReference(reference: string): ImageReference {
    let rest = reference.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let registry = "docker.io";
    const slash = rest.indexOf("/");
    if (slash >= 0) {
        const first = rest.slice(0, slash);
        if (first.includes(".") || first.includes(":") || first === "localhost") {
            registry = first.toLowerCase();
            rest = rest.slice(slash + 1);
        }
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    if (DOCKER_HUB_ALIASES.includes(registry)) registry = "docker.io";
    if (registry === "docker.io" && !rest.includes("/")) rest = `library/${rest}`;
    return { registry, repository: rest, tag: tag || undefined, digest: digest || undefined };
}

/** `registry/repository[:tag][@digest]`, fully qualified (docker.io and library/ spelled out). */
export function canonicalImage(reference: string): string {
    const ref = parseImageReference(reference);
    return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** Why a reference is not pinned (no tag or digest; `latest` when `refuseLatest`), or undefined when it is. */
export function unpinnedReason(reference: string, refuseLatest: boolean): string | undefined {
    const ref = parseImageReference(reference);
    if (ref.digest) return /^sha256:[a-f0-9]{64}$/.test(ref.digest) ? undefined : `digest "${ref.digest}" is not sha256:<64 hex>`;
    if (!ref.tag) return "has no tag or digest (it would mean latest)";
    if (refuseLatest && ref.tag.toLowerCase() === "latest") return `uses the mutable "latest" tag`;
    return undefined;
}

const LABEL = "(?:\\*|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)";
const SEGMENT = "(?:\\*|[a-z0-9]+(?:[._-][a-z0-9]+)*)";
/** A registry pattern: a host with at least one dot (or localhost), an optional port, optional path segments; `*` is one label or segment. */
const REGISTRY_PATTERN = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})+|localhost)(?::\\d{1,5})?(?:/${SEGMENT})*$`);

/** Why a registry pattern is malformed, or undefined when it is fine. */
export function registryPatternProblem(pattern: string): string | undefined {
    if (pattern !== pattern.trim().toLowerCase()) return "must be lower-case without spaces";
    if (pattern.endsWith("/")) return "must not end with /";
    if (/[:@]/.test(pattern.replace(/^[^/]*/, ""))) return "names a tag or digest; give a registry host and an optional path prefix";
    if (!REGISTRY_PATTERN.test(pattern)) return "must be a registry host with a dot (e.g. registry.example.com, optionally :port), optionally followed by a path prefix (ghcr.io/org); * stands for one host label or path segment";
    return undefined;
}

/** A registry pattern as a regular expression over `registry/repository` (anchored; matches the prefix up to a path boundary). */
export function registryPatternRegExp(pattern: string): string {
    const body = pattern
        .split("*")
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^./]+");
    return `^${body}(/|$)`;
}

/**
 * Whether an image comes from one of the allowed registry patterns. Patterns are compared
 * as config validation normalizes them (lower case, no trailing slash), so a hand-written
 * policy pack config behaves like the generated one.
 */
export function imageAllowed(reference: string, patterns: readonly string[]): boolean {
    const ref = parseImageReference(reference);
    const full = `${ref.registry}/${ref.repository}`.toLowerCase();
    return patterns
        .map((pattern) => pattern.trim().toLowerCase().replace(/\/+$/, ""))
        .some((pattern) => pattern !== "" && new RegExp(registryPatternRegExp(pattern)).test(full));
}
