/**
 * First `pulumi up` before Vault is configured: the pods wait in vault-agent-init,
 * so with awaitReadiness false Pulumi must not wait on the workloads. And the
 * helpers a stack calls before the app exists (to create the Vault role first)
 * must agree with what the app creates.
 */
import { strict as assert } from "assert";
import { VAULT } from "../../components/addons/well-known";
import { DEFAULT_APP_NAME, appServiceAccountName, vaultKvPathsFor } from "../../components/app/financial-app";
import { CLOUDS, TYPES, appWorkloads, defaultEvaluation, evaluateApp, objectNamed, podSpecOf, podTemplateOf } from "./app-fixture";
import { RecordedResource } from "../../commands/offline/harness";

const SKIP_AWAIT = "pulumi.com/skipAwait";

function skipAwaitOf(workload: RecordedResource): unknown {
    return workload.inputs.metadata.annotations?.[SKIP_AWAIT];
}

for (const cloud of CLOUDS) {
    describe(`FinancialApp awaitReadiness (${cloud})`, () => {
        it("by default Pulumi awaits the Deployments (no skipAwait anywhere)", async () => {
            const { ev } = await defaultEvaluation(cloud);
            for (const workload of appWorkloads(ev)) {
                assert.equal(skipAwaitOf(workload), undefined, workload.name);
                assert.equal(podTemplateOf(workload).metadata.annotations?.[SKIP_AWAIT], undefined, workload.name);
            }
            const explicit = await evaluateApp(cloud, { awaitReadiness: true });
            for (const workload of appWorkloads(explicit.ev)) assert.equal(skipAwaitOf(workload), undefined, workload.name);
        });

        it("awaitReadiness false puts skipAwait on both Deployments and the CronJob, in their own metadata", async () => {
            const { ev } = await evaluateApp(cloud, { awaitReadiness: false });
            const [stable, canary, cronJob] = appWorkloads(ev);
            for (const workload of [stable, canary, cronJob]) assert.equal(skipAwaitOf(workload), "true", workload.name);
            assert.equal(stable.inputs.metadata.name, "financial-app");
            assert.equal(canary.inputs.metadata.name, "financial-app-canary");
        });

        it("flipping awaitReadiness leaves the pod templates untouched, so it never restarts pods", async () => {
            const { ev: awaited } = await defaultEvaluation(cloud);
            const { ev: skipped } = await evaluateApp(cloud, { awaitReadiness: false }, { withAddOnDependency: true });
            const before = appWorkloads(awaited);
            const after = appWorkloads(skipped);
            for (let i = 0; i < before.length; i++) {
                assert.equal(podTemplateOf(after[i]).metadata.annotations?.[SKIP_AWAIT], undefined, after[i].name);
                assert.deepEqual(podTemplateOf(after[i]), podTemplateOf(before[i]), after[i].name);
                const metadataAfter = { ...after[i].inputs.metadata };
                delete metadataAfter.annotations;
                assert.deepEqual(metadataAfter, before[i].inputs.metadata, `${after[i].name}: only the annotation differs`);
            }
        });
    });
}

describe("FinancialApp helpers for creating the Vault role first", () => {
    it("appServiceAccountName is the ServiceAccount the pods run as, for the default and a custom name", async () => {
        assert.equal(appServiceAccountName(), DEFAULT_APP_NAME);
        const { ev, app } = await defaultEvaluation("aws");
        assert.equal(app.serviceAccountName, appServiceAccountName());
        assert.equal(objectNamed(ev, TYPES.serviceAccount, appServiceAccountName()).inputs.automountServiceAccountToken, false);
        for (const workload of appWorkloads(ev)) assert.equal(podSpecOf(workload).serviceAccountName, appServiceAccountName(), workload.name);

        const custom = await evaluateApp("azure", { name: "ledger" });
        assert.equal(custom.app.serviceAccountName, appServiceAccountName("ledger"));
        objectNamed(custom.ev, TYPES.serviceAccount, appServiceAccountName("ledger"));
        assert.equal(podSpecOf(objectNamed(custom.ev, TYPES.deployment, "ledger")).serviceAccountName, appServiceAccountName("ledger"));
    });

    it("vaultKvPathsFor lists the app's KV paths and the log shipper's Elasticsearch path, as the app reports them", async () => {
        const { app } = await defaultEvaluation("aws");
        const secrets = [{ name: "database", path: "financial-app/database" }, { name: "api-keys", path: "financial-app/api-keys" }];
        assert.deepEqual(vaultKvPathsFor(secrets), ["financial-app/database", "financial-app/api-keys", "logging/elasticsearch"]);
        assert.deepEqual(app.vaultKvPaths, vaultKvPathsFor(secrets));
        assert.deepEqual(app.vaultReadPaths, vaultKvPathsFor(secrets).map((p) => `${VAULT.kvMount}/data/${p}`));
        assert.deepEqual(vaultKvPathsFor([]), ["logging/elasticsearch"]);
    });
});
