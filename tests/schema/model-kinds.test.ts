import { strict as assert } from "assert";
import { validateKubernetesObject } from "../support/k8s-schema";

/** The reasons validateKubernetesObject gives, one per entry ("" when the object is valid). */
async function reasons(apiVersion: string, kind: string, object: unknown): Promise<string[]> {
    try {
        await validateKubernetesObject(apiVersion, kind, object);
        return [];
    } catch (err) {
        return (err as Error).message.split("; ");
    }
}

function deployment(container: Record<string, unknown>, pod: Record<string, unknown> = {}): unknown {
    return {
        metadata: { name: "api", labels: { "app.kubernetes.io/name": "api" } },
        spec: {
            selector: { matchLabels: { app: "api" } },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
            template: {
                metadata: { labels: { app: "api" } },
                spec: { containers: [{ name: "api", image: "api:1.0.0", ...container }], ...pod },
            },
        },
    };
}

describe("built-in and model-package kinds: unknown fields are rejected too", () => {
    it("a valid Deployment passes: maps, IntOrString (25%, 0, named ports), quantities as strings and numbers", async () => {
        const container = {
            ports: [{ name: "http", containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
            resources: { requests: { cpu: 0.5, memory: "256Mi" }, limits: { cpu: "1", memory: "256Mi" } },
            securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        };
        assert.deepEqual(await reasons("apps/v1", "Deployment", deployment(container, { volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }] })), []);
    });

    it("a Deployment with containers[0].securityContext.runAsNonroot fails, naming the path", async () => {
        assert.deepEqual(await reasons("apps/v1", "Deployment", deployment({ securityContext: { runAsNonroot: true } })), [
            "spec.template.spec.containers[0].securityContext.runAsNonroot: unknown field",
        ]);
    });

    it("unknown fields in volumes, probes, the pod spec and metadata fail", async () => {
        const broken = deployment(
            { livenessProbe: { httpGet: { path: "/", port: 8080 }, periodSecond: 5 } },
            { volumes: [{ name: "tmp", emptyDir: { sizelimit: "1Gi" } }], nodeSelecter: { a: "b" } },
        ) as { metadata: Record<string, unknown> };
        broken.metadata.annotation = { a: "b" };
        assert.deepEqual((await reasons("apps/v1", "Deployment", broken)).sort(), [
            "metadata.annotation: unknown field",
            "spec.template.spec.containers[0].livenessProbe.periodSecond: unknown field",
            "spec.template.spec.nodeSelecter: unknown field",
            "spec.template.spec.volumes[0].emptyDir.sizelimit: unknown field",
        ]);
    });

    it("the package's own validator still checks types and required fields", async () => {
        const [reason] = await reasons("apps/v1", "Deployment", { metadata: { name: "x" }, spec: { template: { spec: { containers: [{ name: "a" }] } } } });
        assert.match(reason, /spec must have required property '?selector/);
        assert.match((await reasons("v1", "ConfigMap", { metadata: { name: "x", labels: { a: 1 } } }))[0], /labels\.a: expected string, got integer|must be string/);
    });

    it("a cert-manager Certificate with an unknown field fails", async () => {
        const certificate = { metadata: { name: "api" }, spec: { secretName: "api-tls", issuerRef: { name: "ca", kind: "ClusterIssuer" }, dnsNames: ["api"] } };
        assert.deepEqual(await reasons("cert-manager.io/v1", "Certificate", certificate), []);
        assert.deepEqual(await reasons("cert-manager.io/v1", "Certificate", { ...certificate, spec: { ...certificate.spec, privateKey: { algorithm: "ECDSA", sise: 256 } } }), [
            "spec.privateKey.sise: unknown field",
        ]);
    });

    it("prometheus-operator and Gateway API kinds are checked the same way", async () => {
        const rule = { metadata: { name: "r" }, spec: { groups: [{ name: "g", rules: [{ alert: "Down", expr: "up == 0", for: "5m", labels: { severity: "page" } }] }] } };
        assert.deepEqual(await reasons("monitoring.coreos.com/v1", "PrometheusRule", rule), []);
        const broken = { metadata: { name: "r" }, spec: { groups: [{ name: "g", rules: [{ alert: "Down", expression: "up == 0" }] }] } };
        assert.ok((await reasons("monitoring.coreos.com/v1", "PrometheusRule", broken)).includes("spec.groups[0].rules[0].expression: unknown field"));
        const route = { metadata: { name: "r" }, spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "api", port: 8080, wieght: 1 }] }] } };
        assert.deepEqual(await reasons("gateway.networking.k8s.io/v1", "HTTPRoute", route), ["spec.rules[0].backendRefs[0].wieght: unknown field"]);
    });
});
