import { strict as assert } from "assert";
import { Evaluation } from "../../commands/offline/harness";
import { stackEvaluation, urns } from "../support/stacks";

/** Cloud infrastructure that must never change on a failover (the global failover records are meant to). */
const INFRASTRUCTURE = /^(aws:(eks|ec2|iam|kms|s3|route53\/(zone|healthCheck))|azure-native:(containerservice|network|resources|storage|keyvault|managedidentity|dns))/;

describe("active-passive cluster pair", () => {
    let awsActive: Evaluation;
    let azureActive: Evaluation;
    before(async () => {
        [awsActive, azureActive] = await Promise.all([stackEvaluation("dev"), stackEvaluation("dev", ["activeCloud=azure"])]);
    });

    it("always builds both clusters, with roles from activeCloud", () => {
        assert.equal(awsActive.outputs.clusters.aws.role, "active");
        assert.equal(awsActive.outputs.clusters.azure.role, "passive");
        assert.equal(azureActive.outputs.clusters.aws.role, "passive");
        assert.equal(azureActive.outputs.clusters.azure.role, "active");
        assert.equal(azureActive.outputs.activeCloud, "azure");
    });

    it("flipping the active cloud renames nothing: the same resources exist under the same URNs", () => {
        assert.deepEqual(urns(azureActive), urns(awsActive));
    });

    it("flipping the active cloud changes no input of a cluster, node pool, network, key or store", () => {
        const changed = awsActive.resources
            .filter((r) => INFRASTRUCTURE.test(r.type))
            .filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(azureActive.byUrn(r.urn)?.inputs))
            .map((r) => r.urn);
        assert.deepEqual(changed, []);
    });

    it("a failover repoints the two global records in place: only their target and health check change", () => {
        for (const slot of ["global-primary", "global-secondary"]) {
            const before = awsActive.named("aws:route53/record:Record", slot).inputs;
            const after = azureActive.named("aws:route53/record:Record", slot).inputs;
            assert.notDeepEqual(after.records, before.records);
            assert.notEqual(after.healthCheckId, before.healthCheckId);
            const rest = (inputs: Record<string, unknown>) => ({ ...inputs, records: undefined, healthCheckId: undefined });
            assert.deepEqual(rest(after), rest(before));
        }
        assert.deepEqual(awsActive.named("aws:route53/record:Record", "global-primary").inputs.records, ["app.aws.dev.fin.example.com"]);
        assert.deepEqual(azureActive.named("aws:route53/record:Record", "global-primary").inputs.records, ["app.azure.dev.fin.example.com"]);
    });

    it("exports each cluster's name, cloud, region, role and endpoint, and the kubeconfigs as secrets", () => {
        const { aws, azure } = awsActive.outputs.clusters;
        assert.deepEqual([aws.name, aws.cloud, aws.region], ["finplat-dev-eks", "aws", "us-east-1"]);
        assert.deepEqual([azure.name, azure.cloud, azure.region], ["finplat-dev-aks", "azure", "eastus2"]);
        assert.match(aws.endpoint, /^https:\/\/.+\.eks\.amazonaws\.com$/);
        assert.match(azure.endpoint, /^https:\/\/.+\.azmk8s\.io:443$/);
        assert.deepEqual(awsActive.secretOutputs, ["kubeconfigs"], "only the kubeconfigs output is secret");
        // The k8s providers receive the kubeconfigs as secret inputs; the stack output wraps both in one secret.
        for (const name of ["pair-aws-k8s", "pair-azure-k8s"]) {
            assert.ok(awsActive.named("pulumi:providers:kubernetes", name).secretInputs.includes("kubeconfig"));
        }
    });

    it("names clusters by environment, never by role", () => {
        const names = (ev: Evaluation) => [ev.named("aws:eks/cluster:Cluster", "pair-aws-eks").inputs.name, ev.named("azure-native:containerservice:ManagedCluster", "pair-azure-aks").inputs.resourceName];
        assert.deepEqual(names(awsActive), ["finplat-dev-eks", "finplat-dev-aks"]);
        assert.deepEqual(names(azureActive), names(awsActive));
    });
});
