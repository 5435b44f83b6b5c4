import { strict as assert } from "assert";
import { SimulationResult, budgetLines, diffEvaluations, diffValues, isBudget, renderSimulation, simulate } from "../../commands/drill/simulate";
import { cachedEvaluator, stackEvaluation } from "../support/stacks";
import { computeDrBudget } from "../../stacks/config/dr-budget";
import { changeVerdict, replaceRuleFor } from "../../commands/drill/replace-rules";
import { resolveTarget } from "../../commands/drill/errors";
import { unexpectedFlipChanges as unexpected } from "../support/role-dependent";

describe("drill --simulate on the real program (offline)", function () {
    this.timeout(120_000);
    let flip: SimulationResult;
    let flipWithCidr: SimulationResult;
    before(async () => {
        flip = await simulate({ stack: "dev", to: "azure", evaluate: cachedEvaluator("dev") });
        flipWithCidr = await simulate({ stack: "dev", to: "azure", overrides: ["aws.vpcCidr=10.30.0.0/16"], evaluate: cachedEvaluator("dev") });
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

    it("prints every DR budget with the config's targets: service restored, full capacity, objects, database", () => {
        assert.ok(flip.budget, flip.budgetUnavailable);
        assert.equal(flip.budget!.problems.length, 0);
        assert.deepEqual(flip.budget!.targets, { rtoSeconds: 900, fullCapacitySeconds: 1200, rpoMinutes: 360, databaseRpoSeconds: 600 }, "dev's dr.* targets, all four");
        const text = renderSimulation(flip);
        assert.match(text, /\n {2}RTO, service restored 450 s \(detection 3×30 s \+ DNS TTL 60 s \+ promotion 300 s\); target dr\.rtoSeconds 900 s: within target\n/);
        assert.match(text, /\n {2}RTO, full capacity 750 s \(service restored 450 s \+ scale-up 300 s\); target dr\.fullCapacitySeconds 1200 s: within target\n/);
        assert.match(text, /\n {2}RPO, objects \d+ min \(platform\.velero\.schedule ".+"\); target dr\.rpoMinutes 360 min: within target\n/);
        assert.match(text, /\n {2}RPO, database 360 s \(archive_timeout 300 s \+ upload 60 s\); target dr\.databaseRpoSeconds 600 s: within target$/);
    });

    it("judges each budget against its own target, and leaves out the database line without a database", () => {
        const budget = computeDrBudget({ intervalSeconds: 10, failureThreshold: 3, ttlSeconds: 60, scaleUpAllowanceSeconds: 400, promotionAllowanceSeconds: 180, backupScheduleCron: "0 * * * *", archiveTimeoutSeconds: 60, archiveUploadAllowanceSeconds: 30 });
        assert.deepEqual(budgetLines(budget, { rtoSeconds: 300, fullCapacitySeconds: 600, rpoMinutes: 60, databaseRpoSeconds: 60 }), [
            "RTO, service restored 270 s (detection 3×10 s + DNS TTL 60 s + promotion 180 s); target dr.rtoSeconds 300 s: within target",
            "RTO, full capacity 670 s (service restored 270 s + scale-up 400 s); target dr.fullCapacitySeconds 600 s: OVER TARGET",
            'RPO, objects 60 min (platform.velero.schedule "0 * * * *"); target dr.rpoMinutes 60 min: within target',
            "RPO, database 90 s (archive_timeout 60 s + upload 30 s); target dr.databaseRpoSeconds 60 s: OVER TARGET",
        ]);
        const withoutDatabase = { ...budget.inputs, archiveTimeoutSeconds: undefined, archiveUploadAllowanceSeconds: undefined };
        assert.equal(budgetLines(computeDrBudget(withoutDatabase), { rtoSeconds: 300, rpoMinutes: 60 }).length, 3);
        assert.match(budgetLines(budget, { rtoSeconds: 300, rpoMinutes: 60 })[1], /; no target$/);
    });

    it("takes the program's drBudget output only when it is whole; an older program's partial one is recomputed from config", () => {
        const whole = computeDrBudget({ intervalSeconds: 10, failureThreshold: 3, ttlSeconds: 60, scaleUpAllowanceSeconds: 180, backupScheduleCron: "0 * * * *" });
        assert.equal(isBudget(whole), true);
        assert.equal(isBudget({ ...whole, fullCapacitySeconds: undefined }), false);
        assert.equal(isBudget({ ...whole, databaseRpoSeconds: "60" }), false);
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

describe("a failback's next archive generation (offline, the simulate machinery)", function () {
    this.timeout(120_000);

    it("after a failover to azure, database.archive.generation.aws=2 renames aws's server on both Clusters, in place, and changes nothing else", async () => {
        // The re-seed's own `up`: the stack still on azure, the aws Cluster re-created (the drill deleted it) on the new generation.
        const [failedOver, nextGeneration] = await Promise.all([stackEvaluation("dev", ["activeCloud=azure"]), stackEvaluation("dev", ["activeCloud=azure", "database.archive.generation.aws=2"])]);
        const changes = diffEvaluations(failedOver, nextGeneration);
        assert.deepEqual(
            changes.map((c) => [c.name, c.kind, c.changes.map((i) => `${i.path}: ${i.before} → ${i.after}`)]),
            [
                ["pair-aws-database-cluster", "update", ["spec.externalClusters[0].plugin.parameters.serverName: postgres-aws → postgres-aws-g2", "spec.plugins[0].parameters.serverName: postgres-aws → postgres-aws-g2"]],
                ["pair-azure-database-cluster", "update", ["spec.externalClusters[0].plugin.parameters.serverName: postgres-aws → postgres-aws-g2"]],
            ],
        );
        assert.equal(nextGeneration.outputs.database.clusters.aws.serverName, "postgres-aws-g2");
        assert.equal(nextGeneration.outputs.database.clusters.azure.serverName, "postgres-azure");
    });
});

describe("a storage SKU change the cloud refuses (offline)", function () {
    this.timeout(120_000);

    it("dev's backup account from Standard_LRS to Standard_ZRS: an update pulumi up cannot apply, named with the conversion to run first, not a replacement", async () => {
        const [before, after] = await Promise.all([stackEvaluation("dev"), stackEvaluation("dev", ["backups.azureStorageSku=Standard_ZRS"])]);
        const changes = diffEvaluations(before, after);
        assert.deepEqual(changes.map((c) => [c.type, c.kind, c.changes.map((i) => i.path)]), [["azure-native:storage:StorageAccount", "update", ["sku.name"]]]);
        const result: SimulationResult = { stack: "dev", from: "aws", to: "azure", failback: false, overrides: [], resourcesBefore: 1, resourcesAfter: 1, changes, replacements: [], refusals: changes };
        const text = renderSimulation(result);
        assert.match(text, /~ update  azure-native:storage:StorageAccount \S+\n {6}sku\.name: "Standard_LRS" → "Standard_ZRS" {3}\[pulumi up cannot apply: sku\.name Standard_LRS → Standard_ZRS: adding zone-redundancy is a conversion/);
        assert.match(text, /^1 update the cloud would refuse \(do the step it names first\):\n {2}refused azure-native:storage:StorageAccount/m);
        assert.match(text, /^0 replacements/m);
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

    it("an Azure storage account's SKU: geo-redundancy and read access change in place; zone-redundancy needs a conversion first; the tier never changes", () => {
        const SA = "azure-native:storage:StorageAccount";
        // Azure's redundancy-migration guide: adding or removing geo-redundancy or read access is an update of the SKU.
        for (const [from, to] of [["Standard_ZRS", "Standard_RAGZRS"], ["Standard_ZRS", "Standard_GZRS"], ["Standard_GZRS", "Standard_RAGZRS"], ["Standard_RAGZRS", "Standard_ZRS"], ["Standard_LRS", "Standard_RAGRS"], ["Standard_GRS", "Standard_LRS"]]) {
            assert.deepEqual(changeVerdict(SA, "sku.name", from, to), {}, `${from} → ${to} is an in-place update`);
        }
        const lrsToZrs = changeVerdict(SA, "sku.name", "Standard_LRS", "Standard_ZRS");
        assert.equal(lrsToZrs.replaceRule, undefined, "never a replacement: azure-native sends it as an update");
        assert.match(lrsToZrs.refused!, /^sku\.name Standard_LRS → Standard_ZRS: adding zone-redundancy is a conversion, which an update of the SKU does not start; run `az storage account migration start --sku Standard_ZRS`/);
        assert.match(changeVerdict(SA, "sku.name", "Standard_RAGZRS", "Standard_LRS").refused!, /removing zone-redundancy is a conversion.*--sku Standard_GRS.*two steps/);
        assert.match(changeVerdict(SA, "sku.name", "Standard_GRS", "Standard_RAGZRS").refused!, /--sku Standard_GZRS/);
        assert.match(changeVerdict(SA, "sku.name", "Standard_LRS", "Premium_LRS").refused!, /cannot move between Standard and Premium; copy the data to a new account/);
        assert.match(changeVerdict(SA, "sku", { name: "Standard_ZRS" }, { name: "Standard_LRS" }).refused!, /removing zone-redundancy/);
        assert.equal(changeVerdict(SA, "accountName", "a", "b").replaceRule, "accountName");
        assert.equal(replaceRuleFor(SA, "sku.name"), undefined);
    });

    it("resolves the drill's direction, failback included", () => {
        assert.deepEqual(resolveTarget("aws", "azure", false, "prod"), { from: "aws", to: "azure" });
        assert.deepEqual(resolveTarget("azure", "azure", true, "prod"), { from: "azure", to: "aws" });
        assert.deepEqual(resolveTarget("azure", undefined, true, "prod"), { from: "azure", to: "aws" });
        assert.throws(() => resolveTarget("aws", "azure", true, "prod"), /--failback --to azure: stack "prod" has activeCloud=aws, not azure/);
        assert.throws(() => resolveTarget("aws", undefined, false, "prod"), /--to aws\|azure is required/);
    });
});
