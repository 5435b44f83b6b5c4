import { ParsedStackConfig } from "./schema";

/** Secret config keys, read with getSecret and never part of the plain schema. */
export const SECRET_KEYS = ["alertSlackWebhookUrl", "alertPagerdutyRoutingKey", "vaultTokenAws", "vaultTokenAzure"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The secret each Alertmanager receiver needs. */
export const RECEIVER_SECRETS = { slack: "alertSlackWebhookUrl", pagerduty: "alertPagerdutyRoutingKey" } as const satisfies Record<string, SecretKey>;

/** Each cluster's Vault has its own admin token (the two Vaults are independent). */
export const VAULT_TOKEN_SECRETS = { aws: "vaultTokenAws", azure: "vaultTokenAzure" } as const satisfies Record<string, SecretKey>;

/** The secrets this configuration cannot run without. */
export function requiredSecrets(config: Pick<ParsedStackConfig, "platform">): SecretKey[] {
    const receivers = config.platform.monitoring.enabled ? config.platform.monitoring.receivers.map((r) => RECEIVER_SECRETS[r]) : [];
    const vaultTokens = config.platform.vault.configure ? Object.values(VAULT_TOKEN_SECRETS) : [];
    return [...receivers, ...vaultTokens];
}
