import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { VAULT } from "./well-known";
import { VAULT_AUDIT_DIR } from "./vault";

/** One application that reads its secrets from Vault through the agent injector. */
export interface VaultAppAccess {
    /** Application name; names its policy and its Kubernetes auth role. */
    name: string;
    /** Namespace of the application's ServiceAccount. */
    namespace: string;
    /** The only ServiceAccount that may log in with this role. */
    serviceAccount: string;
    /** KV v2 paths under VAULT.kvMount the app may read, e.g. `financial-app/*`. Never the whole mount. */
    secretPaths: string[];
}

export interface VaultConfigurationArgs {
    /** Vault API URL reachable from the machine running Pulumi (port-forward, VPN or internal load balancer). */
    address: string;
    /** Token with rights to manage auth, mounts, audit and policies (root or admin); a Pulumi secret. */
    token: pulumi.Output<string>;
    /**
     * PEM of the CA that signed Vault's server certificate (the internal CA, `ca.crt` of VAULT_TLS_SECRET).
     * Omit it to use the environment's VAULT_CACERT, which the Vault provider reads itself.
     */
    caCertPem?: pulumi.Input<string>;
    /** Kubernetes API URL as Vault itself sees it: in-cluster `https://kubernetes.default.svc`. */
    kubernetesHost: pulumi.Input<string>;
    /** Applications and the secrets each may read. */
    apps: VaultAppAccess[];
    /**
     * Secrets the platform itself owns and writes into the KV mount (e.g. the database credential
     * it generated): path relative to the mount, and the keys. Values stay Pulumi secrets.
     */
    secrets?: { path: string; data: pulumi.Input<Record<string, pulumi.Input<string>>> }[];
}

/** Login tokens are short-lived; the agent renews them while the pod runs. */
const ROLE_TOKEN_TTL_SECONDS = 15 * 60;
const ROLE_TOKEN_MAX_TTL_SECONDS = 60 * 60;

/** Rejects paths that would widen a policy to the whole mount or escape it. */
function checkSecretPath(app: string, secretPath: string): string {
    const trimmed = secretPath.replace(/^\/+|\/+$/g, "");
    if (trimmed === "" || trimmed.startsWith("*") || trimmed.split("/").includes("..")) {
        throw new Error(`Vault app ${app}: secret path "${secretPath}" must name a sub-path of the ${VAULT.kvMount} mount, such as "${app}/*"`);
    }
    return trimmed;
}

/** Read-only access to the app's KV v2 paths: data for values, metadata for listing versions. */
export function readOnlyPolicy(app: VaultAppAccess): string {
    return app.secretPaths
        .map((p) => checkSecretPath(app.name, p))
        .map((p) => `path "${VAULT.kvMount}/data/${p}" {
  capabilities = ["read"]
}

path "${VAULT.kvMount}/metadata/${p}" {
  capabilities = ["read", "list"]
}
`)
        .join("\n");
}

/**
 * The Vault provider accepts a CA only as a file path, so the PEM is written to a
 * content-addressed file in the temp directory (same content, same path).
 */
function caCertFile(pem: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(pem).apply((text) => {
        const digest = crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
        const file = path.join(os.tmpdir(), `finplat-vault-ca-${digest}.pem`);
        fs.writeFileSync(file, text, { mode: 0o600 });
        return file;
    });
}

/**
 * Configures a running Vault: Kubernetes auth, the KV v2 mount for application
 * secrets, a file audit device, and per application a read-only policy plus a
 * Kubernetes auth role bound to exactly that app's ServiceAccount and namespace.
 *
 * This component needs an initialized, unsealed Vault reachable at `address`, so
 * the stack creates it only when config `platform.vault.configure` is true:
 * 1. the first `pulumi up` installs Vault (component Vault);
 * 2. an operator runs `vault operator init` (with auto-unseal this returns recovery
 *    keys, which go to safe offline storage) and stores the root/admin token with
 *    `pulumi config set --secret vaultTokenAws <token>` (and vaultTokenAzure for the AKS Vault);
 * 3. the operator sets `platform.vault.configure: true` and `platform.vault.address`;
 * 4. the next `pulumi up` configures Vault through this component.
 */
export class VaultConfiguration extends pulumi.ComponentResource {
    /** Policy names, one per app. */
    public readonly policyNames: pulumi.Output<string[]>;
    /** Kubernetes auth role names, one per app (the `vault.hashicorp.com/role` annotation value). */
    public readonly roleNames: pulumi.Output<string[]>;
    /** Path of the KV v2 mount. */
    public readonly kvMount: pulumi.Output<string>;
    /** Path of the Kubernetes auth method (the `vault.hashicorp.com/auth-path` is `auth/<this>`). */
    public readonly authPath: pulumi.Output<string>;

    constructor(name: string, args: VaultConfigurationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:VaultConfiguration", name, {}, opts);
        const names = args.apps.map((a) => a.name);
        const duplicate = names.find((n, i) => names.indexOf(n) !== i);
        if (duplicate) throw new Error(`Vault app "${duplicate}" is listed twice`);

        // An explicit provider, so no resource falls back to ambient VAULT_ADDR/VAULT_TOKEN.
        const provider = new vault.Provider(`${name}-provider`, {
            address: args.address,
            token: pulumi.secret(args.token),
            // Use the given token directly: a child token would expire with its short TTL mid-run.
            skipChildToken: true,
            ...(args.caCertPem ? { caCertFile: caCertFile(args.caCertPem) } : {}),
        }, { parent: this });
        const child = { parent: this, provider };

        const kubernetesAuth = new vault.AuthBackend(`${name}-kubernetes-auth`, {
            type: "kubernetes",
            path: VAULT.kubernetesAuthPath,
            description: "Pods log in with their ServiceAccount token",
        }, child);

        // Vault runs in the cluster: it reviews tokens with its own ServiceAccount and the in-pod CA.
        // The `iss` claim is not checked: it differs between EKS and AKS and the TokenReview already proves the token.
        const authConfig = new vault.kubernetes.AuthBackendConfig(`${name}-kubernetes-auth-config`, {
            backend: kubernetesAuth.path,
            kubernetesHost: args.kubernetesHost,
            disableIssValidation: true,
        }, child);

        const kv = new vault.Mount(`${name}-kv`, {
            path: VAULT.kvMount,
            type: "kv",
            options: { version: "2" },
            description: "Application secrets (KV v2)",
        }, child);

        // Vault refuses requests when no audit device can write, so the log lives on the audit PVC.
        new vault.Audit(`${name}-audit-file`, {
            type: "file",
            path: "file",
            options: { file_path: `${VAULT_AUDIT_DIR}/vault-audit.log` },
            description: "File audit log on the audit volume",
        }, child);

        const policies = args.apps.map((app) => new vault.Policy(`${name}-${app.name}-read`, {
            name: `${app.name}-read`,
            policy: readOnlyPolicy(app),
        }, { ...child, dependsOn: [kv] }));

        const roles = args.apps.map((app, i) => new vault.kubernetes.AuthBackendRole(`${name}-${app.name}-role`, {
            backend: kubernetesAuth.path,
            roleName: app.name,
            boundServiceAccountNames: [app.serviceAccount],
            boundServiceAccountNamespaces: [app.namespace],
            tokenPolicies: [policies[i].name],
            tokenTtl: ROLE_TOKEN_TTL_SECONDS,
            tokenMaxTtl: ROLE_TOKEN_MAX_TTL_SECONDS,
        }, { ...child, dependsOn: [authConfig] }));

        for (const secret of args.secrets ?? []) {
            const path = checkSecretPath(name, secret.path);
            new vault.kv.SecretV2(`${name}-${path.replace(/[^a-z0-9]+/gi, "-")}`, {
                mount: kv.path,
                name: path,
                dataJson: pulumi.secret(pulumi.jsonStringify(secret.data)),
            }, { ...child, dependsOn: [kv] });
        }

        this.policyNames = pulumi.all(policies.map((p) => p.name));
        this.roleNames = pulumi.all(roles.map((r) => r.roleName));
        this.kvMount = kv.path;
        this.authPath = kubernetesAuth.path;
        this.registerOutputs({
            policyNames: this.policyNames,
            roleNames: this.roleNames,
            kvMount: this.kvMount,
            authPath: this.authPath,
        });
    }
}
