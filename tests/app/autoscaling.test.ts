import { strict as assert } from "assert";
import { REQUESTS_PER_SECOND_METRIC } from "../../components/addons/well-known";
import { CLOUDS, TYPES, defaultEvaluation, evaluateApp, objectNamed } from "./app-fixture";

const ACTIVE = { replicas: 6, minReplicas: 6, maxReplicas: 20, targetCpuUtilization: 70, targetRequestsPerSecond: 50 };
const STANDBY = { replicas: 1, minReplicas: 1, maxReplicas: 20, targetCpuUtilization: 70, targetRequestsPerSecond: 50 };

for (const cloud of CLOUDS) {
    describe(`FinancialApp autoscaling (${cloud})`, () => {
        it("active and warm-standby sizing give different replicas and HPA floors, the same ceiling", async () => {
            const active = await evaluateApp(cloud, { sizing: ACTIVE }, { role: "active" });
            const standby = await evaluateApp(cloud, { sizing: STANDBY }, { role: "passive" });
            const replicas = (e: typeof active) => objectNamed(e.ev, TYPES.deployment, "financial-app").inputs.spec.replicas;
            const hpa = (e: typeof active) => objectNamed(e.ev, TYPES.hpa, "financial-app").inputs.spec;
            assert.equal(replicas(active), 6);
            assert.equal(replicas(standby), 1);
            assert.deepEqual([hpa(active).minReplicas, hpa(active).maxReplicas], [6, 20]);
            assert.deepEqual([hpa(standby).minReplicas, hpa(standby).maxReplicas], [1, 20]);
        });

        it("after creation the HPA owns the stable replica count (Pulumi ignores spec.replicas), the canary's is fixed", async () => {
            const { ev } = await defaultEvaluation(cloud);
            assert.deepEqual(objectNamed(ev, TYPES.deployment, "financial-app").ignoreChanges, ["spec.replicas"]);
            assert.deepEqual(objectNamed(ev, TYPES.deployment, "financial-app-canary").ignoreChanges, []);
            assert.equal(ev.ofType(TYPES.hpa).length, 1, "no HPA for the canary");
        });

        it("scales the stable Deployment on app-container CPU and on requests per second from prometheus-adapter", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const spec = objectNamed(ev, TYPES.hpa, "financial-app").inputs.spec;
            assert.deepEqual(spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "financial-app" });
            const [cpu, rps] = spec.metrics;
            assert.deepEqual(cpu, { type: "ContainerResource", containerResource: { name: "cpu", container: "financial-service", target: { type: "Utilization", averageUtilization: 70 } } });
            assert.deepEqual(rps, { type: "Pods", pods: { metric: { name: REQUESTS_PER_SECOND_METRIC }, target: { type: "AverageValue", averageValue: "50" } } });
        });

        it("scales down only after five stable minutes and by at most a quarter per minute; scales up at once", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const behavior = objectNamed(ev, TYPES.hpa, "financial-app").inputs.spec.behavior;
            assert.equal(behavior.scaleDown.stabilizationWindowSeconds, 300);
            assert.deepEqual(behavior.scaleDown.policies, [{ type: "Percent", value: 25, periodSeconds: 60 }]);
            assert.equal(behavior.scaleUp.stabilizationWindowSeconds, 0);
        });

        it("without monitoring there is no requests-per-second series, so the HPA scales on CPU alone", async () => {
            const { ev } = await evaluateApp(cloud, { monitoring: false });
            const metrics = objectNamed(ev, TYPES.hpa, "financial-app").inputs.spec.metrics;
            assert.deepEqual(metrics.map((m: any) => m.type), ["ContainerResource"]);
        });

        it("a PodDisruptionBudget lets drains take one stable pod at a time, even on a one-replica standby", async () => {
            const { ev } = await evaluateApp(cloud, { sizing: STANDBY }, { role: "passive" });
            const pdb = objectNamed(ev, TYPES.pdb, "financial-app").inputs.spec;
            assert.equal(pdb.maxUnavailable, 1);
            assert.equal(pdb.minAvailable, undefined);
            assert.deepEqual(pdb.selector.matchLabels, { "app.kubernetes.io/name": "financial-app", "app.kubernetes.io/component": "server", track: "stable" });
        });

        it("the namespace quota fits full size (maxReplicas plus surge, canary, one Job) and forbids LoadBalancer and NodePort Services", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const hard = objectNamed(ev, TYPES.quota, "financial-app-quota").inputs.spec.hard;
            // 20 + 5 surge + (2 canary + 1 surge) + 1 Job
            assert.equal(hard.pods, "29");
            assert.equal(hard["services.loadbalancers"], "0");
            assert.equal(hard["services.nodeports"], "0");
            // serving pod requests: app 250m + envoy 100m + fluentd 100m + agent 50m + vault 50m = 550m; Job: 250m + 100m
            assert.equal(hard["requests.cpu"], `${28 * 550 + 350}m`);
            const limits = objectNamed(ev, TYPES.limitRange, "financial-app-limits").inputs.spec.limits[0];
            assert.equal(limits.type, "Container");
            assert.deepEqual(limits.max, { cpu: "1000m", memory: "512Mi" });
        });
    });
}
