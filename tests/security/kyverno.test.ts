import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { Kyverno } from "../../components/security/kyverno";
import { EXCLUDED_FROM_APP_CHECKS, EXCLUDED_FROM_PRIVILEGED_CHECK, Enforcement, SignatureAttestor, admissionPolicies } from "../../components/security/kyverno-policies";
import { PLATFORM_NAMESPACES, PRIVILEGED_NAMESPACES, SYSTEM_NAMESPACES } from "../../components/security/namespaces";
import { RecordedResource } from "../../commands/offline/harness";
import { assertPinnedRelease, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { validateKubernetesObject } from "../support/k8s-schema";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const KEYLESS: SignatureAttestor = { method: "keyless", issuer: "https://token.actions.githubusercontent.com", subjectRegExp: "^https://github\\.com/finplat/app/\\.github/workflows/release\\.yml@refs/tags/v.*$" };

async function build(cloud: "aws" | "azure", enforcement: Enforcement, replicas: number, attestor: SignatureAttestor = KEYLESS) {
    const { ev, cluster } = await evaluateOnFakeCluster(cloud, (cluster) => {
        const monitoring = new k8s.core.v1.ConfigMap("monitoring", { data: {} }, { provider: cluster.provider });
        new Kyverno("kyverno", {
            cluster,
            replicas,
            enforcement,
            allowedRegistries: ["registry.k8s.io", "docker.io/velero", "registry.fin.example.com"],
            signedImages: { repositories: ["registry.fin.example.com/financial-app"], attestor },
            serviceMonitor: true,
            dependsOn: [monitoring],
        });
    });
    const release = ev.named(RELEASE, "kyverno");
    const policies = ev.resources.filter((r) => r.type.startsWith("kubernetes:policies.kyverno.io/v1:"));
    const byName = (name: string) => policies.find((p) => p.inputs.metadata.name === name)!;
    return { ev, cluster, release, values: release.inputs.values, policies, byName };
}

const excludedBy = (policy: RecordedResource): string[] => policy.inputs.spec.matchConstraints.namespaceSelector.matchExpressions[0].values;

describe("Kyverno add-on", () => {
    for (const cloud of ["aws", "azure"] as const) {
        it(`${cloud}: installs the pinned kyverno chart (3.9.0 = Kyverno 1.19.0) in its namespace with only keys the chart defines, on the cluster's provider`, async () => {
            const { release, values, policies } = await build(cloud, "Enforce", 3);
            assertPinnedRelease(release, CHARTS.kyverno, NAMESPACES.kyverno, "kyverno");
            assert.deepEqual(unknownValueKeys(CHARTS.kyverno.chart, CHARTS.kyverno.version, values), []);
            for (const r of [release, ...policies]) assert.match(r.provider, new RegExp(`::fake-${cloud}-k8s::`), `${r.name} uses the cluster's provider`);
        });
    }

    it("every policy, in both modes and with either kind of signer, validates against Kyverno 1.19.0's CRD schemas (unknown fields included)", async () => {
        const pem = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----";
        for (const [enforcement, attestor] of [["Enforce", KEYLESS], ["Audit", { method: "key", publicKey: pem }], ["Enforce", { ...KEYLESS, subjectRegExp: undefined, subject: "release@fin.example.com", rekorUrl: "https://rekor.fin.example.com" }]] as [Enforcement, SignatureAttestor][]) {
            const policies = admissionPolicies({ enforcement, allowedRegistries: ["registry.k8s.io"], signedImages: { repositories: ["registry.fin.example.com/app"], attestor } });
            for (const policy of policies) assert.equal(await validateKubernetesObject(policy.apiVersion, policy.kind, policy), "validated", policy.metadata.name);
        }
        await assert.rejects(validateKubernetesObject("policies.kyverno.io/v1", "ValidatingPolicy", { metadata: { name: "x" }, spec: { validationActions: ["Enforce"] } }), /Enforce|enum|validationActions/);
    });

    it("prod shape: 3 admission replicas with a PDB and zone spread, 2 of each other controller, all scraped by Prometheus", async () => {
        const { values } = await build("aws", "Enforce", 3);
        assert.equal(values.admissionController.replicas, 3);
        assert.deepEqual(values.admissionController.podDisruptionBudget, { enabled: true, minAvailable: 1 });
        assert.equal(values.admissionController.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        for (const controller of ["admissionController", "backgroundController", "reportsController", "cleanupController"]) {
            assert.deepEqual(values[controller].serviceMonitor, { enabled: true, additionalLabels: { ...MONITORING_SELECTOR_LABELS } }, controller);
            if (controller !== "admissionController") assert.equal(values[controller].replicas, 2, controller);
        }
        const single = (await build("aws", "Audit", 1)).values;
        assert.deepEqual(single.admissionController.podDisruptionBudget, { enabled: false, minAvailable: 1 });
        assert.deepEqual(single.admissionController.topologySpreadConstraints, []);
    });

    it("cannot deadlock the cluster: the webhooks skip kube-system (and the chart skips Kyverno's namespace); policy exceptions are off", async () => {
        const { values } = await build("azure", "Enforce", 3);
        assert.deepEqual(values.config.webhooks.namespaceSelector.matchExpressions, [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "kube-public", "kube-node-lease"] }]);
        assert.equal(values.config.excludeKyvernoNamespace, true);
        assert.equal(values.features.policyExceptions.enabled, false);
    });

    it("Enforce: every policy denies and fails closed; Audit: every policy audits and warns and fails open", async () => {
        for (const [mode, actions, failure] of [["Enforce", ["Deny"], "Fail"], ["Audit", ["Audit", "Warn"], "Ignore"]] as const) {
            const { policies } = await build("aws", mode, mode === "Enforce" ? 3 : 1);
            assert.equal(policies.length, 6);
            for (const p of policies) {
                assert.deepEqual(p.inputs.spec.validationActions, actions, `${p.inputs.metadata.name} in ${mode}`);
                assert.equal(p.inputs.spec.failurePolicy, failure, `${p.inputs.metadata.name} in ${mode}`);
            }
        }
    });

    it("every policy skips exactly the documented system namespaces; the privileged check also the node-agent namespaces; app checks every platform namespace", async () => {
        const { byName } = await build("aws", "Enforce", 3);
        const system = Object.keys(SYSTEM_NAMESPACES).sort();
        for (const name of ["restrict-image-registries", "require-pinned-images", "verify-app-image-signatures"]) assert.deepEqual(excludedBy(byName(name)), system, name);
        assert.deepEqual(excludedBy(byName("disallow-privileged-pods")), [...EXCLUDED_FROM_PRIVILEGED_CHECK].sort());
        assert.deepEqual(excludedBy(byName("disallow-privileged-pods")), [...system, ...Object.keys(PRIVILEGED_NAMESPACES)].sort());
        for (const name of ["pod-security-restricted", "require-requests-limits"]) {
            assert.deepEqual(excludedBy(byName(name)), [...EXCLUDED_FROM_APP_CHECKS].sort(), name);
            for (const ns of PLATFORM_NAMESPACES) assert.ok(excludedBy(byName(name)).includes(ns), `${name} skips platform namespace ${ns}`);
            assert.ok(!excludedBy(byName(name)).includes("financial-app"), `${name} covers the app`);
        }
        assert.ok(!excludedBy(byName("disallow-privileged-pods")).includes(NAMESPACES.vault), "platform namespaces without node agents get no privileged pods");
    });

    it("the registry policy allows exactly the given patterns, as anchored expressions over registry/repository", async () => {
        const { byName } = await build("aws", "Enforce", 3);
        const allowed = byName("restrict-image-registries").inputs.spec.variables.find((v: any) => v.name === "allowed").expression;
        assert.equal(allowed, "[r'^registry\\.k8s\\.io(/|$)', r'^docker\\.io/velero(/|$)', r'^registry\\.fin\\.example\\.com(/|$)']");
    });

    it("the app's images (any tag or digest) need a cosign signature by the configured keyless identity, or key", async () => {
        const keyless = (await build("aws", "Enforce", 3)).byName("verify-app-image-signatures").inputs.spec;
        assert.deepEqual(keyless.matchImageReferences, [{ glob: "registry.fin.example.com/financial-app:*" }, { glob: "registry.fin.example.com/financial-app@*" }]);
        assert.deepEqual(keyless.attestors, [{ name: "cosign", cosign: { keyless: { identities: [{ issuer: KEYLESS.issuer, subjectRegExp: (KEYLESS as any).subjectRegExp }] } } }]);
        assert.equal(keyless.validationConfigurations.mutateDigest, false, "Pulumi owns the workloads: no tag rewriting");
        assert.match(keyless.validations[0].expression, /verifyImageSignatures\(image, \[attestors\.cosign\]\) > 0/);
        const pem = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----";
        const key = (await build("aws", "Enforce", 3, { method: "key", publicKey: pem })).byName("verify-app-image-signatures").inputs.spec;
        assert.deepEqual(key.attestors, [{ name: "cosign", cosign: { key: { data: pem } } }]);
    });

    it("policies wait for the release (CRDs); alerts: new report violations page in Enforce, warn in Audit", async () => {
        const { ev, release, policies } = await build("aws", "Enforce", 3);
        for (const p of policies) assert.ok(p.dependencies.includes(release.urn), p.name);
        const rule = ev.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
        const alerts = rule.inputs.spec.groups[0].rules;
        assert.equal(alerts.find((a: any) => a.alert === "KyvernoNewPolicyViolations").labels.severity, "critical");
        assert.match(alerts.find((a: any) => a.alert === "KyvernoNewPolicyViolations").expr, /kyverno_policyreport_fail offset 1h/);
        const audit = (await build("aws", "Audit", 1)).ev.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
        assert.equal(audit.inputs.spec.groups[0].rules.find((a: any) => a.alert === "KyvernoNewPolicyViolations").labels.severity, "warning");
    });
});
