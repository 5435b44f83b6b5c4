import { strict as assert } from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { Vault, VAULT_TLS_SECRET } from "../../components/addons/vault";
import { VaultConfiguration, VaultAppAccess } from "../../components/addons/vault-config";
import { CLUSTER_ISSUERS, MONITORING_SELECTOR_LABELS, NAMESPACES, VAULT } from "../../components/addons/well-known";
import { CloudName } from "../../components/cluster/contract";
import { Evaluation, RecordedResource, evaluate } from "../../commands/offline/harness";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { FakeCluster } from "../support/fake-cluster";
import { unknownValueKeys } from "../support/chart-keys";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";

interface Built {
    ev: Evaluation;
    cluster: FakeCluster;
    release: RecordedResource;
    values: any;
}

async function buildVault(cloud: CloudName, opts: { replicas?: number; protect?: boolean; serviceMonitor?: boolean } = {}): Promise<Built> {
    const { ev, cluster } = await evaluateOnFakeCluster(cloud, (cluster) => {
        // Stand-in for the monitoring release and the cert-manager issuers the caller passes.
        const prerequisite = new k8s.core.v1.ConfigMap("prerequisite", { data: {} }, { provider: cluster.provider });
        new Vault("vault", {
            cluster,
            replicas: opts.replicas ?? 3,
            protect: opts.protect ?? true,
            serviceMonitor: opts.serviceMonitor ?? true,
            tlsIssuer: CLUSTER_ISSUERS.internalCa,
            dependsOn: [prerequisite],
        });
    });
    const release = ev.named(RELEASE, "vault");
    return { ev, cluster, release, values: release.inputs.values };
}

function retryJoinLeaders(hcl: string): string[] {
    return [...hcl.matchAll(/leader_api_addr\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
}

describe("Vault add-on", () => {
    for (const cloud of ["aws", "azure"] as const) {
        it(`${cloud}: installs the pinned vault chart in the vault namespace with only keys the chart defines`, async () => {
            const { release, values } = await buildVault(cloud);
            assertPinnedRelease(release, CHARTS.vault, NAMESPACES.vault, VAULT.releaseName);
            assert.deepEqual(unknownValueKeys(CHARTS.vault.chart, CHARTS.vault.version, values), []);
        });

        it(`${cloud}: asks for exactly the vault-unseal permission for the server ServiceAccount the chart creates`, async () => {
            const { cluster, values } = await buildVault(cloud);
            assert.equal(cluster.grants.length, 1);
            const { request } = cluster.grants[0];
            assert.deepEqual(request.permissions, [{ kind: "vault-unseal" }]);
            assert.equal(request.namespace, NAMESPACES.vault);
            assert.equal(values.server.serviceAccount.create, true);
            assert.equal(request.serviceAccount, values.server.serviceAccount.name);
            const annotations = values.server.serviceAccount.annotations;
            if (cloud === "aws") {
                assert.match(annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d+:role\//);
                assert.deepEqual(values.server.extraLabels, {});
            } else {
                assert.match(annotations["azure.workload.identity/client-id"], /^client-/);
                assert.deepEqual(values.server.extraLabels, { "azure.workload.identity/use": "true" }, "the workload identity webhook only mutates labelled pods");
            }
        });
    }

    it("runs HA raft with the requested replicas, one retry_join per replica over TLS", async () => {
        for (const replicas of [3, 5, 1]) {
            const { values } = await buildVault("aws", { replicas });
            assert.equal(values.server.ha.enabled, true);
            assert.equal(values.server.ha.replicas, replicas);
            assert.equal(values.server.ha.raft.enabled, true);
            assert.equal(values.server.ha.raft.setNodeId, true);
            const hcl: string = values.server.ha.raft.config;
            assert.deepEqual(retryJoinLeaders(hcl), Array.from({ length: replicas }, (_, i) => `https://vault-${i}.vault-internal:8200`));
            assert.equal([...hcl.matchAll(/leader_ca_cert_file\s*=\s*"\/vault\/userconfig\/vault-server-tls\/ca.crt"/g)].length, replicas);
            assert.match(hcl, /storage "raft" \{\s*path = "\/vault\/data"/);
            assert.match(hcl, /service_registration "kubernetes" \{\}/);
            assert.match(hcl, /telemetry \{\s*prometheus_retention_time = "30s"\s*disable_hostname\s*= true/);
        }
    });

    it("keeps a PodDisruptionBudget only when it cannot block node drains (3+ replicas)", async () => {
        assert.equal((await buildVault("aws", { replicas: 3 })).values.server.ha.disruptionBudget.enabled, true);
        assert.equal((await buildVault("aws", { replicas: 1 })).values.server.ha.disruptionBudget.enabled, false);
    });

    it("aws: auto-unseals with awskms using the cluster's key and region", async () => {
        const hcl: string = (await buildVault("aws")).values.server.ha.raft.config;
        assert.match(hcl, /seal "awskms" \{\s*region\s*= "us-east-1"\s*kms_key_id = "fake-unseal-key"\s*\}/);
        assert.doesNotMatch(hcl, /azurekeyvault/);
    });

    it("azure: auto-unseals with azurekeyvault through workload identity, without a client secret", async () => {
        const hcl: string = (await buildVault("azure")).values.server.ha.raft.config;
        assert.match(hcl, /seal "azurekeyvault" \{\s*tenant_id\s*= "tenant-id"\s*vault_name = "fake-kv"\s*key_name\s*= "vault-unseal"\s*\}/);
        assert.doesNotMatch(hcl, /client_secret|client_id|awskms/);
    });

    it("serves TLS only: the cert-manager certificate is mounted and the listener uses it", async () => {
        const { ev, values } = await buildVault("azure");
        assert.equal(values.global.tlsDisable, false);
        const hcl: string = values.server.ha.raft.config;
        assert.doesNotMatch(hcl, /tls_disable/);
        const mount = values.server.volumeMounts.find((m: any) => m.mountPath === "/vault/userconfig/vault-server-tls");
        assert.ok(mount, "the TLS secret is mounted where the HCL reads it");
        const volume = values.server.volumes.find((v: any) => v.name === mount.name);
        assert.equal(volume.secret.secretName, VAULT_TLS_SECRET);
        for (const file of ["tls.crt", "tls.key", "ca.crt"]) assert.ok(hcl.includes(`/vault/userconfig/vault-server-tls/${file}`), file);

        const cert = ev.named(CERTIFICATE, "vault-server-tls");
        assert.equal(cert.inputs.metadata.namespace, NAMESPACES.vault);
        assert.equal(cert.inputs.spec.secretName, VAULT_TLS_SECRET);
        assert.deepEqual(cert.inputs.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: CLUSTER_ISSUERS.internalCa });
        for (const dns of ["vault", "vault.vault.svc", "*.vault-internal", "*.vault-internal.vault.svc.cluster.local"]) {
            assert.ok(cert.inputs.spec.dnsNames.includes(dns), dns);
        }
        assert.deepEqual(cert.inputs.spec.ipAddresses, ["127.0.0.1"]);
    });

    it("installs the release only after the certificate, which waits for its namespace and the caller's prerequisites", async () => {
        const { ev, release } = await buildVault("aws");
        const cert = ev.named(CERTIFICATE, "vault-server-tls");
        const namespace = ev.named("kubernetes:core/v1:Namespace", "vault-ns");
        const prerequisite = ev.named("kubernetes:core/v1:ConfigMap", "prerequisite");
        assert.ok(release.dependencies.includes(cert.urn), "release depends on the Certificate");
        assert.ok(release.dependencies.includes(prerequisite.urn));
        assert.ok(cert.dependencies.includes(namespace.urn));
        assert.ok(cert.dependencies.includes(prerequisite.urn), "cert-manager and the issuer come first");
        assert.equal(namespace.inputs.metadata.name, NAMESPACES.vault);
    });

    it("puts every Kubernetes resource on the cluster's provider under the Vault component", async () => {
        const { ev } = await buildVault("aws");
        const component = ev.named("finplat:addons:Vault", "vault");
        const children = ev.descendantsOf(component.urn).filter((r) => r.type.startsWith("kubernetes:"));
        assert.deepEqual(children.map((r) => r.type).sort(), ["kubernetes:core/v1:Namespace", CERTIFICATE, RELEASE].sort());
        for (const r of children) {
            assert.match(r.provider, /fake-aws-k8s/, r.name);
            assert.equal(r.parent, component.urn, r.name);
        }
    });

    it("places server and injector on the system pool, spreads servers over zones, and sets requests and memory limits", async () => {
        const { cluster, values } = await buildVault("aws");
        for (const [what, part] of Object.entries({ server: values.server, injector: values.injector })) {
            assert.deepEqual(part.tolerations, cluster.placement.systemTolerations, what);
            assert.deepEqual(part.nodeSelector, cluster.placement.systemNodeSelector, what);
            assertRequestsAndMemoryLimit(part.resources, what);
        }
        const [spread] = values.server.topologySpreadConstraints;
        assert.equal(spread.topologyKey, "topology.kubernetes.io/zone");
        assert.equal(spread.whenUnsatisfiable, "DoNotSchedule");
        assert.deepEqual(spread.labelSelector.matchLabels, { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", component: "server" });
        assert.equal(values.injector.enabled, true);
        assert.equal(values.injector.replicas, 2, "3 zones: two injector replicas");
        assert.deepEqual(values.ui, { enabled: true, serviceType: "ClusterIP" });
    });

    it("keeps raft and audit volumes, retained on delete when protected and deleted otherwise", async () => {
        const protectedVault = await buildVault("aws", { protect: true });
        const prod = protectedVault.values.server;
        assert.equal(prod.dataStorage.enabled, true);
        assert.equal(prod.auditStorage.enabled, true);
        assert.deepEqual(prod.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        const namespace = protectedVault.ev.named("kubernetes:core/v1:Namespace", "vault-ns");
        assert.deepEqual([namespace.protect, namespace.retainOnDelete], [true, true], "deleting the namespace would delete the raft PVCs");
        const unprotected = await buildVault("aws", { protect: false });
        assert.equal(unprotected.values.server.persistentVolumeClaimRetentionPolicy.whenDeleted, "Delete");
        assert.equal(unprotected.ev.named("kubernetes:core/v1:Namespace", "vault-ns").protect, false);
    });

    it("labels the ServiceMonitor for the platform Prometheus and verifies Vault's certificate; off when monitoring is off", async () => {
        const on = (await buildVault("aws", { serviceMonitor: true })).values.serverTelemetry.serviceMonitor;
        assert.equal(on.enabled, true);
        assert.deepEqual(on.selectors, MONITORING_SELECTOR_LABELS);
        assert.deepEqual(on.tlsConfig.ca.secret, { name: VAULT_TLS_SECRET, key: "ca.crt" });
        const off = (await buildVault("aws", { serviceMonitor: false })).values.serverTelemetry.serviceMonitor;
        assert.equal(off.enabled, false);
    });

    it("rejects a replica count below one", async () => {
        await assert.rejects(buildVault("aws", { replicas: 0 }), /replicas must be a positive integer/);
    });
});

const APP: VaultAppAccess = { name: "financial-app", namespace: "financial", serviceAccount: "financial-app", secretPaths: ["financial-app/*"] };

async function buildConfig(apps: VaultAppAccess[] = [APP], caCertPem?: string): Promise<Evaluation> {
    return evaluate({
        project: "t",
        stack: "t",
        config: {},
        program: () => {
            new VaultConfiguration("vault-config", {
                address: "https://127.0.0.1:8200",
                token: pulumi.secret("t"),
                caCertPem,
                kubernetesHost: "https://kubernetes.default.svc",
                apps,
            });
        },
    });
}

describe("Vault configuration", () => {
    it("sends every Vault resource through one explicit provider whose token is a secret", async () => {
        const ev = await buildConfig();
        const provider = ev.named("pulumi:providers:vault", "vault-config-provider");
        assert.equal(provider.inputs.address, "https://127.0.0.1:8200");
        assert.ok(provider.secretInputs.includes("token"), "token is a secret input");
        // Provider inputs reach the engine JSON-encoded.
        assert.equal(String(provider.inputs.skipChildToken), "true");
        const vaultResources = ev.resources.filter((r) => r.type.startsWith("vault:"));
        assert.deepEqual(vaultResources.map((r) => r.type).sort(), [
            "vault:index/audit:Audit",
            "vault:index/authBackend:AuthBackend",
            "vault:index/mount:Mount",
            "vault:index/policy:Policy",
            "vault:kubernetes/authBackendConfig:AuthBackendConfig",
            "vault:kubernetes/authBackendRole:AuthBackendRole",
        ]);
        for (const r of vaultResources) assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.type} uses the explicit provider`);
    });

    it("enables Kubernetes auth and a KV v2 mount at the well-known paths", async () => {
        const ev = await buildConfig();
        const auth = ev.named("vault:index/authBackend:AuthBackend", "vault-config-kubernetes-auth");
        assert.equal(auth.inputs.type, "kubernetes");
        assert.equal(auth.inputs.path, VAULT.kubernetesAuthPath);
        const config = ev.named("vault:kubernetes/authBackendConfig:AuthBackendConfig", "vault-config-kubernetes-auth-config");
        assert.equal(config.inputs.kubernetesHost, "https://kubernetes.default.svc");
        assert.equal(config.inputs.backend, VAULT.kubernetesAuthPath);
        const kv = ev.named("vault:index/mount:Mount", "vault-config-kv");
        assert.equal(kv.inputs.path, VAULT.kvMount);
        assert.equal(kv.inputs.type, "kv");
        assert.deepEqual(kv.inputs.options, { version: "2" });
        const audit = ev.named("vault:index/audit:Audit", "vault-config-audit-file");
        assert.match(audit.inputs.options.file_path, /^\/vault\/audit\//, "audit log on the audit volume");
    });

    it("grants each app read-only access to its own KV paths and nothing on the rest of the mount", async () => {
        const ev = await buildConfig();
        const policy: string = ev.named("vault:index/policy:Policy", "vault-config-financial-app-read").inputs.policy;
        const stanzas = [...policy.matchAll(/path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]\s*\}/g)].map((m) => ({
            path: m[1],
            capabilities: m[2].split(",").map((c) => c.trim().replace(/"/g, "")),
        }));
        assert.deepEqual(stanzas.map((s) => s.path), ["secret/data/financial-app/*", "secret/metadata/financial-app/*"]);
        assert.deepEqual(stanzas[0].capabilities, ["read"]);
        for (const s of stanzas) {
            assert.deepEqual(s.capabilities.filter((c) => !["read", "list"].includes(c)), [], `${s.path} grants no write`);
        }
        assert.doesNotMatch(policy, /path "secret\/\*"|path "secret\/data\/\*"|path "\*"/);
    });

    it("binds each app's role to exactly its ServiceAccount and namespace with a short token TTL", async () => {
        const ev = await buildConfig([APP, { name: "reports", namespace: "reports", serviceAccount: "reporter", secretPaths: ["reports/db"] }]);
        const role = ev.named("vault:kubernetes/authBackendRole:AuthBackendRole", "vault-config-financial-app-role");
        assert.equal(role.inputs.roleName, "financial-app");
        assert.equal(role.inputs.backend, VAULT.kubernetesAuthPath);
        assert.deepEqual(role.inputs.boundServiceAccountNames, ["financial-app"]);
        assert.deepEqual(role.inputs.boundServiceAccountNamespaces, ["financial"]);
        assert.deepEqual(role.inputs.tokenPolicies, ["financial-app-read"]);
        assert.ok(role.inputs.tokenTtl > 0 && role.inputs.tokenTtl <= 3600, `ttl ${role.inputs.tokenTtl}`);
        const other = ev.named("vault:kubernetes/authBackendRole:AuthBackendRole", "vault-config-reports-role");
        assert.deepEqual(other.inputs.boundServiceAccountNames, ["reporter"]);
        assert.deepEqual(other.inputs.tokenPolicies, ["reports-read"]);
        const otherPolicy: string = ev.named("vault:index/policy:Policy", "vault-config-reports-read").inputs.policy;
        assert.doesNotMatch(otherPolicy, /financial-app/, "one app's policy never covers another's secrets");
    });

    it("refuses secret paths that would cover the whole mount", async () => {
        for (const bad of ["*", "/*", "", "../sys/*"]) {
            await assert.rejects(buildConfig([{ ...APP, secretPaths: [bad] }]), /must name a sub-path/, JSON.stringify(bad));
        }
    });

    it("trusts the given CA through a file holding exactly that PEM", async () => {
        const pem = "-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n";
        const ev = await buildConfig([APP], pem);
        const provider = ev.named("pulumi:providers:vault", "vault-config-provider");
        assert.equal(fs.readFileSync(provider.inputs.caCertFile, "utf8"), pem);
        assert.equal(provider.inputs.skipTlsVerify, undefined);
    });
});
