import { strict as assert } from "assert";
import { stackEvaluation } from "../support/stacks";
import { kubernetesObjects, validateKubernetesResources } from "../support/k8s-schema";

describe("every Kubernetes object the stacks emit", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: validates against the schema of its pinned version, unknown fields included, every one of them`, async () => {
            const evaluation = await stackEvaluation(stack);
            const objects = kubernetesObjects(evaluation);
            assert.ok(objects.length > 50, `the stack emits Kubernetes objects (${objects.length})`);
            const report = await validateKubernetesResources(evaluation);
            assert.deepEqual(report.failures, []);
            assert.equal(report.validated, objects.length);
        });
    }
});
