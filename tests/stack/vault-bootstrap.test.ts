import { strict as assert } from "assert";
import { Evaluation } from "../../commands/offline/harness";
import { VAULT_CONFIGURED as CONFIGURED, stackEvaluation } from "../support/stacks";

const SKIP_AWAIT = "pulumi.com/skipAwait";

function stableDeployment(ev: Evaluation, cloud: string) {
    return ev.named("kubernetes:apps/v1:Deployment", `pair-${cloud}-app-stable`);
}

describe("Vault bootstrap (two `pulumi up` runs)", () => {
    let installOnly: Evaluation;
    let configured: Evaluation;
    before(async () => {
        [installOnly, configured] = await Promise.all([stackEvaluation("dev"), stackEvaluation("dev", CONFIGURED)]);
    });

    it("first run: installs Vault but does not configure it, and does not wait for app pods that cannot log in yet", () => {
        assert.equal(installOnly.ofType("finplat:addons:VaultConfiguration").length, 0);
        assert.equal(installOnly.ofType("pulumi:providers:vault").length, 0, "nothing talks to an uninitialized Vault");
        for (const cloud of ["aws", "azure"]) assert.equal(stableDeployment(installOnly, cloud).inputs.metadata.annotations?.[SKIP_AWAIT], "true");
    });

    it("second run: configures each cluster's own Vault through its own address and secret token", () => {
        const providers = configured.ofType("pulumi:providers:vault");
        assert.deepEqual(providers.map((p) => p.inputs.address).sort(), ["https://vault-aws.internal.fin.example.com:8200", "https://vault-azure.internal.fin.example.com:8200"]);
        providers.forEach((p) => assert.ok(p.secretInputs.includes("token"), "the token stays a secret"));
        const role = configured.ofType("vault:kubernetes/authBackendRole:AuthBackendRole").find((r) => r.name.startsWith("pair-aws"))!;
        assert.deepEqual([role.inputs.boundServiceAccountNames, role.inputs.boundServiceAccountNamespaces], [["financial-app"], ["financial-app"]]);
    });

    it("second run: the app waits for its Vault role and is awaited again", () => {
        for (const cloud of ["aws", "azure"]) {
            const role = configured.ofType("vault:kubernetes/authBackendRole:AuthBackendRole").find((r) => r.name.startsWith(`pair-${cloud}`))!;
            const namespace = configured.named("kubernetes:core/v1:Namespace", `pair-${cloud}-app-ns`);
            assert.ok(namespace.dependencies.includes(role.urn), `${cloud}: the app namespace (and so the app) comes after the Vault role`);
            assert.equal(stableDeployment(configured, cloud).inputs.metadata.annotations?.[SKIP_AWAIT], undefined);
        }
    });
});
