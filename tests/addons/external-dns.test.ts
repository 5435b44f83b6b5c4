import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { EXTERNAL_DNS_SERVICE_ACCOUNT, ExternalDns, ExternalDnsArgs } from "../../components/addons/external-dns";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { CloudName, CLOUDS, SYSTEM_POOL_TOLERATION } from "../../components/cluster/contract";
import { Evaluation, evaluate } from "../../commands/offline/harness";
import { FakeClusterEvaluation, assertPinnedRelease, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { fakeCluster } from "../support/fake-cluster";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";

function build(cloud: CloudName, args: Partial<Omit<ExternalDnsArgs, "cluster">> = {}): Promise<FakeClusterEvaluation> {
    return evaluateOnFakeCluster(cloud, (cluster) => {
        const monitoring = new k8s.helm.v3.Release("monitoring", { chart: "kube-prometheus-stack" }, { provider: cluster.provider });
        new ExternalDns(`${cluster.name}-dns`, {
            cluster,
            policy: "sync",
            ownerId: cluster.name,
            domainFilters: [cluster.dns.zoneName],
            serviceMonitor: true,
            dependsOn: [monitoring],
            ...args,
        });
    });
}

const releaseOf = (ev: Evaluation, cloud: CloudName) => ev.named(RELEASE, `fake-${cloud}-dns`);
const valuesOf = (ev: Evaluation, cloud: CloudName) => releaseOf(ev, cloud).inputs.values;

describe("ExternalDns add-on", () => {
    const built = {} as Record<CloudName, FakeClusterEvaluation>;
    before(async () => {
        for (const cloud of CLOUDS) built[cloud] = await build(cloud);
    });

    for (const cloud of CLOUDS) {
        it(`installs the pinned external-dns chart in ${NAMESPACES.externalDns}, after its namespace, with the ${cloud} cluster's provider`, () => {
            const { ev } = built[cloud];
            const release = releaseOf(ev, cloud);
            const namespace = ev.named(NAMESPACE, `fake-${cloud}-dns-ns`);
            assertPinnedRelease(release, CHARTS.externalDns, NAMESPACES.externalDns);
            assert.equal(namespace.inputs.metadata.name, NAMESPACES.externalDns);
            assert.ok(release.dependencies.includes(namespace.urn));
            assert.match(release.parent, new RegExp(`finplat:addons:ExternalDns::fake-${cloud}-dns$`));
            assert.match(namespace.parent, new RegExp(`finplat:addons:ExternalDns::fake-${cloud}-dns$`));
            for (const r of [release, namespace]) assert.match(r.provider, new RegExp(`fake-${cloud}-k8s`));
        });

        it(`sets only values keys the pinned chart defines (${cloud})`, () => {
            assert.deepEqual(unknownValueKeys(CHARTS.externalDns.chart, CHARTS.externalDns.version, valuesOf(built[cloud].ev, cloud)), []);
        });

        it(`requests exactly dns-zone-records for the ServiceAccount the chart creates, and wires the identity into it (${cloud})`, () => {
            const { ev, cluster } = built[cloud];
            assert.deepEqual(cluster.grants.map((g) => ({ name: g.name, namespace: g.request.namespace, serviceAccount: g.request.serviceAccount, permissions: g.request.permissions })), [
                { name: `fake-${cloud}-dns`, namespace: NAMESPACES.externalDns, serviceAccount: EXTERNAL_DNS_SERVICE_ACCOUNT, permissions: [{ kind: "dns-zone-records" }] },
            ]);
            const values = valuesOf(ev, cloud);
            assert.equal(values.serviceAccount.create, true);
            assert.equal(values.serviceAccount.name, EXTERNAL_DNS_SERVICE_ACCOUNT, "the chart creates the SA the identity trusts");
            const expected = cloud === "aws"
                ? { "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/fake-aws-dns` }
                : { "azure.workload.identity/client-id": "client-fake-azure-dns" };
            assert.deepEqual(values.serviceAccount.annotations, expected);
            assert.deepEqual(values.podLabels, cloud === "aws" ? {} : { "azure.workload.identity/use": "true" });
        });

        it(`owns records with a TXT registry scoped to this cluster's zone, from Ingresses and Services (${cloud})`, () => {
            const values = valuesOf(built[cloud].ev, cloud);
            assert.equal(values.registry, "txt");
            assert.equal(values.txtOwnerId, `fake-${cloud}`);
            assert.equal(values.txtPrefix, "extdns-");
            assert.deepEqual(values.sources, ["ingress", "service"]);
            assert.deepEqual(values.domainFilters, [`${cloud}.fin.example.com`]);
            assert.equal(values.policy, "sync");
        });

        it(`runs on the system pool, non-root, with requests and a memory limit (${cloud})`, () => {
            const values = valuesOf(built[cloud].ev, cloud);
            assert.deepEqual(values.tolerations, [SYSTEM_POOL_TOLERATION]);
            assert.deepEqual(values.nodeSelector, { "platform.finplat.io/pool": "system" });
            assert.deepEqual(values.resources, { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } });
            assert.equal(values.podSecurityContext.runAsNonRoot, true);
            assert.equal(values.securityContext.runAsNonRoot, true);
            assert.equal(values.securityContext.allowPrivilegeEscalation, false);
            assert.equal(values.securityContext.readOnlyRootFilesystem, true);
            assert.deepEqual(values.securityContext.capabilities.drop, ["ALL"]);
        });
    }

    it("uses Route 53 on AWS, limited to the cluster's public hosted zone, with the zone's region", () => {
        const values = valuesOf(built.aws.ev, "aws");
        assert.deepEqual(values.provider, { name: "aws" });
        assert.deepEqual(values.env, [{ name: "AWS_DEFAULT_REGION", value: "us-east-1" }]);
        assert.deepEqual(values.extraArgs, { "aws-zone-type": "public", "zone-id-filter": "Z0FAKEZONE" });
        assert.equal(values.extraVolumes, undefined);
        assert.equal(built.aws.ev.ofType(SECRET).length, 0, "no Azure config Secret on AWS");
    });

    it("uses Azure DNS with workload identity: azure.json from a Secret mounted at /etc/kubernetes, created before the release", () => {
        const { ev } = built.azure;
        const values = valuesOf(ev, "azure");
        const secret = ev.named(SECRET, "fake-azure-dns-azure-config");
        assert.deepEqual(values.provider, { name: "azure" });
        assert.equal(secret.inputs.metadata.namespace, NAMESPACES.externalDns);
        assert.deepEqual(JSON.parse(secret.inputs.stringData["azure.json"]), {
            tenantId: "tenant-id",
            subscriptionId: "sub-id",
            resourceGroup: "fake-rg",
            useWorkloadIdentityExtension: true,
        });
        assert.deepEqual(values.extraVolumes, [{ name: "azure-config", secret: { secretName: secret.inputs.metadata.name } }]);
        assert.deepEqual(values.extraVolumeMounts, [{ name: "azure-config", mountPath: "/etc/kubernetes", readOnly: true }]);
        assert.equal(values.extraArgs, undefined, "no Route 53 flags on Azure");
        const release = releaseOf(ev, "azure");
        assert.ok(release.dependencies.includes(secret.urn), "the pod must find its config on first start");
        assert.ok(secret.dependencies.includes(ev.named(NAMESPACE, "fake-azure-dns-ns").urn));
        assert.match(secret.provider, /fake-azure-k8s/);
    });

    it("gives two clusters different TXT owner ids, so neither deletes the other's records", async () => {
        const ev = await evaluate({
            project: "t",
            stack: "t",
            config: {},
            program: () => {
                for (const [cloud, name] of [["aws", "primary"], ["aws", "secondary"]] as const) {
                    const cluster = fakeCluster(cloud, "active", name);
                    new ExternalDns(`${name}-dns`, { cluster, policy: "upsert-only", ownerId: cluster.name, domainFilters: [cluster.dns.zoneName], serviceMonitor: false });
                }
            },
        });
        const owners = ["primary-dns", "secondary-dns"].map((n) => ev.named(RELEASE, n).inputs.values.txtOwnerId);
        assert.deepEqual(owners, ["primary", "secondary"]);
    });

    it("refuses an empty owner id or no domain filter", async () => {
        await assert.rejects(build("aws", { ownerId: " " }), /ownerId must be a non-empty/);
        await assert.rejects(build("aws", { domainFilters: [] }), /domainFilters must name at least one domain/);
    });

    it("creates a ServiceMonitor Prometheus selects, after the monitoring release; none when monitoring is off", async () => {
        const { ev } = built.aws;
        const release = releaseOf(ev, "aws");
        assert.deepEqual(release.inputs.values.serviceMonitor, { enabled: true, additionalLabels: MONITORING_SELECTOR_LABELS });
        assert.ok(release.dependencies.includes(ev.named(RELEASE, "monitoring").urn));
        const off = await build("aws", { serviceMonitor: false, dependsOn: [] });
        assert.equal(valuesOf(off.ev, "aws").serviceMonitor.enabled, false);
    });
});
