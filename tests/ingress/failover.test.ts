/**
 * Disaster recovery with Envoy Gateway serving: a failover still replaces
 * nothing (and the drill's --simulate shows it), the drill's probes name the
 * controller serving the target, and the offline plan shows the Gateway API
 * layer on both clouds.
 */
import { strict as assert } from "assert";
import { parseDrillArgs } from "../../commands/drill/cli";
import { executeDrill } from "../../commands/drill/orchestrator";
import { SimulationResult, renderSimulation, simulate } from "../../commands/drill/simulate";
import { renderPlan } from "../../commands/plan";
import { cachedEvaluator, stackPreview } from "../support/stacks";
import { OUTPUTS, executeOptions, world } from "../drill/fakes";
import { unexpectedFlipChanges } from "../support/role-dependent";

const ENVOY_GATEWAY = ["platform.ingress.controller=envoy-gateway"];

describe("failover with envoy-gateway serving (prod, offline)", function () {
    this.timeout(180_000);
    let flip: SimulationResult;
    before(async () => {
        flip = await simulate({ stack: "prod", to: "azure", baseOverrides: ENVOY_GATEWAY, evaluate: cachedEvaluator("prod") });
    });

    it("changing activeCloud replaces nothing and changes only role-dependent inputs, the Gateway API layer included", () => {
        assert.equal(flip.resourcesAfter, flip.resourcesBefore);
        assert.deepEqual(flip.replacements.map((r) => `${r.type} ${r.name}`), []);
        assert.deepEqual(unexpectedFlipChanges(flip.changes), []);
        // The two global records, two HPAs, two CronJobs, two app namespaces, two database Clusters and their alerts: nothing of the ingress layer.
        assert.equal(flip.changes.length, 12);
    });

    it("npm run drill -- --simulate --with shows it: the setting applies to both sides, 0 replacements", () => {
        const args = parseDrillArgs(["--stack", "prod", "--to", "azure", "--simulate", "--with", "platform.ingress.controller=envoy-gateway"]);
        assert.deepEqual(args.baseOverrides, ["platform.ingress.controller=envoy-gateway"]);
        assert.deepEqual(args.overrides, []);
        const text = renderSimulation(flip);
        assert.match(text, /^Applied to both sides: platform\.ingress\.controller=envoy-gateway$/m);
        assert.match(text, /^0 replacements: every change is an in-place update/m);
        assert.throws(() => parseDrillArgs(["--stack", "prod", "--to", "azure", "--execute", "--with", "a=b"]), /--with only applies to --simulate/);
    });

    it("the drill's pre-check probes the target's own name and reports the controller serving it", async () => {
        const outputs = { ...OUTPUTS, failover: { ...OUTPUTS.failover, targets: { aws: { hostname: "app.aws.fin.example.com", ingressController: "envoy-gateway" }, azure: { hostname: "app.azure.fin.example.com", ingressController: "envoy-gateway" } } } };
        const w = world({ backupAgeMinutes: 20, outputs });
        const report = await executeDrill(executeOptions(), w.deps);
        const precheck = report.steps.find((s) => s.name === "precheck-target-health")!;
        assert.equal(precheck.detail, "https://app.azure.fin.example.com/healthz answered 200 (served by envoy-gateway)");
    });

    it("npm run plan -- --stack prod --set platform.ingress.controller=envoy-gateway shows the Gateway API layer on both clouds", async () => {
        const evaluation = await stackPreview("prod", ENVOY_GATEWAY);
        const text = renderPlan(evaluation, "prod", evaluation.placeholders);
        for (const cloud of ["aws", "azure"]) {
            assert.match(text, new RegExp(`\\[${cloud}\\] served by envoy-gateway\\n {4}CRDs: oci://docker\\.io/envoyproxy/gateway-crds-helm@v1\\.9\\.0, Gateway API channel standard`));
            assert.match(text, new RegExp(`Gateway envoy-gateway-system/public \\(class envoy-gateway\\): https-cluster HTTPS app\\.${cloud}\\.fin\\.example\\.com:443, https-global HTTPS app\\.fin\\.example\\.com:443; certificate from letsencrypt-production`));
            assert.match(text, new RegExp(`HTTPRoute financial-app: app\\.${cloud}\\.fin\\.example\\.com, app\\.fin\\.example\\.com → financial-app; publishes app\\.${cloud}\\.fin\\.example\\.com`));
            assert.match(text, new RegExp(`\\[${cloud}\\] oci://docker\\.io/envoyproxy/gateway-helm@v1\\.9\\.0 → namespace envoy-gateway-system \\(release envoy-gateway\\)`));
        }
        assert.doesNotMatch(text, /ingress-nginx@/);
    });
});
