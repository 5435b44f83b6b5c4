import { strict as assert } from "assert";
import { CONTAINERS } from "../../components/app/layout";
import { CLOUDS, TYPES, allContainers, containerNamed, defaultEvaluation, evaluateApp, objectNamed, podSpecOf, podTemplateOf } from "./app-fixture";

/** The pod spec with images and track-specific values blanked, to compare the shape of two tracks. */
function shapeOf(spec: any): any {
    return JSON.parse(JSON.stringify(spec), (key, value) => {
        if (key === "image" && typeof value === "string" && value.startsWith("registry.example.com/")) return "<app image>";
        if (key === "value" && (value === "stable" || value === "canary")) return "<track>";
        if (key === "track") return "<track>";
        return value;
    });
}

for (const cloud of CLOUDS) {
    describe(`FinancialApp canary track (${cloud})`, () => {
        it("a weighted canary gets its own Deployment (track: canary, its own tag and replicas), Service and nginx canary Ingress", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const canary = objectNamed(ev, TYPES.deployment, "financial-app-canary");
            assert.equal(canary.inputs.spec.replicas, 2);
            assert.equal(canary.inputs.spec.selector.matchLabels.track, "canary");
            assert.equal(podTemplateOf(canary).metadata.labels.track, "canary");
            for (const container of [CONTAINERS.migrate, CONTAINERS.preload, CONTAINERS.app]) {
                assert.equal(containerNamed(canary, container).image, "registry.example.com/fin/financial-app:2.5.0-rc1");
            }

            const service = objectNamed(ev, TYPES.service, "financial-app-canary");
            assert.deepEqual(service.inputs.spec.selector, { "app.kubernetes.io/name": "financial-app", "app.kubernetes.io/component": "server", track: "canary" });

            const ingress = objectNamed(ev, TYPES.ingress, "financial-app-canary");
            assert.equal(ingress.inputs.metadata.annotations["nginx.ingress.kubernetes.io/canary"], "true");
            assert.equal(ingress.inputs.metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"], "10");
            assert.equal(ingress.inputs.spec.ingressClassName, "nginx");
            assert.equal(ingress.inputs.spec.rules[0].host, `app.${cloud}.fin.example.com`);
            assert.equal(ingress.inputs.spec.rules[0].http.paths[0].backend.service.name, "financial-app-canary");
            assert.equal(ingress.inputs.spec.tls, undefined, "TLS for the host is the main Ingress's job");
            assert.equal(ingress.inputs.metadata.annotations["cert-manager.io/cluster-issuer"], undefined);
            const stableIngress = objectNamed(ev, TYPES.ingress, "financial-app");
            assert.ok(ingress.dependencies.includes(stableIngress.urn), "the canary is added to an existing host");
        });

        it("the stable track is labelled track: stable and its Service selects only stable pods", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            assert.equal(podTemplateOf(stable).metadata.labels.track, "stable");
            assert.equal(objectNamed(ev, TYPES.service, "financial-app").inputs.spec.selector.track, "stable");
        });

        it("the canary runs the same pod spec as stable, differing only in image and track", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = podSpecOf(objectNamed(ev, TYPES.deployment, "financial-app"));
            const canary = podSpecOf(objectNamed(ev, TYPES.deployment, "financial-app-canary"));
            assert.deepEqual(shapeOf(canary), shapeOf(stable));
            assert.deepEqual(allContainers(objectNamed(ev, TYPES.deployment, "financial-app-canary")).map((c) => c.name),
                allContainers(objectNamed(ev, TYPES.deployment, "financial-app")).map((c) => c.name));
        });

        it("weight 0 creates no canary Deployment, Service or Ingress at all", async () => {
            const { ev, app } = await evaluateApp(cloud, { canary: { weight: 0, replicas: 1 } });
            const names = ev.resources.filter((r) => r.inputs.metadata?.name).map((r) => `${r.type} ${r.inputs.metadata.name}`);
            assert.deepEqual(names.filter((n) => n.includes("canary")), []);
            assert.equal(ev.ofType(TYPES.deployment).length, 1);
            assert.equal(ev.ofType(TYPES.ingress).length, 1);
            assert.equal(ev.ofType(TYPES.service).length, 1);
            assert.equal(app.canaryDeploymentName, undefined);
        });

        it("the canary weight is passed through verbatim", async () => {
            const { ev } = await evaluateApp(cloud, { canary: { weight: 35, tag: "2.5.0", replicas: 1 } });
            assert.equal(objectNamed(ev, TYPES.ingress, "financial-app-canary").inputs.metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"], "35");
        });
    });
}
