import { strict as assert } from "assert";
import { evaluate, Evaluation } from "../../commands/offline/harness";
import { SCENARIOS, scenarioNamed } from "../../tools/bench/breakdown-scenarios";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

function run(name: string, count: number): Promise<Evaluation> {
    return evaluate({ project: "bench", stack: "bench", config: {}, program: () => scenarioNamed(name).declare(count) });
}

describe("bench --breakdown: each scenario declares the pattern it names", function () {
    this.timeout(60_000);

    it("every scenario declares `count` units on one explicit Kubernetes provider", async () => {
        for (const scenario of SCENARIOS) {
            const [two, five] = [await run(scenario.name, 2), await run(scenario.name, 5)];
            assert.ok(five.resources.length - two.resources.length >= 3, `${scenario.name}: ${two.resources.length} → ${five.resources.length}`);
            const custom = five.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
            assert.ok(custom.every((r) => r.provider.includes("pulumi:providers:kubernetes::bench-k8s")), `${scenario.name}: explicit provider`);
        }
    });

    it("the patterns are really there: dependsOn (a component expanded to its 20 children), aliases and protect, secrets, Outputs", async () => {
        const component = (await run("configmap-depends-on-component", 2)).resources.filter((r) => r.type === CONFIG_MAP && r.name.startsWith("cm-"));
        assert.deepEqual(component.map((r) => r.dependencies.length), [20, 20]);
        const options = (await run("configmap-aliases-protect", 1)).named(CONFIG_MAP, "cm-0");
        assert.equal(options.protect, true);
        assert.equal(options.retainOnDelete, true);
        assert.deepEqual(options.ignoreChanges, ["data"]);
        assert.equal(options.aliases.length, 1);
        assert.deepEqual((await run("configmap-secret", 1)).named(CONFIG_MAP, "cm-0").secretInputs, ["data"]);
        const namespaced = (await run("configmap-output-namespace", 1)).named(CONFIG_MAP, "cm-0");
        assert.equal(namespaced.inputs.metadata.namespace, "bench");
        assert.equal(namespaced.dependencies.length, 1, "waits for the Namespace through its Output");
        const deployment = (await run("deployment", 1)).named("kubernetes:apps/v1:Deployment", "deploy-0");
        assert.equal(deployment.inputs.spec.template.spec.containers.length + deployment.inputs.spec.template.spec.initContainers.length, 6);
    });
});
