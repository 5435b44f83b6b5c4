/**
 * Micro-programs for `npm run bench -- --breakdown`: N copies of one resource shape,
 * each with or without one of the program's patterns, to tell the SDK's floor per
 * resource from what a pattern adds. Every scenario declares `count` units on one
 * explicit Kubernetes provider (as the app does); a unit is one resource unless the
 * scenario says otherwise.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createConfigMap } from "../../components/app/config-maps";
import { envoyConfigData } from "../../components/app/envoy-config";
import { PodFoundation, serverPodTemplate } from "../../components/app/pod-spec";
import { DEFAULT_APP_BUDGET } from "../../components/app/resources";
import { DEFAULT_SIDECAR_IMAGES } from "../../components/app/image";

export interface Scenario {
    name: string;
    /** What one unit adds over the floor, for the table. */
    what: string;
    declare(count: number): void;
}

class Group extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions, outputs?: pulumi.Inputs) {
        super("bench:index:Group", name, {}, opts);
        if (outputs) this.registerOutputs(outputs);
    }
}

const provider = () => new k8s.Provider("bench-k8s", { kubeconfig: "{}" });

/** A ConfigMap with a few keys: the smallest realistic custom resource. */
function configMap(name: string, opts: pulumi.CustomResourceOptions, data: pulumi.Input<Record<string, pulumi.Input<string>>> = { key: "value", other: "value" }, namespace: pulumi.Input<string> = "bench") {
    return new k8s.core.v1.ConfigMap(name, { metadata: { name, namespace, labels: { "app.kubernetes.io/name": "bench" } }, data }, opts);
}

/** Values of the size of our larger Helm releases: ~60 keys over 4 levels. */
function largeValues(i: number): Record<string, unknown> {
    const section = (n: number) => ({
        enabled: true,
        replicas: 2,
        image: { repository: `registry.example.com/component-${n}`, tag: "1.2.3", pullPolicy: "IfNotPresent" },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        securityContext: { runAsNonRoot: true, runAsUser: 1000 + n, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        nodeSelector: { "kubernetes.io/os": "linux" },
        extraArgs: [`--instance=${i}`, "--log-format=json"],
    });
    return { fullnameOverride: `release-${i}`, a: section(1), b: section(2), c: section(3), d: section(4) };
}

/** The app's stable pod template (the Deployment's largest input), from its real builder. */
function appPodFoundation(): PodFoundation {
    const name = "financial-app";
    const configMap = { name: `${name}-settings`, checksum: "0".repeat(64) };
    return {
        appName: name,
        serviceAccountName: name,
        appBudget: DEFAULT_APP_BUDGET,
        sidecarImages: { ...DEFAULT_SIDECAR_IMAGES },
        migrateCommand: ["python", "manage.py", "migrate"],
        cachePreloadCommand: ["preload-cache"],
        configMaps: { settings: configMap, envoy: configMap, fluentd: configMap, metricsAgent: configMap },
        envoyTlsSecret: `${name}-envoy-tls`,
        vault: { role: name, secrets: [{ name: "database", path: `${name}/database` }], trustSecretName: `${name}-trust` },
        zoneTopologyKey: "topology.kubernetes.io/zone",
        zoneCount: 3,
    };
}

export const SCENARIOS: Scenario[] = [
    {
        name: "configmap",
        what: "floor: a ConfigMap, plain inputs, parent the stack",
        declare(count) {
            const opts = { provider: provider() };
            for (let i = 0; i < count; i++) configMap(`cm-${i}`, opts);
        },
    },
    {
        name: "configmap-in-component",
        what: "+ parent: a component (10 children each; unit = 1.1 resources)",
        declare(count) {
            const p = provider();
            let group: Group | undefined;
            for (let i = 0; i < count; i++) {
                if (i % 10 === 0) group = new Group(`group-${i}`);
                configMap(`cm-${i}`, { provider: p, parent: group });
            }
        },
    },
    {
        name: "configmap-output-namespace",
        what: "+ namespace an Output of another resource (as every app object)",
        declare(count) {
            const p = provider();
            const ns = new k8s.core.v1.Namespace("bench", { metadata: { name: "bench" } }, { provider: p });
            for (let i = 0; i < count; i++) configMap(`cm-${i}`, { provider: p }, undefined, ns.metadata.name);
        },
    },
    {
        name: "configmap-apply-values",
        what: "+ 3 data values from apply chains",
        declare(count) {
            const p = provider();
            const base = pulumi.output("value");
            for (let i = 0; i < count; i++) configMap(`cm-${i}`, { provider: p }, { a: base.apply((v) => `${v}-a`), b: base.apply((v) => `${v}-b`), c: base.apply((v) => `${v}-c`) });
        },
    },
    {
        name: "configmap-secret",
        what: "+ data a pulumi.secret",
        declare(count) {
            const p = provider();
            for (let i = 0; i < count; i++) configMap(`cm-${i}`, { provider: p }, pulumi.secret({ key: "value" }));
        },
    },
    {
        name: "configmap-aliases-protect",
        what: "+ one alias, protect, retainOnDelete, ignoreChanges",
        declare(count) {
            const p = provider();
            for (let i = 0; i < count; i++) configMap(`cm-${i}`, { provider: p, aliases: [{ name: `old-cm-${i}` }], protect: true, retainOnDelete: true, ignoreChanges: ["data"] });
        },
    },
    {
        name: "configmap-depends-on-5",
        what: "+ dependsOn 5 custom resources",
        declare(count) {
            const p = provider();
            const targets = Array.from({ length: 5 }, (_, i) => configMap(`target-${i}`, { provider: p }));
            for (let i = 0; i < count; i++) configMap(`cm-${i}`, { provider: p, dependsOn: targets });
        },
    },
    {
        name: "configmap-depends-on-component",
        what: "+ dependsOn one component of 20 custom children",
        declare(count) {
            const p = provider();
            const group = new Group("target");
            for (let i = 0; i < 20; i++) configMap(`target-${i}`, { provider: p, parent: group });
            for (let i = 0; i < count; i++) configMap(`cm-${i}`, { provider: p, dependsOn: [group] });
        },
    },
    {
        name: "app-config-map",
        what: "the app's ConfigMap (Envoy config, checksum)",
        declare(count) {
            const p = provider();
            for (let i = 0; i < count; i++) createConfigMap({ prefix: `app-${i}`, appName: "financial-app", namespace: pulumi.output("bench"), opts: { provider: p } }, "envoy", envoyConfigData("financial-app", "/healthz"));
        },
    },
    {
        name: "deployment",
        what: "a Deployment with the app's pod template (6 containers)",
        declare(count) {
            const p = provider();
            const template = serverPodTemplate(appPodFoundation(), "stable", "registry.example.com/fin/financial-app:2.4.1");
            for (let i = 0; i < count; i++) {
                new k8s.apps.v1.Deployment(`deploy-${i}`, { metadata: { name: `deploy-${i}`, namespace: "bench" }, spec: { replicas: 2, selector: { matchLabels: { app: "bench" } }, template } }, { provider: p });
            }
        },
    },
    {
        name: "helm-release",
        what: "a Helm Release with ~60 values keys",
        declare(count) {
            const p = provider();
            for (let i = 0; i < count; i++) {
                new k8s.helm.v3.Release(`release-${i}`, { chart: "bench", version: "1.0.0", repositoryOpts: { repo: "https://charts.example.com" }, namespace: "bench", values: largeValues(i) }, { provider: p });
            }
        },
    },
    {
        name: "custom-resource",
        what: "a CustomResource (Certificate-shaped)",
        declare(count) {
            const p = provider();
            for (let i = 0; i < count; i++) {
                new k8s.apiextensions.CustomResource(`cert-${i}`, {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: { name: `cert-${i}`, namespace: "bench" },
                    spec: { secretName: `cert-${i}-tls`, dnsNames: [`svc-${i}.bench.svc`], issuerRef: { name: "internal-ca", kind: "Issuer", group: "cert-manager.io" }, privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" } },
                }, { provider: p });
            }
        },
    },
    {
        name: "component-register-outputs",
        what: "a component with 8 Output outputs (registerOutputs)",
        declare(count) {
            const value = pulumi.output("value");
            for (let i = 0; i < count; i++) {
                new Group(`group-${i}`, {}, Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`out${k}`, value.apply((v) => `${v}-${k}`)])));
            }
        },
    },
];

export function scenarioNamed(name: string): Scenario {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) throw new Error(`unknown scenario ${name} (have: ${SCENARIOS.map((s) => s.name).join(", ")})`);
    return scenario;
}
