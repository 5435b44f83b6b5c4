import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { FinancialApp } from "../../components/app/financial-app";
import { evaluate } from "../../commands/offline/harness";
import { fakeCluster } from "../support/fake-cluster";
import { CLOUDS, TYPES, appArgs, defaultEvaluation, evaluateApp, objectNamed } from "./app-fixture";

function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((done) => output.apply(done));
}

for (const cloud of CLOUDS) {
    describe(`FinancialApp component (${cloud})`, () => {
        it("parents every child to the component and binds every Kubernetes resource to the cluster's provider", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const component = ev.named("finplat:app:FinancialApp", `${cloud}-app`);
            const children = ev.descendantsOf(component.urn);
            assert.ok(children.length >= 30);
            for (const child of children) {
                assert.equal(child.parent, component.urn, child.name);
                assert.match(child.type, /^kubernetes:/);
                assert.match(child.provider, new RegExp(`::fake-${cloud}-k8s::`), `${child.name} uses the cluster's provider`);
                assert.ok(child.name.startsWith(`${cloud}-app-`), `${child.name} is named after the component`);
                if (child.type !== TYPES.namespace) assert.equal(child.inputs.metadata.namespace, "financial-app", child.name);
            }
        });

        it("creates the namespace with Pod Security Standards restricted enforced, audited and warned at the cluster's version", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const labels = objectNamed(ev, TYPES.namespace, "financial-app").inputs.metadata.labels;
            for (const mode of ["enforce", "audit", "warn"]) {
                assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
                assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], "v1.33");
            }
        });

        it("waits for the add-ons: the namespace, certificates, PodMonitor and PrometheusRule depend on args.dependsOn", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const addOn = ev.named("test:index:AddOn", "monitoring-release");
            for (const [type, name] of [
                [TYPES.namespace, "financial-app"],
                [TYPES.certificate, "financial-app-envoy-tls"],
                [TYPES.certificate, "financial-app-internal-trust"],
                [TYPES.podMonitor, "financial-app"],
                [TYPES.prometheusRule, "financial-app"],
            ]) {
                assert.ok(objectNamed(ev, type, name).dependencies.includes(addOn.urn), `${type} ${name}`);
            }
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            assert.ok(stable.dependencies.includes(objectNamed(ev, TYPES.certificate, "financial-app-envoy-tls").urn), "pods start after their certificate exists");
            assert.ok(stable.dependencies.includes(objectNamed(ev, TYPES.configMap, "financial-app-envoy").urn));
        });

        it("publishes the host through a TLS Ingress to Envoy over verified HTTPS, with a production certificate in prod", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const ingress = objectNamed(ev, TYPES.ingress, "financial-app").inputs;
            const host = `app.${cloud}.fin.example.com`;
            assert.equal(ingress.spec.ingressClassName, "nginx");
            assert.deepEqual(ingress.spec.tls, [{ hosts: [host], secretName: "financial-app-public-tls" }]);
            assert.equal(ingress.spec.rules[0].host, host);
            assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend.service, { name: "financial-app", port: { name: "https" } });
            const a = ingress.metadata.annotations;
            assert.equal(a["cert-manager.io/cluster-issuer"], "letsencrypt-production");
            assert.equal(a["external-dns.alpha.kubernetes.io/hostname"], host);
            assert.equal(a["nginx.ingress.kubernetes.io/backend-protocol"], "HTTPS");
            assert.equal(a["nginx.ingress.kubernetes.io/proxy-ssl-verify"], "on");
            assert.equal(a["nginx.ingress.kubernetes.io/proxy-ssl-secret"], "financial-app/financial-app-internal-trust");
            assert.equal(a["nginx.ingress.kubernetes.io/proxy-ssl-name"], "financial-app.financial-app.svc");
            const service = objectNamed(ev, TYPES.service, "financial-app").inputs.spec;
            assert.deepEqual(service.ports, [{ name: "https", port: 443, targetPort: "https", protocol: "TCP", appProtocol: "https" }]);
        });

        it("dev certificates come from Let's Encrypt staging", async () => {
            const { ev } = await evaluateApp(cloud, { environment: "dev" });
            assert.equal(objectNamed(ev, TYPES.ingress, "financial-app").inputs.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-staging");
        });

        it("without monitoring there is no PodMonitor or PrometheusRule (the CRDs may not exist)", async () => {
            const { ev } = await evaluateApp(cloud, { monitoring: false });
            assert.equal(ev.ofType(TYPES.podMonitor).length, 0);
            assert.equal(ev.ofType(TYPES.prometheusRule).length, 0);
        });

        it("exposes namespace, Service, host, Deployment and HPA names as outputs", async () => {
            const { app } = await defaultEvaluation(cloud);
            assert.equal(await resolve(app.namespace), "financial-app");
            assert.equal(await resolve(app.serviceName), "financial-app");
            assert.equal(app.hostname, `app.${cloud}.fin.example.com`);
            assert.equal(await resolve(app.stableDeploymentName), "financial-app");
            assert.equal(await resolve(app.canaryDeploymentName!), "financial-app-canary");
            assert.equal(await resolve(app.hpaName), "financial-app");
            assert.equal(app.serviceAccountName, "financial-app");
        });
    });
}

describe("FinancialApp on both clusters of a pair", () => {
    it("two instances in one stack never collide and each uses its own cluster's provider", async () => {
        const ev = await evaluate({
            project: "t",
            stack: "t",
            config: {},
            program: () => {
                for (const cloud of CLOUDS) new FinancialApp(`${cloud}-app`, appArgs(fakeCluster(cloud)));
            },
        });
        const urns = ev.resources.map((r) => r.urn);
        assert.equal(new Set(urns).size, urns.length);
        for (const cloud of CLOUDS) {
            const component = ev.named("finplat:app:FinancialApp", `${cloud}-app`);
            for (const child of ev.descendantsOf(component.urn)) assert.match(child.provider, new RegExp(`::fake-${cloud}-k8s::`));
        }
    });
});
