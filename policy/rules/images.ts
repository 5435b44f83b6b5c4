/**
 * Container images: pinned, and only from trusted registries. Checked on every
 * Kubernetes workload kind, for containers, init containers and ephemeral
 * containers. Helm releases are rendered by the provider, out of CrossGuard's
 * sight (see lib/workloads.ts).
 */
import { ADVISORY_IN_DEV, MANDATORY, forTypes, resourceRule } from "../lib/guardrail";
import { Props, isUnknown, known, label } from "../lib/values";
import { WORKLOAD_TYPES, containersOf, podSpecOf } from "../lib/workloads";
// One image parser for the program, the pack and CI; a module without imports, so the pack loads nothing of the program.
import { imageAllowed, parseImageReference, unpinnedReason } from "../../components/security/image-reference";

/**
 * No registry is allowed unless the pack config names it. policy/config.<env>.json
 * carries the stack's list: the platform's image sources plus the stack config's
 * `security.allowedRegistries`, generated from them (commands/policy-config.ts), so the
 * stack config stays the single source of truth and a test fails when they drift.
 */
export const DEFAULT_ALLOWED_REGISTRIES: string[] = [];

function images(type: string, props: Props) {
    const pod = podSpecOf(type, props);
    if (!pod) return [];
    return containersOf(pod, true).map((c) => ({
        ...c,
        image: known(() => c.spec.image) as unknown,
        // Computed by another resource during preview: checked again at deploy time.
        unknown: isUnknown(() => c.spec.image),
    }));
}

export const imagesPinned = resourceRule({
    name: "images-no-latest-tag",
    description: "Workload images carry an explicit tag other than `latest`, or a digest, so a rollout is reproducible.",
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Pin the image to a version tag (repo/name:1.2.3) or a digest (repo/name@sha256:...).",
    validateResource: forTypes(WORKLOAD_TYPES, (args, report) => {
        for (const c of images(args.type, args.props)) {
            if (c.unknown) continue;
            if (typeof c.image !== "string" || c.image.trim() === "") {
                report(`${label(args)}: ${c.kind} "${c.name}" has no image.`);
                continue;
            }
            // Always refuses latest: the rule's level (advisory in dev) says how much that matters.
            const unpinned = unpinnedReason(c.image, true);
            if (unpinned) report(`${label(args)}: ${c.kind} "${c.name}" image "${c.image}" ${unpinned}; pin a version or a digest.`);
        }
    }),
});

export const imagesFromAllowedRegistries = resourceRule({
    name: "images-allowed-registries",
    description: "Workload images come only from the allowed registries (config: allowedRegistries).",
    levels: MANDATORY,
    remediationSteps: "Mirror the image into an allowed registry, or add its registry to security.allowedRegistries in Pulumi.<stack>.yaml after review and regenerate policy/config.<env>.json (npm run policy-config).",
    config: {
        allowedRegistries: {
            type: "array",
            items: { type: "string" },
            default: DEFAULT_ALLOWED_REGISTRIES,
            description: "Registry hosts, optionally with a path prefix; * matches one host label or path segment.",
        },
    },
    validateResource: forTypes(WORKLOAD_TYPES, (args, report) => {
        const allowed = args.getConfig<{ allowedRegistries?: string[] }>().allowedRegistries ?? DEFAULT_ALLOWED_REGISTRIES;
        if (allowed.length === 0 && images(args.type, args.props).length > 0) {
            report(`${label(args)}: no allowed registries are configured; run with --policy-pack-config policy/config.<env>.json (generated from the stack's security.allowedRegistries).`);
            return;
        }
        for (const c of images(args.type, args.props)) {
            if (c.unknown || typeof c.image !== "string" || c.image.trim() === "") continue;
            if (!imageAllowed(c.image, allowed)) {
                report(`${label(args)}: ${c.kind} "${c.name}" image "${c.image}" comes from ${parseImageReference(c.image).registry}, which is not an allowed registry (${allowed.join(", ")}).`);
            }
        }
    }),
});

export const imageRules = [imagesPinned, imagesFromAllowedRegistries];
