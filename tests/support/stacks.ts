/**
 * Whole-stack evaluations shared by every test file: each (stack, overrides)
 * pair is evaluated once per mocha run, offline, through the real index.ts.
 */
import { Evaluation } from "../../commands/offline/harness";
import { evaluateStack } from "../../commands/offline/evaluate-stack";

const cache = new Map<string, Promise<Evaluation>>();

export function stackEvaluation(stack: "dev" | "prod", overrides: string[] = []): Promise<Evaluation> {
    const key = `${stack}|${overrides.join(",")}`;
    if (!cache.has(key)) cache.set(key, evaluateStack(stack, { overrides, placeholderSecrets: true }));
    return cache.get(key)!;
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
