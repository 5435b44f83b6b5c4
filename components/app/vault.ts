/**
 * Secrets reach the pods only through the Vault agent injector: the program
 * knows Vault paths and a role, never a value, and creates no Kubernetes Secret.
 *
 * Login: the pod's ServiceAccount token is NOT automounted (the app needs no
 * Kubernetes API). A projected token volume exists only for the Vault agent,
 * which the injector mounts into its own containers
 * (`agent-service-account-token-volume-name`); the app containers never see it.
 */
import * as k8s from "@pulumi/kubernetes";
import { VAULT } from "../addons/well-known";
import { USERS } from "./layout";
import { VaultSecretRef } from "./types";

/**
 * The log shipper's Elasticsearch user, its password and the ECK HTTP CA, kept
 * in Vault by the logging owners. Why Vault: ECK's `logging-es-elastic-user`
 * Secret lives in the logging namespace, pods cannot mount Secrets across
 * namespaces, and copying its value through Pulumi would put it in state.
 * The entry holds a least-privilege user (write to `financial-app-*` indices),
 * not the `elastic` superuser: keys `username`, `password`, `ca.crt`.
 */
export const ELASTICSEARCH_VAULT_PATH = "logging/elasticsearch";

/** Files the Vault agent renders for fluentd, under /vault/secrets. */
export const ELASTICSEARCH_SECRET_FILES = {
    username: "elasticsearch-username",
    password: "elasticsearch-password",
    ca: "elasticsearch-ca.crt",
} as const;

export const RESERVED_VAULT_SECRET_NAMES: string[] = Object.values(ELASTICSEARCH_SECRET_FILES);

/** Name of the projected ServiceAccount-token volume the Vault agent logs in with. */
export const VAULT_TOKEN_VOLUME = "vault-sa-token";

/** Resources of the injected agent containers (the injector's defaults request 250m CPU per pod). */
const AGENT_RESOURCES = { requestsCpu: "50m", requestsMem: "64Mi", limitsCpu: "250m", limitsMem: "128Mi" } as const;
export const VAULT_AGENT_BUDGET = { cpuRequestMillis: 50, cpuLimitMillis: 250, memoryRequestMiB: 64, memoryLimitMiB: 128 } as const;

/** The KV v2 API path of a secret in the apps' mount. */
export function kvDataPath(path: string): string {
    return `${VAULT.kvMount}/data/${path}`;
}

/**
 * Every KV path (relative to the mount) the app's pods read: the app's own secrets
 * and the log shipper's Elasticsearch entry. Pure, so a stack can create the Vault
 * role and policy before the app and pass them in `dependsOn`.
 */
export function vaultKvPathsFor(secrets: VaultSecretRef[]): string[] {
    return [...secrets.map((s) => s.path), ELASTICSEARCH_VAULT_PATH];
}

/** Every path the Vault role's policy must allow `read` on, and nothing more. */
export function vaultReadPaths(secrets: VaultSecretRef[]): string[] {
    return vaultKvPathsFor(secrets).map(kvDataPath);
}

/** Env-file template: one `KEY="value"` line per key, values JSON-quoted so quotes and newlines survive. */
function envFileTemplate(path: string): string {
    return `{{ with secret "${kvDataPath(path)}" }}{{ range $key, $value := .Data.data }}{{ $key }}={{ $value | toJSON }}\n{{ end }}{{ end }}`;
}

/** A single key of a secret, verbatim (fluentd reads each file whole). */
function singleKeyTemplate(path: string, key: string): string {
    return `{{ with secret "${kvDataPath(path)}" }}{{ index .Data.data "${key}" }}{{ end }}`;
}

export interface VaultAnnotationOptions {
    role: string;
    secrets: VaultSecretRef[];
    /** Secret (in the app namespace) whose `ca.crt` is the internal CA that signed Vault's certificate. */
    trustSecretName: string;
    /**
     * `sidecar`: an init container pre-populates, then a sidecar keeps secrets fresh (servers).
     * `init-only`: render once and exit, so a Job can complete.
     */
    mode: "sidecar" | "init-only";
    /**
     * Regular containers that get the /vault/secrets mount. The injector mounts it
     * into every init container regardless, which is why Envoy (the internet-facing
     * container) is a regular container: it never sees the app's secrets.
     */
    secretConsumers: string[];
}

/** Pod-template annotations for the Vault agent injector (vault-k8s). */
export function vaultAgentAnnotations(options: VaultAnnotationOptions): Record<string, string> {
    const prefix = "vault.hashicorp.com";
    const annotations: Record<string, string> = {
        [`${prefix}/agent-inject`]: "true",
        [`${prefix}/role`]: options.role,
        [`${prefix}/auth-path`]: `auth/${VAULT.kubernetesAuthPath}`,
        [`${prefix}/service`]: VAULT.address,
        // Vault's listener certificate is issued by the internal CA; verify it, never skip.
        [`${prefix}/tls-secret`]: options.trustSecretName,
        [`${prefix}/ca-cert`]: "/vault/tls/ca.crt",
        // db-migrate reads database credentials, so the agent's init container must run first.
        [`${prefix}/agent-init-first`]: "true",
        [`${prefix}/agent-pre-populate`]: "true",
        [`${prefix}/agent-pre-populate-only`]: options.mode === "init-only" ? "true" : "false",
        [`${prefix}/agent-run-as-user`]: String(USERS.vaultAgent),
        // The pod's fsGroup: rendered files (mode 0440) are group-readable by the app's containers.
        [`${prefix}/agent-run-as-group`]: String(USERS.group),
        [`${prefix}/agent-service-account-token-volume-name`]: VAULT_TOKEN_VOLUME,
        [`${prefix}/agent-inject-containers`]: options.secretConsumers.join(","),
        [`${prefix}/agent-requests-cpu`]: AGENT_RESOURCES.requestsCpu,
        [`${prefix}/agent-requests-mem`]: AGENT_RESOURCES.requestsMem,
        [`${prefix}/agent-limits-cpu`]: AGENT_RESOURCES.limitsCpu,
        [`${prefix}/agent-limits-mem`]: AGENT_RESOURCES.limitsMem,
    };
    const files: { name: string; path: string; template: string }[] = [
        ...options.secrets.map((s) => ({ name: s.name, path: s.path, template: envFileTemplate(s.path) })),
        { name: ELASTICSEARCH_SECRET_FILES.username, path: ELASTICSEARCH_VAULT_PATH, template: singleKeyTemplate(ELASTICSEARCH_VAULT_PATH, "username") },
        { name: ELASTICSEARCH_SECRET_FILES.password, path: ELASTICSEARCH_VAULT_PATH, template: singleKeyTemplate(ELASTICSEARCH_VAULT_PATH, "password") },
        { name: ELASTICSEARCH_SECRET_FILES.ca, path: ELASTICSEARCH_VAULT_PATH, template: singleKeyTemplate(ELASTICSEARCH_VAULT_PATH, "ca.crt") },
    ];
    for (const file of files) {
        annotations[`${prefix}/agent-inject-secret-${file.name}`] = kvDataPath(file.path);
        annotations[`${prefix}/agent-inject-template-${file.name}`] = file.template;
        annotations[`${prefix}/agent-inject-perms-${file.name}`] = "0440";
        // A missing key fails rendering instead of starting the pod with an empty credential.
        annotations[`${prefix}/error-on-missing-key-${file.name}`] = "true";
    }
    return annotations;
}

/** The projected token the Vault agent presents to Vault's Kubernetes auth (default audience, rotated by the kubelet). */
export function vaultTokenVolume(): k8s.types.input.core.v1.Volume {
    return {
        name: VAULT_TOKEN_VOLUME,
        projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }] },
    };
}
