import { unpinnedReason } from "../security/image-reference";
import { AppEnvironment, AppImage } from "./types";

/** The full image reference: `repo@sha256:...` for a digest, `repo:tag` otherwise. */
export function imageReference(image: AppImage): string {
    if (image.digest) return `${image.repository}@${image.digest}`;
    return image.tag ? `${image.repository}:${image.tag}` : image.repository;
}

/** The canary runs the same repository with its own tag. */
export function canaryImageReference(image: AppImage, tag: string): string {
    return `${image.repository}:${tag}`;
}

/**
 * Build, release, run: prod runs only explicitly versioned images. Returns the
 * problems (empty when fine) so the caller can report them all at once.
 */
export function appImageProblems(image: AppImage, environment: AppEnvironment): string[] {
    const problems: string[] = [];
    if (!image.repository) problems.push("image.repository is empty");
    if (image.tag && image.digest) problems.push(`image: give either a tag or a digest, not both (tag "${image.tag}", digest "${image.digest}")`);
    if (image.digest && !/^sha256:[a-f0-9]{64}$/.test(image.digest)) problems.push(`image.digest: "${image.digest}" is not sha256:<64 hex>`);
    if (environment === "prod") {
        if (!image.tag && !image.digest) problems.push(`image: "${image.repository}" has no tag or digest; prod runs only an explicit version`);
        if (image.tag === "latest") problems.push(`image.tag: "latest" is not allowed in prod; pin an explicit version tag or a digest`);
    }
    return problems;
}

/** A sidecar image must name a version (tag or full digest); prod also refuses `latest`. One rule with the inventory and the pack. */
export function pinnedImageProblems(label: string, reference: string, environment: AppEnvironment): string[] {
    const reason = unpinnedReason(reference, environment === "prod");
    return reason ? [`${label}: "${reference}" ${reason}; pin an explicit version`] : [];
}

/** Pinned sidecar images the platform is tested with; bump them here (stack config may override). */
export const DEFAULT_SIDECAR_IMAGES = {
    envoy: "envoyproxy/envoy:v1.34.1",
    fluentd: "fluent/fluentd-kubernetes-daemonset:v1.18.0-debian-elasticsearch8-1.0",
    prometheusAgent: "quay.io/prometheus/prometheus:v3.5.0",
    debug: "busybox:1.37.0",
} as const;
