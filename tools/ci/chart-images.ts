/**
 * Images in rendered Kubernetes manifests (`helm template` output): every `image`
 * string (containers, and custom resources such as Prometheus or Alertmanager that
 * carry one), and the images operators and injectors are told to start through
 * environment variables (`*_IMAGE`, e.g. Vault's agent) or flags (`--…image…=ref`,
 * `--prometheus-config-reloader=ref`).
 */
import * as yaml from "js-yaml";

const IMAGE_LIKE = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const FLAG = /^--?([a-z0-9-]*(image|config-reloader)[a-z0-9-]*)=(.+)$/i;

function walk(node: unknown, found: Set<string>): void {
    if (Array.isArray(node)) {
        node.forEach((child) => walk(child, found));
        return;
    }
    if (!node || typeof node !== "object") return;
    const object = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(object)) {
        if (key === "image" && typeof value === "string" && IMAGE_LIKE.test(value.trim())) found.add(value.trim());
        if (key === "env" && Array.isArray(value)) {
            for (const env of value) {
                const e = env as { name?: string; value?: unknown };
                if (typeof e?.name === "string" && /IMAGE$/i.test(e.name) && typeof e.value === "string" && IMAGE_LIKE.test(e.value) && /[:@]/.test(e.value)) found.add(e.value);
            }
        }
        if (key === "args" && Array.isArray(value)) {
            for (const arg of value) {
                const match = typeof arg === "string" ? FLAG.exec(arg) : null;
                if (match && IMAGE_LIKE.test(match[3]) && /[:@]/.test(match[3])) found.add(match[3]);
            }
        }
        walk(value, found);
    }
}

/** Every image reference in a multi-document YAML stream, sorted. */
export function imagesInManifests(text: string): string[] {
    const found = new Set<string>();
    for (const doc of yaml.loadAll(text)) walk(doc, found);
    return [...found].sort();
}
