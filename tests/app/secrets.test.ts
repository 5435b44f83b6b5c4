import { strict as assert } from "assert";
import { ELASTICSEARCH } from "../../components/addons/well-known";
import { CONTAINERS } from "../../components/app/layout";
import { CLOUDS, TYPES, allContainers, appWorkloads, defaultEvaluation, evaluateApp, objectNamed, podSpecOf, podTemplateOf } from "./app-fixture";

const V = "vault.hashicorp.com";
const SENTINEL = "s3ntinel-Value-9f2c";

for (const cloud of CLOUDS) {
    describe(`FinancialApp secrets through Vault (${cloud})`, () => {
        it("asks the Vault agent injector for each secret by KV v2 path and renders it as an env file", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const annotations = podTemplateOf(objectNamed(ev, TYPES.deployment, "financial-app")).metadata.annotations;
            assert.equal(annotations[`${V}/agent-inject`], "true");
            assert.equal(annotations[`${V}/role`], "financial-app");
            assert.equal(annotations[`${V}/auth-path`], "auth/kubernetes");
            for (const [name, path] of [["database", "financial-app/database"], ["api-keys", "financial-app/api-keys"]]) {
                assert.equal(annotations[`${V}/agent-inject-secret-${name}`], `secret/data/${path}`);
                assert.equal(annotations[`${V}/agent-inject-template-${name}`],
                    `{{ with secret "secret/data/${path}" }}{{ range $key, $value := .Data.data }}{{ $key }}={{ $value | toJSON }}\n{{ end }}{{ end }}`);
                assert.equal(annotations[`${V}/agent-inject-perms-${name}`], "0440");
            }
        });

        it("verifies Vault's certificate with the internal CA instead of skipping verification", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const annotations = podTemplateOf(objectNamed(ev, TYPES.deployment, "financial-app")).metadata.annotations;
            assert.equal(annotations[`${V}/service`], "https://vault.vault.svc:8200");
            assert.equal(annotations[`${V}/tls-secret`], "financial-app-internal-trust");
            assert.equal(annotations[`${V}/ca-cert`], "/vault/tls/ca.crt");
            assert.equal(annotations[`${V}/tls-skip-verify`], undefined);
            const trust = objectNamed(ev, TYPES.certificate, "financial-app-internal-trust").inputs.spec;
            assert.equal(trust.secretName, "financial-app-internal-trust");
            assert.equal(trust.issuerRef.name, "internal-ca");
        });

        it("runs the Vault agent as a non-root user, first among init containers, and as a sidecar only on serving pods", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const server = podTemplateOf(objectNamed(ev, TYPES.deployment, "financial-app")).metadata.annotations;
            const job = podTemplateOf(objectNamed(ev, TYPES.cronJob, "financial-app-reconciliation")).metadata.annotations;
            assert.ok(Number(server[`${V}/agent-run-as-user`]) > 0);
            assert.equal(server[`${V}/agent-init-first`], "true");
            assert.equal(server[`${V}/agent-pre-populate-only`], "false", "serving pods keep secrets fresh");
            assert.equal(job[`${V}/agent-pre-populate-only`], "true", "the Job's pod must be able to complete");
            assert.equal(job[`${V}/role`], server[`${V}/role`]);
        });

        it("gives the Vault token only to the Vault agent: no automount, a projected token volume no app container mounts", async () => {
            const { ev } = await defaultEvaluation(cloud);
            for (const workload of appWorkloads(ev)) {
                const template = podTemplateOf(workload);
                assert.equal(template.metadata.annotations[`${V}/agent-service-account-token-volume-name`], "vault-sa-token");
                const volume = podSpecOf(workload).volumes.find((v: any) => v.name === "vault-sa-token");
                assert.deepEqual(volume.projected.sources, [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }]);
                for (const container of allContainers(workload)) {
                    assert.ok(!(container.volumeMounts ?? []).some((m: any) => m.name === "vault-sa-token"), `${workload.name}/${container.name} does not mount the token`);
                }
            }
        });

        it("keeps the app's secrets out of the internet-facing Envoy container", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            assert.equal(podTemplateOf(stable).metadata.annotations[`${V}/agent-inject-containers`], CONTAINERS.app);
            // The injector mounts /vault/secrets into every init container, so Envoy must not be one.
            assert.ok(podSpecOf(stable).containers.some((c: any) => c.name === CONTAINERS.envoy));
            assert.ok(!podSpecOf(stable).initContainers.some((c: any) => c.name === CONTAINERS.envoy));
        });

        it("fluentd's Elasticsearch credentials come from Vault (logging/elasticsearch), never from the ECK Secret", async () => {
            const { ev, app } = await defaultEvaluation(cloud);
            const annotations = podTemplateOf(objectNamed(ev, TYPES.deployment, "financial-app")).metadata.annotations;
            for (const [file, key] of [["elasticsearch-username", "username"], ["elasticsearch-password", "password"], ["elasticsearch-ca.crt", "ca.crt"]]) {
                assert.equal(annotations[`${V}/agent-inject-secret-${file}`], "secret/data/logging/elasticsearch");
                assert.equal(annotations[`${V}/agent-inject-template-${file}`], `{{ with secret "secret/data/logging/elasticsearch" }}{{ index .Data.data "${key}" }}{{ end }}`);
                assert.equal(annotations[`${V}/error-on-missing-key-${file}`], "true");
            }
            const everything = JSON.stringify(ev.resources.map((r) => r.inputs));
            assert.ok(!everything.includes(ELASTICSEARCH.userSecret), "the ECK elastic-user Secret is not referenced");
            assert.deepEqual(app.vaultReadPaths, ["secret/data/financial-app/database", "secret/data/financial-app/api-keys", "secret/data/logging/elasticsearch"]);
        });

        it("creates no Kubernetes Secret and no input holds key material or credentials", async () => {
            const { ev } = await defaultEvaluation(cloud);
            assert.deepEqual(ev.ofType(TYPES.secret), []);
            for (const resource of ev.resources) {
                const text = JSON.stringify(resource.inputs);
                assert.doesNotMatch(text, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, resource.name);
                assert.doesNotMatch(text, /:\/\/[^/\s:@"]+:[^/\s@"]+@/, `${resource.name}: credentials in a URL`);
            }
        });

        it("rejects secret values passed as settings, without echoing them and before registering anything", async () => {
            const leaks: Record<string, string>[] = [{ DB_PASSWORD: SENTINEL }, { DATABASE_URL: `postgres://app:${SENTINEL}@db.internal:5432/ledger` }];
            for (const settings of leaks) {
                await assert.rejects(evaluateApp(cloud, { settings }), (err: Error & { registered?: string[] }) => {
                    assert.match(err.message, /store it in Vault and list its path in vaultSecrets/);
                    assert.ok(!err.message.includes(SENTINEL), "the value is not in the error");
                    assert.ok(Array.isArray(err.registered), "the harness reports what was registered");
                    assert.ok(!err.registered?.includes(TYPES.configMap), "no ConfigMap was registered");
                    assert.ok(!err.registered?.includes("finplat:app:FinancialApp"));
                    return true;
                });
            }
        });

        it("rejects settings that contradict the paths and listeners the pod is built around", async () => {
            await assert.rejects(evaluateApp(cloud, { settings: { LOG_DIR: "/data/logs" } }), /settings\.LOG_DIR: the platform sets it to "\/var\/log\/app"/);
        });
    });
}
