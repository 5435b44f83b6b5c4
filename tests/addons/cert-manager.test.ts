import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { CERT_MANAGER_SERVICE_ACCOUNT, CertManager, CertManagerArgs } from "../../components/addons/cert-manager";
import { INTERNAL_CA_BOOTSTRAP_ISSUER, INTERNAL_CA_SECRET } from "../../components/addons/cluster-issuers";
import { CLUSTER_ISSUERS, MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { CloudName, CLOUDS, ClusterHandle, SYSTEM_POOL_TOLERATION, defaultPlacement } from "../../components/cluster/contract";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { FakeClusterEvaluation, assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { FakeCluster } from "../support/fake-cluster";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CUSTOM = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";

function build(
    cloud: CloudName,
    args: Partial<Omit<CertManagerArgs, "cluster">> = {},
    adjust: (cluster: FakeCluster) => FakeCluster = (c) => c,
): Promise<FakeClusterEvaluation> {
    return evaluateOnFakeCluster(cloud, (fake) => {
        const cluster = adjust(fake);
        const monitoring = new k8s.helm.v3.Release("monitoring", { chart: "kube-prometheus-stack" }, { provider: cluster.provider });
        new CertManager(`${cluster.name}-certs`, {
            cluster: cluster as ClusterHandle,
            acmeEmail: "platform@fin.example.com",
            serviceMonitor: true,
            dependsOn: [monitoring],
            ...args,
        });
    });
}

const releaseOf = (ev: Evaluation, cloud: CloudName) => ev.named(RELEASE, `fake-${cloud}-certs`);
const valuesOf = (ev: Evaluation, cloud: CloudName) => releaseOf(ev, cloud).inputs.values;
const issuerNamed = (ev: Evaluation, name: string): RecordedResource => {
    const found = ev.ofType(CUSTOM).filter((r) => r.inputs.metadata.name === name);
    assert.equal(found.length, 1, `one ClusterIssuer named ${name}`);
    return found[0];
};

describe("CertManager add-on", () => {
    const built = {} as Record<CloudName, FakeClusterEvaluation>;
    before(async () => {
        for (const cloud of CLOUDS) built[cloud] = await build(cloud);
    });

    for (const cloud of CLOUDS) {
        it(`installs the pinned cert-manager chart with its CRDs (kept on uninstall) in ${NAMESPACES.certManager} (${cloud})`, () => {
            const release = releaseOf(built[cloud].ev, cloud);
            assertPinnedRelease(release, CHARTS.certManager, NAMESPACES.certManager, "cert-manager");
            assert.deepEqual(release.inputs.values.crds, { enabled: true, keep: true });
            assert.equal(release.inputs.values.installCRDs, undefined, "the deprecated flag fails together with crds.enabled");
            assert.match(release.parent, new RegExp(`finplat:addons:CertManager::fake-${cloud}-certs$`));
            assert.match(release.provider, new RegExp(`fake-${cloud}-k8s`));
        });

        it(`sets only values keys the pinned chart (and its strict schema) defines (${cloud})`, () => {
            assert.deepEqual(unknownValueKeys(CHARTS.certManager.chart, CHARTS.certManager.version, valuesOf(built[cloud].ev, cloud)), []);
        });

        it(`requests exactly dns-challenge-records for the controller's ServiceAccount and wires the identity into it (${cloud})`, () => {
            const { ev, cluster } = built[cloud];
            assert.deepEqual(cluster.grants.map((g) => ({ name: g.name, namespace: g.request.namespace, serviceAccount: g.request.serviceAccount, permissions: g.request.permissions })), [
                { name: `fake-${cloud}-certs`, namespace: NAMESPACES.certManager, serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT, permissions: [{ kind: "dns-challenge-records" }] },
            ]);
            const values = valuesOf(ev, cloud);
            assert.equal(values.serviceAccount.name, CERT_MANAGER_SERVICE_ACCOUNT);
            assert.deepEqual(values.serviceAccount.annotations, cloud === "aws"
                ? { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/fake-aws-certs" }
                : { "azure.workload.identity/client-id": "client-fake-azure-certs" });
            assert.deepEqual(values.podLabels, cloud === "aws" ? {} : { "azure.workload.identity/use": "true" });
            assert.equal(values.webhook.podLabels, undefined, "only the controller solves DNS-01");
        });

        it(`puts all four components on the system pool with requests and memory limits (${cloud})`, () => {
            const values = valuesOf(built[cloud].ev, cloud);
            const components = { controller: values, webhook: values.webhook, cainjector: values.cainjector, startupapicheck: values.startupapicheck };
            for (const [what, component] of Object.entries(components)) {
                assert.deepEqual(component.tolerations, [SYSTEM_POOL_TOLERATION], what);
                assert.deepEqual(component.nodeSelector, { "platform.finplat.io/pool": "system" }, what);
                assertRequestsAndMemoryLimit(component.resources, what);
            }
        });

        it(`creates the ClusterIssuers only after the cert-manager release (CRDs and webhook) (${cloud})`, () => {
            const { ev } = built[cloud];
            const release = releaseOf(ev, cloud);
            const crs = [...ev.ofType(CUSTOM), ...ev.ofType(CERTIFICATE)];
            assert.equal(crs.length, 5);
            for (const cr of crs) {
                assert.ok(cr.dependencies.includes(release.urn), `${cr.name} depends on the release`);
                assert.match(cr.provider, new RegExp(`fake-${cloud}-k8s`));
                assert.match(cr.parent, /finplat:addons:ClusterIssuers::/);
                assert.match(ev.byUrn(cr.parent)!.parent, new RegExp(`finplat:addons:CertManager::fake-${cloud}-certs$`));
            }
        });

        it(`registers Let's Encrypt staging and production with DNS-01 limited to the cluster's zone (${cloud})`, () => {
            const { ev } = built[cloud];
            const staging = issuerNamed(ev, CLUSTER_ISSUERS.letsEncryptStaging).inputs.spec.acme;
            const production = issuerNamed(ev, CLUSTER_ISSUERS.letsEncryptProduction).inputs.spec.acme;
            assert.equal(staging.server, "https://acme-staging-v02.api.letsencrypt.org/directory");
            assert.equal(production.server, "https://acme-v02.api.letsencrypt.org/directory");
            for (const acme of [staging, production]) {
                assert.equal(acme.email, "platform@fin.example.com");
                assert.equal(acme.solvers.length, 1);
                assert.deepEqual(acme.solvers[0].selector, { dnsZones: [`${cloud}.fin.example.com`] });
            }
            assert.notEqual(staging.privateKeySecretRef.name, production.privateKeySecretRef.name, "separate ACME accounts");
        });
    }

    it("solves DNS-01 on AWS with Route 53 in the cluster's hosted zone, no static credentials", () => {
        const acme = issuerNamed(built.aws.ev, CLUSTER_ISSUERS.letsEncryptProduction).inputs.spec.acme;
        assert.deepEqual(acme.solvers[0].dns01, { route53: { region: "us-east-1", hostedZoneID: "Z0FAKEZONE" } });
    });

    it("solves DNS-01 on Azure with Azure DNS through cert-manager's managed identity", () => {
        const acme = issuerNamed(built.azure.ev, CLUSTER_ISSUERS.letsEncryptProduction).inputs.spec.acme;
        assert.deepEqual(acme.solvers[0].dns01, {
            azureDNS: {
                subscriptionID: "sub-id",
                resourceGroupName: "fake-rg",
                hostedZoneName: "azure.fin.example.com",
                environment: "AzurePublicCloud",
                managedIdentity: { clientID: "client-fake-azure-certs" },
            },
        });
    });

    it("builds the internal CA in order: self-signed issuer → CA certificate → CA issuer", () => {
        const { ev } = built.aws;
        const bootstrap = issuerNamed(ev, INTERNAL_CA_BOOTSTRAP_ISSUER);
        const certificate = ev.ofType(CERTIFICATE)[0];
        const ca = issuerNamed(ev, CLUSTER_ISSUERS.internalCa);
        assert.deepEqual(bootstrap.inputs.spec, { selfSigned: {} });

        assert.ok(certificate.dependencies.includes(bootstrap.urn));
        assert.equal(certificate.inputs.metadata.namespace, NAMESPACES.certManager, "CA issuers read Secrets from cert-manager's namespace");
        assert.equal(certificate.inputs.spec.isCA, true);
        assert.equal(certificate.inputs.spec.secretName, INTERNAL_CA_SECRET);
        assert.deepEqual(certificate.inputs.spec.privateKey, { algorithm: "ECDSA", size: 256 });
        assert.deepEqual(certificate.inputs.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: INTERNAL_CA_BOOTSTRAP_ISSUER });
        assert.equal(certificate.inputs.spec.duration, "87600h");

        assert.ok(ca.dependencies.includes(certificate.urn));
        assert.deepEqual(ca.inputs.spec, { ca: { secretName: INTERNAL_CA_SECRET } });
    });

    it("runs two controllers and webhooks with PDBs and zone spread when the cluster spans three zones", () => {
        const values = valuesOf(built.aws.ev, "aws");
        for (const [component, name, role] of [[values, "cert-manager", "controller"], [values.webhook, "webhook", "webhook"]] as const) {
            assert.equal(component.replicaCount, 2);
            assert.deepEqual(component.podDisruptionBudget, { enabled: true, minAvailable: 1 });
            assert.deepEqual(component.topologySpreadConstraints, [{
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": role } },
            }]);
        }
    });

    it("runs single replicas without PDBs (which would block drains) on fewer than three zones", async () => {
        const { ev } = await build("aws", {}, (c) => ({ ...c, placement: defaultPlacement(["us-east-1a", "us-east-1b"]) }));
        const values = valuesOf(ev, "aws");
        for (const component of [values, values.webhook]) {
            assert.equal(component.replicaCount, 1);
            assert.deepEqual(component.podDisruptionBudget, { enabled: false });
        }
    });

    it("self-checks DNS-01 only against public recursive resolvers, and keeps ambient credentials for ClusterIssuers", () => {
        const values = valuesOf(built.azure.ev, "azure");
        assert.equal(values.dns01RecursiveNameserversOnly, true);
        assert.equal(values.dns01RecursiveNameservers, "8.8.8.8:53,1.1.1.1:53");
        assert.deepEqual(values.extraArgs, ["--cluster-issuer-ambient-credentials=true"]);
    });

    it("creates a ServiceMonitor Prometheus selects, after the monitoring release; none when monitoring is off", async () => {
        const { ev } = built.aws;
        const release = releaseOf(ev, "aws");
        assert.deepEqual(release.inputs.values.prometheus, { enabled: true, servicemonitor: { enabled: true, labels: MONITORING_SELECTOR_LABELS } });
        assert.ok(release.dependencies.includes(ev.named(RELEASE, "monitoring").urn));
        const off = await build("aws", { serviceMonitor: false, dependsOn: [] });
        assert.equal(valuesOf(off.ev, "aws").prometheus.servicemonitor.enabled, false);
    });

    it("refuses an ACME email that is not an address", async () => {
        await assert.rejects(build("aws", { acmeEmail: "platform team" }), /acmeEmail must be an email address/);
    });
});
