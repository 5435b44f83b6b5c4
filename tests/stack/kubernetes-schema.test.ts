import { strict as assert } from "assert";
import { stackEvaluation } from "../support/stacks";
import { validateAllKubernetesResources } from "../support/k8s-schema";

describe("every Kubernetes object the stacks emit", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: validates against the Kubernetes and CRD schemas (kubernetes-models)`, async () => {
            const evaluation = await stackEvaluation(stack);
            const kubernetesObjects = evaluation.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release");
            assert.ok(kubernetesObjects.length > 50, `the stack emits Kubernetes objects (${kubernetesObjects.length})`);
            assert.deepEqual(await validateAllKubernetesResources(evaluation), []);
        });
    }
});
