/**
 * A live stack's switch from ingress-nginx to Envoy Gateway, as the plan shows
 * it: each step's config change and change set, and the DNS record moving from
 * one controller's route to the other's in exactly one step.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { MigrationPlan, migrationSteps, planIngressMigration, renderMigration } from "../../commands/ingress-migration";
import { ResourceChange } from "../../commands/drill/simulate";
import { cachedEvaluator } from "../support/stacks";

const HOSTNAME_ANNOTATION = "metadata.annotations.external-dns.alpha.kubernetes.io/hostname";
const ROOT = path.resolve(__dirname, "..", "..");

const kinds = (changes: ResourceChange[]) => [...new Set(changes.map((c) => c.kind))].sort();
const named = (changes: ResourceChange[], type: string) => changes.filter((c) => c.type === type).map((c) => c.name).sort();

describe("ingress migration ingress-nginx → envoy-gateway (prod, planned offline)", function () {
    this.timeout(180_000);
    let plan: MigrationPlan;
    before(async () => {
        plan = await planIngressMigration("prod", "envoy-gateway", cachedEvaluator("prod"));
    });

    it("takes three steps, each one config change, and replaces nothing in any of them", () => {
        assert.deepEqual([plan.from, plan.to], ["ingress-nginx", "envoy-gateway"]);
        assert.deepEqual(plan.steps.map((s) => s.overrides), [
            ["platform.ingress.alsoRun=envoy-gateway"],
            ["platform.ingress.controller=envoy-gateway", "platform.ingress.alsoRun=ingress-nginx"],
            ["platform.ingress.controller=envoy-gateway"],
        ]);
        for (const step of plan.steps) assert.deepEqual(step.changes.filter((c) => c.kind === "replace").map((c) => c.name), [], step.title);
    });

    it("step 1 only adds Envoy Gateway beside ingress-nginx: its route publishes nothing, the records stay with ingress-nginx", () => {
        const { changes } = plan.steps[0];
        assert.deepEqual(kinds(changes), ["create", "update"]);
        assert.deepEqual(named(changes, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"), ["pair-aws-app-route", "pair-azure-app-route"]);
        assert.ok(changes.every((c) => !c.changes.some((i) => i.path === HOSTNAME_ANNOTATION)), "no record moves yet");
        // The app admits the new proxies before they route to it; cert-manager and ExternalDNS learn Gateways.
        assert.deepEqual(changes.filter((c) => c.kind === "update").map((c) => c.name).sort(), [
            "pair-aws-app-allow-from-ingress-controller", "pair-aws-platform-cert-manager", "pair-aws-platform-external-dns",
            "pair-azure-app-allow-from-ingress-controller", "pair-azure-platform-cert-manager", "pair-azure-platform-external-dns",
        ]);
    });

    it("step 2 moves the records: the hostname annotation leaves each Ingress for each HTTPRoute, and nothing is created or deleted", () => {
        const { changes } = plan.steps[1];
        assert.deepEqual(kinds(changes), ["update"]);
        const moved = changes.filter((c) => c.changes.some((i) => i.path === HOSTNAME_ANNOTATION));
        assert.deepEqual(moved.map((c) => [c.name, c.changes.find((i) => i.path === HOSTNAME_ANNOTATION)!.after ?? "(removed)"]).sort(), [
            ["pair-aws-app-route", "app.aws.fin.example.com"],
            ["pair-aws-app-stable", "(removed)"],
            ["pair-azure-app-route", "app.azure.fin.example.com"],
            ["pair-azure-app-stable", "(removed)"],
        ]);
        // Only the records' owners and the health checks' tag change; the NetworkPolicy still admits both.
        assert.deepEqual(named(changes, "kubernetes:networking.k8s.io/v1:NetworkPolicy"), []);
        assert.deepEqual(named(changes, "aws:route53/healthCheck:HealthCheck"), ["global-aws-health", "global-azure-health"]);
    });

    it("step 3 removes ingress-nginx and the app's Ingresses, and the app stops admitting its namespace", () => {
        const { changes } = plan.steps[2];
        assert.deepEqual(kinds(changes), ["delete", "update"]);
        assert.deepEqual(named(changes, "kubernetes:helm.sh/v3:Release"), ["pair-aws-platform-ingress", "pair-azure-platform-ingress"]);
        assert.deepEqual(named(changes, "kubernetes:networking.k8s.io/v1:Ingress"), ["pair-aws-app-stable", "pair-azure-app-stable"]);
        assert.deepEqual(changes.filter((c) => c.kind === "update").map((c) => c.name).sort(), ["pair-aws-app-allow-from-ingress-controller", "pair-azure-app-allow-from-ingress-controller"]);
    });

    it("renders each step with its commands, its change counts and what to check before the next", () => {
        const text = renderMigration(plan);
        assert.match(text, /^Ingress migration for stack "prod": ingress-nginx → envoy-gateway, in 3 steps/);
        assert.match(text, /Step 1: Run envoy-gateway beside ingress-nginx\n {2}\$ pulumi config set --path platform\.ingress\.alsoRun envoy-gateway\n {2}\$ pulumi up\n {2}\d+ to create, 6 to update, 0 to delete, 0 to replace/);
        assert.match(text, /Step 2: Move the records to envoy-gateway\n(.*\n){3} {2}0 to create, 6 to update, 0 to delete, 0 to replace/);
        assert.match(text, /~ kubernetes:gateway\.networking\.k8s\.io\/v1:HTTPRoute pair-aws-app-route: metadata\.annotations\.external-dns/);
        assert.match(text, /Step 3: Remove ingress-nginx\n {2}\$ pulumi config rm --path platform\.ingress\.alsoRun/);
        assert.match(text, /record TTL \(60 s\)/);
    });
});

describe("ingress migration plan: arguments", () => {
    it("the way back is the same three steps in the other direction", () => {
        const back = migrationSteps("envoy-gateway", "ingress-nginx", 60);
        assert.deepEqual(back.map((s) => s.overrides), [
            ["platform.ingress.alsoRun=ingress-nginx"],
            ["platform.ingress.controller=ingress-nginx", "platform.ingress.alsoRun=envoy-gateway"],
            ["platform.ingress.controller=ingress-nginx"],
        ]);
        assert.deepEqual(back.map((s) => s.commands), [
            ["pulumi config set --path platform.ingress.alsoRun ingress-nginx", "pulumi up"],
            ["pulumi config set --path platform.ingress.controller ingress-nginx", "pulumi config set --path platform.ingress.alsoRun envoy-gateway", "pulumi up"],
            ["pulumi config rm --path platform.ingress.alsoRun", "pulumi up"],
        ]);
    });

    it("step 1 tells where to read the new controller's address: the one being added, by its real names", () => {
        assert.match(migrationSteps("ingress-nginx", "envoy-gateway", 60)[0].then, /\(its address: kubectl get gateway -n envoy-gateway-system public\)\.$/);
        assert.match(migrationSteps("envoy-gateway", "ingress-nginx", 60)[0].then, /\(its address: kubectl get service -n ingress-nginx ingress-nginx-controller\)\.$/);
    });

    it("refuses an unknown controller, and a switch to the controller already serving", async () => {
        await assert.rejects(planIngressMigration("prod", "traefik"), /"traefik" is not an ingress controller; allowed values: ingress-nginx, envoy-gateway/);
        await assert.rejects(planIngressMigration("prod", "ingress-nginx"), /already serves with ingress-nginx/);
    });

    it("npm run plan -- --migrate-ingress prints an error without a stack trace for a bad controller", function () {
        this.timeout(60_000);
        try {
            execFileSync(process.execPath, ["-r", "./runtime/ts-transpile.js", "commands/plan.ts", "--stack", "dev", "--migrate-ingress", "haproxy"], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
            assert.fail("expected a non-zero exit");
        } catch (err) {
            const e = err as { status: number; stderr: string };
            assert.equal(e.status, 1);
            assert.match(e.stderr, /^--migrate-ingress: "haproxy" is not an ingress controller/);
            assert.doesNotMatch(e.stderr, /\n\s+at /);
        }
    });
});
