import { strict as assert } from "assert";
import { SimulationResult, diffValues, renderSimulation, simulate } from "../../commands/drill/simulate";
import { replaceRuleFor } from "../../commands/drill/replace-rules";
import { resolveTarget } from "../../commands/drill/errors";
import { unexpectedFlipChanges as unexpected } from "../support/role-dependent";

describe("drill --simulate on the real program (offline)", function () {
    this.timeout(120_000);
    let flip: SimulationResult;
    let flipWithCidr: SimulationResult;
    before(async () => {
        flip = await simulate({ stack: "dev", to: "azure" });
        flipWithCidr = await simulate({ stack: "dev", to: "azure", overrides: ["aws.vpcCidr=10.30.0.0/16"] });
    });

    it("flipping dev to azure replaces nothing, and changes only role-dependent inputs", () => {
        assert.deepEqual([flip.from, flip.to], ["aws", "azure"]);
        assert.equal(flip.resourcesAfter, flip.resourcesBefore);
        assert.deepEqual(flip.replacements.map((r) => `${r.type} ${r.name}`), []);
        assert.deepEqual(unexpected(flip.changes), []);
        // The HPA minimum moves the app between full and standby size; the Deployment's replicas are
        // owned by the HPA (ignoreChanges), so they are not a change Pulumi would make.
        const hpa = flip.changes.find((c) => c.name === "pair-azure-app-hpa")!;
        assert.deepEqual(hpa.changes.map((c) => [c.path, c.before, c.after]), [["spec.minReplicas", 1, 2]]);
        assert.equal(flip.changes.length, 10, "two global records, two HPAs, two admin CronJobs, two app namespaces' role labels, two PostgreSQL Clusters");
        // The database switchover: both Clusters name the new primary, in place (bootstrap is read only at creation).
        for (const name of ["pair-aws-database-cluster", "pair-azure-database-cluster"]) {
            const cluster = flip.changes.find((c) => c.name === name)!;
            assert.deepEqual(cluster.changes.map((c) => [c.path, c.before, c.after]), [["spec.replica.primary", "postgres-aws", "postgres-azure"]]);
        }
        const namespace = flip.changes.find((c) => c.name === "pair-aws-app-ns")!;
        assert.deepEqual(namespace.changes.map((c) => [c.path, c.before, c.after]), [["metadata.labels.platform.finplat.io/dr-role", "active", "passive"]]);
        assert.match(renderSimulation(flip), /^0 replacements: every change is an in-place update/m);
    });

    it("prints the DR budget with the config's targets", () => {
        assert.ok(flip.budget, flip.budgetUnavailable);
        assert.equal(flip.budget!.problems.length, 0);
        assert.match(renderSimulation(flip), /RTO \d+ s \(detection \d+×\d+ s \+ DNS TTL \d+ s \+ promotion \d+ s\); target dr\.rtoSeconds \d+ s: within target/);
        assert.match(renderSimulation(flip), /RPO \d+ min \(platform\.velero\.schedule ".+"\); target dr\.rpoMinutes \d+ min/);
    });

    it("can fail: a flip that also changes aws.vpcCidr is reported as replacements, down to the cluster on those subnets", () => {
        const replaced = flipWithCidr.replacements.map((r) => `${r.type} ${r.name}`);
        assert.ok(replaced.includes("aws:ec2/vpc:Vpc pair-aws-net-vpc"), replaced.join("\n"));
        const vpc = flipWithCidr.replacements.find((r) => r.type === "aws:ec2/vpc:Vpc")!;
        assert.deepEqual(vpc.changes, [{ path: "cidrBlock", before: "10.10.0.0/16", after: "10.30.0.0/16", replaceRule: "cidrBlock", secret: undefined }]);
        assert.ok(flipWithCidr.replacements.some((r) => r.type === "aws:ec2/subnet:Subnet"));
        // Subnets get new ids, and the EKS cluster and node groups on them are replaced too.
        assert.ok(replaced.includes("aws:eks/cluster:Cluster pair-aws-eks"), replaced.join("\n"));
        assert.ok(flipWithCidr.replacements.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup"));
        const text = renderSimulation(flipWithCidr);
        assert.match(text, /\+-REPLACE aws:ec2\/vpc:Vpc pair-aws-net-vpc\n {6}cidrBlock: "10\.10\.0\.0\/16" → "10\.30\.0\.0\/16" {3}\[forces replacement: cidrBlock\]/);
        assert.match(text, /^\d+ replacements \(a failover must replace nothing\):/m);
    });

    it("labels a failback as such", () => {
        assert.match(renderSimulation({ ...flip, failback: true }), /^Failback simulation for stack "dev": activeCloud aws → azure/);
        assert.match(renderSimulation(flip), /^Failover simulation for stack "dev"/);
    });

    it("refuses a flip to the cloud that is already active, and an unknown stack", async () => {
        await assert.rejects(simulate({ stack: "dev", to: "aws" }), /stack "dev" already has activeCloud=aws; nothing to fail over/);
        await assert.rejects(simulate({ stack: "nope", to: "azure" }), /unknown stack "nope": no Pulumi\.nope\.yaml/);
    });
});

describe("change classification", () => {
    it("diffs nested inputs by path; arrays of another length differ as a whole", () => {
        assert.deepEqual(diffValues({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { b: 2, c: [1, 3] }, d: "x", e: true }), [
            { path: "a.b", before: 1, after: 2 },
            { path: "a.c[1]", before: 2, after: 3 },
            { path: "e", before: undefined, after: true },
        ]);
        assert.deepEqual(diffValues({ l: [1] }, { l: [1, 2] }), [{ path: "l", before: [1], after: [1, 2] }]);
    });

    it("knows which input paths force a replacement", () => {
        const replaces: [string, string][] = [
            ["aws:eks/cluster:Cluster", "name"],
            ["aws:eks/cluster:Cluster", "vpcConfig.subnetIds[2]"],
            ["aws:eks/cluster:Cluster", "vpcConfig"],
            ["aws:eks/nodeGroup:NodeGroup", "instanceTypes[0]"],
            ["aws:eks/nodeGroup:NodeGroup", "capacityType"],
            ["azure-native:containerservice:ManagedCluster", "dnsPrefix"],
            ["azure-native:containerservice:ManagedCluster", "agentPoolProfiles[0].vmSize"],
            ["aws:ec2/vpc:Vpc", "cidrBlock"],
            ["aws:route53/record:Record", "setIdentifier"],
            ["aws:route53/healthCheck:HealthCheck", "requestInterval"],
            ["kubernetes:apps/v1:Deployment", "metadata.name"],
            ["kubernetes:apps/v1:Deployment", "spec.selector.matchLabels.app"],
            ["kubernetes:example.com/v1:Anything", "metadata.namespace"],
        ];
        for (const [type, p] of replaces) assert.ok(replaceRuleFor(type, p), `${type} ${p} should replace`);
        const updates: [string, string][] = [
            ["aws:route53/record:Record", "failoverRoutingPolicies[0].type"],
            ["aws:route53/record:Record", "records[0]"],
            ["aws:route53/record:Record", "healthCheckId"],
            ["aws:eks/nodeGroup:NodeGroup", "scalingConfig.minSize"],
            ["aws:eks/cluster:Cluster", "vpcConfig.publicAccessCidrs[0]"],
            ["kubernetes:apps/v1:Deployment", "spec.replicas"],
            ["kubernetes:apps/v1:Deployment", "metadata.labels.role"],
            ["azure-native:containerservice:AgentPool", "minCount"],
        ];
        for (const [type, p] of updates) assert.equal(replaceRuleFor(type, p), undefined, `${type} ${p} should update in place`);
    });

    it("resolves the drill's direction, failback included", () => {
        assert.deepEqual(resolveTarget("aws", "azure", false, "prod"), { from: "aws", to: "azure" });
        assert.deepEqual(resolveTarget("azure", "azure", true, "prod"), { from: "azure", to: "aws" });
        assert.deepEqual(resolveTarget("azure", undefined, true, "prod"), { from: "azure", to: "aws" });
        assert.throws(() => resolveTarget("aws", "azure", true, "prod"), /--failback --to azure: stack "prod" has activeCloud=aws, not azure/);
        assert.throws(() => resolveTarget("aws", undefined, false, "prod"), /--to aws\|azure is required/);
    });
});
