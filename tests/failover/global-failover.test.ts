import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import { CloudName } from "../../components/cluster/contract";
import { GlobalFailover, GlobalFailoverArgs } from "../../components/failover/global-failover";
import { Evaluation, evaluate } from "../../commands/offline/harness";
import { diffEvaluations } from "../../commands/drill/simulate";
import { fakeInvokeResult } from "../../commands/offline/fake-cloud";


const RECORD = "aws:route53/record:Record";
const HEALTH = "aws:route53/healthCheck:HealthCheck";
const AZURE_NS = ["ns1-01.azure-dns.com.", "ns2-01.azure-dns.net.", "ns3-01.azure-dns.org.", "ns4-01.azure-dns.info."];
const AWS_NS = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"];

function args(active: CloudName, overrides: Partial<GlobalFailoverArgs> = {}): GlobalFailoverArgs {
    return {
        rootZoneName: "fin.example.com",
        globalHostname: "app.fin.example.com",
        targets: {
            aws: { role: active === "aws" ? "active" : "passive", hostname: "app.aws.fin.example.com", healthCheckPath: "/healthz", zoneName: "aws.fin.example.com", nameServers: AWS_NS },
            azure: { role: active === "azure" ? "active" : "passive", hostname: "app.azure.fin.example.com", healthCheckPath: "/healthz", zoneName: "azure.fin.example.com", nameServers: AZURE_NS },
        },
        healthCheck: { intervalSeconds: 10, failureThreshold: 3, ttlSeconds: 60 },
        tags: { environment: "prod", owner: "platform-team" },
        ...overrides,
    };
}

function build(active: CloudName, overrides: Partial<GlobalFailoverArgs> = {}): Promise<Evaluation> {
    return evaluate({
        project: "failover-test",
        stack: "test",
        config: {},
        program: () => {
            const provider = new aws.Provider("stub-aws", { region: "us-east-1" });
            const failover = new GlobalFailover("global", args(active, overrides), { provider });
            return { primaryCloud: failover.primaryCloud, healthCheckIds: failover.healthCheckIds, globalHostname: failover.globalHostname };
        },
    });
}

describe("GlobalFailover", () => {
    let awsActive: Evaluation;
    let azureActive: Evaluation;
    let rootZoneId: string;

    before(async () => {
        awsActive = await build("aws");
        azureActive = await build("azure");
        rootZoneId = (fakeInvokeResult("aws:route53/getZone:getZone", { name: "fin.example.com" }) as { zoneId: string }).zoneId;
    });

    const record = (ev: Evaluation, slot: "primary" | "secondary") => ev.named(RECORD, `global-${slot}`);

    it("looks up the existing public root zone through the component's provider", () => {
        const lookups = awsActive.invokes.filter((i) => i.token === "aws:route53/getZone:getZone");
        assert.equal(lookups.length, 1);
        assert.equal(lookups[0].args.name, "fin.example.com");
        assert.equal(lookups[0].args.privateZone, false);
        for (const r of awsActive.ofType(RECORD).concat(awsActive.ofType(HEALTH))) {
            assert.match(r.provider, /pulumi:providers:aws::stub-aws::/, `${r.name} uses the provider passed to the component`);
            assert.match(r.parent, /finplat:failover:GlobalFailover::global$/);
        }
    });

    it("the active target is PRIMARY and the passive SECONDARY, each a CNAME with its own health check", () => {
        const primary = record(awsActive, "primary");
        const secondary = record(awsActive, "secondary");
        const awsCheck = awsActive.named(HEALTH, "global-aws-health");
        const azureCheck = awsActive.named(HEALTH, "global-azure-health");
        assert.deepEqual(primary.inputs.failoverRoutingPolicies, [{ type: "PRIMARY" }]);
        assert.deepEqual(secondary.inputs.failoverRoutingPolicies, [{ type: "SECONDARY" }]);
        assert.deepEqual(primary.inputs.records, ["app.aws.fin.example.com"]);
        assert.deepEqual(secondary.inputs.records, ["app.azure.fin.example.com"]);
        for (const r of [primary, secondary]) {
            assert.equal(r.inputs.type, "CNAME");
            assert.equal(r.inputs.name, "app.fin.example.com");
            assert.equal(r.inputs.ttl, 60);
            assert.equal(r.inputs.zoneId, rootZoneId);
        }
        assert.equal(primary.inputs.setIdentifier, "primary");
        assert.equal(secondary.inputs.setIdentifier, "secondary");
        // Each record carries the health check of the cluster it points at, and they differ.
        assert.equal(primary.inputs.healthCheckId, awsActive.outputs.healthCheckIds.aws);
        assert.equal(secondary.inputs.healthCheckId, awsActive.outputs.healthCheckIds.azure);
        assert.notEqual(primary.inputs.healthCheckId, secondary.inputs.healthCheckId);
        assert.ok(primary.dependencies.includes(awsCheck.urn) && secondary.dependencies.includes(azureCheck.urn));
        assert.equal(awsActive.outputs.primaryCloud, "aws");
        assert.equal(azureActive.outputs.primaryCloud, "azure");
        assert.equal(awsActive.outputs.globalHostname, "app.fin.example.com");
    });

    it("health checks probe each cluster's own HTTPS URL with the configured path, interval and threshold", () => {
        for (const cloud of ["aws", "azure"] as const) {
            const check = awsActive.named(HEALTH, `global-${cloud}-health`);
            assert.deepEqual(
                {
                    type: check.inputs.type,
                    fqdn: check.inputs.fqdn,
                    port: check.inputs.port,
                    resourcePath: check.inputs.resourcePath,
                    requestInterval: check.inputs.requestInterval,
                    failureThreshold: check.inputs.failureThreshold,
                    enableSni: check.inputs.enableSni,
                },
                { type: "HTTPS", fqdn: `app.${cloud}.fin.example.com`, port: 443, resourcePath: "/healthz", requestInterval: 10, failureThreshold: 3, enableSni: true },
            );
            assert.equal(check.inputs.regions, undefined, "Route53's default checker regions");
            assert.equal(check.inputs.tags.owner, "platform-team");
            assert.equal(check.inputs.tags.cloud, cloud);
        }
    });

    it("takes interval, threshold and TTL from its arguments", async () => {
        const ev = await build("aws", { healthCheck: { intervalSeconds: 30, failureThreshold: 5, ttlSeconds: 30 } });
        assert.equal(ev.named(HEALTH, "global-aws-health").inputs.requestInterval, 30);
        assert.equal(ev.named(HEALTH, "global-azure-health").inputs.failureThreshold, 5);
        assert.equal(ev.named(RECORD, "global-primary").inputs.ttl, 30);
    });

    it("delegates both clusters' subzones from the root zone with their name servers", () => {
        const azure = awsActive.named(RECORD, "global-azure-delegation");
        const awsZone = awsActive.named(RECORD, "global-aws-delegation");
        assert.deepEqual(
            { name: azure.inputs.name, type: azure.inputs.type, records: azure.inputs.records, zoneId: azure.inputs.zoneId },
            { name: "azure.fin.example.com", type: "NS", records: AZURE_NS, zoneId: rootZoneId },
        );
        assert.deepEqual(
            { name: awsZone.inputs.name, type: awsZone.inputs.type, records: awsZone.inputs.records, zoneId: awsZone.inputs.zoneId },
            { name: "aws.fin.example.com", type: "NS", records: AWS_NS, zoneId: rootZoneId },
        );
        assert.equal(awsZone.inputs.setIdentifier, undefined);
    });

    it("flipping roles keeps every URN and changes only which cluster the two failover slots point at", () => {
        assert.deepEqual(azureActive.resources.map((r) => r.urn).sort(), awsActive.resources.map((r) => r.urn).sort());
        const changes = diffEvaluations(awsActive, azureActive);
        assert.deepEqual(changes.map((c) => [c.name, c.kind]).sort(), [["global-primary", "update"], ["global-secondary", "update"]]);
        for (const change of changes) {
            assert.deepEqual(change.changes.map((c) => c.path).sort(), ["healthCheckId", "records[0]"]);
            assert.ok(change.changes.every((c) => c.replaceRule === undefined), "nothing replace-triggering changes");
        }
        // The slots keep their identity and failover type; only their targets swap.
        for (const slot of ["primary", "secondary"] as const) {
            const [before, after] = [record(awsActive, slot), record(azureActive, slot)];
            assert.deepEqual(
                [after.inputs.name, after.inputs.type, after.inputs.setIdentifier, after.inputs.zoneId, after.inputs.failoverRoutingPolicies, after.inputs.ttl],
                [before.inputs.name, before.inputs.type, before.inputs.setIdentifier, before.inputs.zoneId, before.inputs.failoverRoutingPolicies, before.inputs.ttl],
            );
        }
        assert.deepEqual(record(azureActive, "primary").inputs.records, ["app.azure.fin.example.com"]);
        assert.equal(record(azureActive, "primary").inputs.healthCheckId, awsActive.outputs.healthCheckIds.azure);
        assert.equal(record(azureActive, "secondary").inputs.healthCheckId, awsActive.outputs.healthCheckIds.aws);
    });

    it("rejects two active targets, a global name outside the root zone and an unsupported interval", async () => {
        const bad = args("aws");
        bad.targets.azure.role = "active";
        await assert.rejects(
            evaluate({ project: "t", stack: "t", config: {}, program: () => new GlobalFailover("bad", bad) }),
            /exactly one target must be active and one passive/,
        );
        await assert.rejects(
            evaluate({ project: "t", stack: "t", config: {}, program: () => new GlobalFailover("bad", args("aws", { globalHostname: "app.other.com" })) }),
            /globalHostname: "app.other.com" must be a name inside the root zone "fin.example.com"/,
        );
        await assert.rejects(
            evaluate({ project: "t", stack: "t", config: {}, program: () => new GlobalFailover("bad", args("aws", { healthCheck: { intervalSeconds: 15 as 10, failureThreshold: 3, ttlSeconds: 60 } })) }),
            /healthCheck.intervalSeconds: Route53 supports 10 or 30, got 15/,
        );
    });
});
