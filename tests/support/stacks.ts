/**
 * Whole-stack evaluations shared by every test file: each (stack, overrides, preview)
 * is evaluated once per mocha run, offline, through the real index.ts. Suites treat
 * them as read-only.
 */
import { Evaluation } from "../../commands/offline/harness";
import { StackEvaluator, evaluateStack } from "../../commands/offline/evaluate-stack";

type Stack = "dev" | "prod";

const cache = new Map<string, Promise<Evaluation & { placeholders: string[] }>>();

function cached(stack: Stack, overrides: string[], preview: boolean) {
    const key = `${stack}|${overrides.join(",")}|${preview ? "preview" : "up"}`;
    if (!cache.has(key)) cache.set(key, evaluateStack(stack, { overrides, placeholderSecrets: true, preview }));
    return cache.get(key)!;
}

/** What `pulumi up` would register (provider outputs filled in by the fake cloud). */
export function stackEvaluation(stack: Stack, overrides: string[] = []): Promise<Evaluation> {
    return cached(stack, overrides, false);
}

/** What `pulumi preview` would show (provider-computed values unknown), as `npm run plan` and the pack's preview checks see it. */
export function stackPreview(stack: Stack, overrides: string[] = []): Promise<Evaluation & { placeholders: string[] }> {
    return cached(stack, overrides, true);
}

/** For the drill's simulate and the ingress migration: their evaluations from this cache. */
export function cachedEvaluator(stack: Stack): StackEvaluator {
    return (overrides) => stackEvaluation(stack, overrides);
}

/** The logical names of every resource, for "nothing was renamed" checks. */
export function urns(evaluation: Evaluation): string[] {
    return evaluation.resources.map((r) => r.urn).sort();
}

/** Vault configured on both clusters (the second `pulumi up` of README "Vault bootstrap"). */
export const VAULT_CONFIGURED = [
    "platform.vault.configure=true",
    'platform.vault.addresses={"aws":"https://vault-aws.internal.fin.example.com:8200","azure":"https://vault-azure.internal.fin.example.com:8200"}',
];

/** No cross-cloud reader at all: Velero off, and the app on an external database (no in-cluster data tier). */
export const EXTERNAL_DATABASE_WITHOUT_VELERO = ["platform.velero.enabled=false", "app.database.mode=external", "app.database.cidr=10.60.0.0/24"];
