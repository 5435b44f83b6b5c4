import { PATHS, PORTS } from "./layout";
import { DatabaseEndpoint } from "./types";

/**
 * Environment the platform sets on every app-image container. Settings may
 * repeat a value but not contradict it: the mounts and listeners depend on these.
 */
export const PLATFORM_ENV: Readonly<Record<string, string>> = {
    /** Business HTTP on loopback: only Envoy, in the same pod, can reach it. */
    HTTP_ADDRESS: `127.0.0.1:${PORTS.appHttp}`,
    /** Management listener (metrics and health) on the pod IP for kubelet and Prometheus. */
    MANAGEMENT_ADDRESS: `0.0.0.0:${PORTS.appMetrics}`,
    /** Log files go here; the fluentd sidecar tails `*.log`. */
    LOG_DIR: PATHS.logs,
    /** Filled by cache-preloader before the app starts. */
    CACHE_DIR: PATHS.cache,
    /** Env files rendered by the Vault agent, one per vaultSecrets entry. */
    SECRETS_DIR: PATHS.secrets,
    TMPDIR: PATHS.tmp,
};

/**
 * Where the app finds its in-cluster database, as settings (not secrets): each side names its
 * own read-write Service. The credential is the same on both sides and comes from Vault.
 */
export function databaseSettings(database: DatabaseEndpoint): Record<string, string> {
    if (database.mode !== "in-cluster") return {};
    return { DATABASE_HOST: database.host, DATABASE_PORT: String(database.port), DATABASE_NAME: database.name };
}

/** Set from the downward API and the track, so settings cannot set them. */
export const POD_IDENTITY_ENV = ["POD_NAME", "POD_NAMESPACE", "APP_TRACK"] as const;

const SECRET_LOOKING_KEY = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;
const CREDENTIALS_IN_URL = /\/\/[^/\s:@]+:[^/\s@]+@/;
const PEM_BLOCK = /-----BEGIN [A-Z ]+-----/;

/**
 * Settings become a plain ConfigMap, readable by anyone who can read the
 * namespace and stored unencrypted in Pulumi state. Reject what looks like a
 * secret, and never echo the value in the message.
 */
export function settingsProblems(settings: Record<string, string>): string[] {
    const problems: string[] = [];
    for (const [key, value] of Object.entries(settings)) {
        if (SECRET_LOOKING_KEY.test(key)) {
            problems.push(`settings.${key}: looks like a secret; settings are a plain ConfigMap, so store it in Vault and list its path in vaultSecrets`);
        } else if (CREDENTIALS_IN_URL.test(value) || PEM_BLOCK.test(value)) {
            problems.push(`settings.${key}: the value embeds credentials or key material; store it in Vault and list its path in vaultSecrets`);
        }
        if (key in PLATFORM_ENV && PLATFORM_ENV[key] !== value) {
            problems.push(`settings.${key}: the platform sets it to "${PLATFORM_ENV[key]}" (the pod's mounts and listeners depend on it)`);
        }
        if ((POD_IDENTITY_ENV as readonly string[]).includes(key)) problems.push(`settings.${key}: set by the platform from the pod's identity`);
    }
    return problems;
}
