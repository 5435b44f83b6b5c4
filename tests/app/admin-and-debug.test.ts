import { strict as assert } from "assert";
import { debugCommand } from "../../components/app/debug-access";
import { CONTAINERS } from "../../components/app/layout";
import { CLOUDS, TYPES, containerNamed, defaultEvaluation, evaluateApp, objectNamed, podSpecOf } from "./app-fixture";

for (const cloud of CLOUDS) {
    describe(`FinancialApp admin processes and debug access (${cloud})`, () => {
        it("the reconciliation CronJob runs exactly the stable Deployment's image, user and settings", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stableApp = containerNamed(objectNamed(ev, TYPES.deployment, "financial-app"), CONTAINERS.app);
            const job = containerNamed(objectNamed(ev, TYPES.cronJob, "financial-app-reconciliation"), CONTAINERS.reconcile);
            assert.equal(job.image, stableApp.image);
            assert.equal(job.image, "registry.example.com/fin/financial-app:2.4.1");
            assert.deepEqual(job.securityContext, stableApp.securityContext);
            assert.deepEqual(job.envFrom, stableApp.envFrom);
            assert.deepEqual(job.command, ["reconcile"]);
        });

        it("the CronJob follows the schedule, never overlaps and its pod can complete", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const cron = objectNamed(ev, TYPES.cronJob, "financial-app-reconciliation");
            assert.equal(cron.inputs.spec.schedule, "0 2 * * *");
            assert.equal(cron.inputs.spec.concurrencyPolicy, "Forbid");
            assert.equal(cron.inputs.spec.suspend, false, "active cluster runs it");
            const pod = podSpecOf(cron);
            assert.equal(pod.restartPolicy, "Never");
            // The only other container is a native sidecar, which does not hold the Job open.
            assert.deepEqual(pod.containers.map((c: any) => c.name), [CONTAINERS.reconcile]);
            assert.deepEqual(pod.initContainers.map((c: any) => [c.name, c.restartPolicy]), [[CONTAINERS.logger, "Always"]]);
        });

        it("the warm standby keeps the CronJob suspended (its database is a replica), and a caller can override that", async () => {
            const passive = await evaluateApp(cloud, {}, { role: "passive" });
            assert.equal(objectNamed(passive.ev, TYPES.cronJob, "financial-app-reconciliation").inputs.spec.suspend, true);
            const forced = await evaluateApp(cloud, { runAdminJobs: true }, { role: "passive" });
            assert.equal(objectNamed(forced.ev, TYPES.cronJob, "financial-app-reconciliation").inputs.spec.suspend, false);
        });

        it("the on-call group may add and attach ephemeral containers in the app namespace, and nothing else", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const role = objectNamed(ev, TYPES.role, "financial-app-debug").inputs;
            assert.equal(role.metadata.namespace, "financial-app");
            assert.deepEqual(role.rules, [
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["patch"] },
                { apiGroups: [""], resources: ["pods/attach"], verbs: ["create"] },
            ]);
            const binding = objectNamed(ev, TYPES.roleBinding, "financial-app-debug").inputs;
            assert.equal(binding.metadata.namespace, "financial-app");
            assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "financial-app-debug" });
            assert.deepEqual(binding.subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "oncall-financial-app" }]);
            assert.equal(ev.resources.filter((r) => /ClusterRole/.test(r.type)).length, 0, "no cluster-wide grant");
        });

        it("the debug command targets financial-service with the pinned debug image under the restricted profile", async () => {
            const { app } = await defaultEvaluation(cloud);
            assert.equal(app.debugCommand, debugCommand("financial-app", "app.kubernetes.io/name=financial-app,app.kubernetes.io/component=server,track=stable", "busybox:1.37.0"));
            assert.equal(
                debugCommand("ns", "a=b", "busybox:1.37.0"),
                `kubectl debug -it -n ns "$(kubectl get pods -n ns -l a=b --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')" --image=busybox:1.37.0 --target=financial-service --profile=restricted`,
            );
        });
    });
}
