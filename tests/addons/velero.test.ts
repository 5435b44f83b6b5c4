import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { VELERO_SERVER_SERVICE_ACCOUNT, Velero } from "../../components/addons/velero";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { CloudName, ForeignBackupAccess } from "../../components/cluster/contract";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { FakeCluster, fakeCluster } from "../support/fake-cluster";
import { unknownValueKeys } from "../support/chart-keys";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const OTHER: Record<CloudName, CloudName> = { aws: "azure", azure: "aws" };

interface Built {
    ev: Evaluation;
    cluster: FakeCluster;
    peer?: ForeignBackupAccess;
    release: RecordedResource;
    values: any;
}

interface BuildOptions {
    withPeer?: boolean;
    /** Cloud of the peer cluster; defaults to the other cloud. */
    peerCloud?: CloudName;
    serviceMonitor?: boolean;
}

async function buildVelero(cloud: CloudName, opts: BuildOptions = {}): Promise<Built> {
    let peer: ForeignBackupAccess | undefined;
    const { ev, cluster } = await evaluateOnFakeCluster(cloud, (cluster) => {
        if (opts.withPeer) {
            const peerCluster = fakeCluster(opts.peerCloud ?? OTHER[cloud], "passive", "peer-cluster");
            peer = peerCluster.grantBackupReadAccess("velero-peer-reader", {
                issuerUrl: cluster.oidcIssuerUrl,
                issuerName: cloud,
                namespace: NAMESPACES.velero,
                serviceAccount: VELERO_SERVER_SERVICE_ACCOUNT,
            });
        }
        // Stand-in for the monitoring release (prometheus-operator CRDs).
        const monitoring = new k8s.core.v1.ConfigMap("monitoring", { data: {} }, { provider: cluster.provider });
        new Velero("velero", {
            cluster,
            schedule: "0 */6 * * *",
            ttlHours: 72,
            peer,
            serviceMonitor: opts.serviceMonitor ?? true,
            dependsOn: [monitoring],
        });
    });
    const release = ev.named(RELEASE, "velero");
    return { ev, cluster, peer, release, values: release.inputs.values };
}

function envByName(values: any): Record<string, string> {
    return Object.fromEntries(values.configuration.extraEnvVars.map((e: any) => [e.name, e.value]));
}

describe("Velero add-on", () => {
    for (const cloud of ["aws", "azure"] as const) {
        for (const withPeer of [false, true]) {
            it(`${cloud}${withPeer ? " with a peer" : ""}: installs the pinned velero chart in the velero namespace with only keys the chart defines`, async () => {
                const { release, values } = await buildVelero(cloud, { withPeer });
                assertPinnedRelease(release, CHARTS.velero, NAMESPACES.velero, "velero");
                assert.deepEqual(unknownValueKeys(CHARTS.velero.chart, CHARTS.velero.version, values), []);
            });
        }

        it(`${cloud}: asks for exactly backup-store-write for the server ServiceAccount, used by server and node agent`, async () => {
            const { cluster, values } = await buildVelero(cloud, { withPeer: true });
            assert.equal(cluster.grants.length, 1);
            const { request } = cluster.grants[0];
            assert.deepEqual(request.permissions, [{ kind: "backup-store-write" }]);
            assert.equal(request.namespace, NAMESPACES.velero);
            assert.equal(values.serviceAccount.server.create, true);
            assert.equal(request.serviceAccount, values.serviceAccount.server.name);
            assert.equal(values.credentials.useSecret, false, "no static cloud credentials");
            const annotations = values.serviceAccount.server.annotations;
            if (cloud === "aws") {
                assert.match(annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d+:role\//);
            } else {
                assert.match(annotations["azure.workload.identity/client-id"], /^client-/);
                assert.deepEqual(values.podLabels, { "azure.workload.identity/use": "true" });
                assert.deepEqual(values.nodeAgent.podLabels, { "azure.workload.identity/use": "true" }, "the node agent writes backup data too");
            }
        });
    }

    it("aws: the own location is the S3 bucket, ReadWrite and default", async () => {
        const { values } = await buildVelero("aws");
        assert.deepEqual(values.configuration.backupStorageLocation, [{
            name: "default",
            provider: "aws",
            bucket: "fake-backups",
            config: { region: "us-east-1", kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/fake" },
            accessMode: "ReadWrite",
            default: true,
        }]);
    });

    it("azure: the own location is the blob container over Entra ID, ReadWrite and default", async () => {
        const { values } = await buildVelero("azure");
        const [own] = values.configuration.backupStorageLocation;
        assert.equal(values.configuration.backupStorageLocation.length, 1);
        assert.equal(own.name, "default");
        assert.equal(own.provider, "azure");
        assert.equal(own.bucket, "velero");
        assert.equal(own.accessMode, "ReadWrite");
        assert.equal(own.default, true);
        assert.deepEqual(own.config, {
            resourceGroup: "fake-rg",
            storageAccount: "fakebackups",
            subscriptionId: "sub-id",
            useAAD: "true",
            storageAccountURI: "https://fakebackups.blob.core.windows.net",
        });
    });

    it("aws cluster: reads the Azure peer's container read-only with an Azure federated token of the peer's audience", async () => {
        const { values, peer } = await buildVelero("aws", { withPeer: true });
        assert.ok(peer && peer.provider === "azure");
        const [own, peerLocation] = values.configuration.backupStorageLocation;
        assert.equal(own.accessMode, "ReadWrite");
        assert.equal(peerLocation.name, "peer");
        assert.equal(peerLocation.accessMode, "ReadOnly");
        assert.equal(peerLocation.default, false);
        assert.equal(peerLocation.provider, "azure");
        assert.equal(peerLocation.bucket, "velero");
        assert.equal(peerLocation.config.storageAccount, "fakebackups");
        assert.equal(peerLocation.config.useAAD, "true");

        const env = envByName(values);
        assert.deepEqual(Object.keys(env).sort(), ["AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID"]);
        assert.equal(env.AZURE_CLIENT_ID, "client-velero-peer-reader");
        assert.equal(env.AZURE_TENANT_ID, "tenant-id");
        assertTokenProjected(values, env.AZURE_FEDERATED_TOKEN_FILE, "api://AzureADTokenExchange");
    });

    it("azure cluster: reads the AWS peer's bucket read-only by assuming the peer's role with a token of the peer's audience", async () => {
        const { values, peer } = await buildVelero("azure", { withPeer: true });
        assert.ok(peer && peer.provider === "aws");
        const peerLocation = values.configuration.backupStorageLocation[1];
        assert.equal(peerLocation.name, "peer");
        assert.equal(peerLocation.accessMode, "ReadOnly");
        assert.equal(peerLocation.provider, "aws");
        assert.equal(peerLocation.bucket, "fake-backups");
        assert.equal(peerLocation.config.region, "us-east-1");

        const env = envByName(values);
        assert.deepEqual(Object.keys(env).sort(), ["AWS_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"]);
        assert.equal(env.AWS_ROLE_ARN, "arn:aws:iam::123456789012:role/velero-peer-reader");
        // STS and S3 are called in the bucket's region, as the database's peer-archive reader does.
        assert.equal(env.AWS_REGION, "us-east-1");
        assertTokenProjected(values, env.AWS_WEB_IDENTITY_TOKEN_FILE, "sts.amazonaws.com");
    });

    it("without a peer there is one location and no extra credentials, volumes or env", async () => {
        const { values } = await buildVelero("aws");
        assert.deepEqual(values.configuration.backupStorageLocation.map((l: any) => l.name), ["default"]);
        assert.deepEqual(values.configuration.extraEnvVars, []);
        assert.deepEqual(values.extraVolumes, []);
        assert.deepEqual(values.nodeAgent.extraVolumes, []);
    });

    it("refuses a peer in the same cloud, whose env vars would replace the cluster's own identity", async () => {
        await assert.rejects(buildVelero("aws", { withPeer: true, peerCloud: "aws" }), /peer backup store is in the same cloud \(aws\)/);
        await assert.rejects(buildVelero("azure", { withPeer: true, peerCloud: "azure" }), /same cloud \(azure\)/);
    });

    it("backs up every application namespace on the schedule with file-system backups and the requested TTL", async () => {
        const { values } = await buildVelero("aws");
        assert.deepEqual(Object.keys(values.schedules), ["platform-aws"], "named per cloud: the peer syncs these backups and names must not clash");
        const { schedule, template } = values.schedules["platform-aws"];
        assert.equal(schedule, "0 */6 * * *");
        assert.equal(template.ttl, "72h0m0s");
        assert.equal(template.storageLocation, "default");
        assert.deepEqual(template.includedNamespaces, ["*"]);
        assert.ok(template.excludedNamespaces.includes(NAMESPACES.velero));
        assert.ok(template.excludedNamespaces.includes("kube-system"), "cloud-specific system namespace never restored into the other cloud");
        assert.equal(template.defaultVolumesToFsBackup, true);
        assert.equal(template.snapshotVolumes, false);
        assert.equal(values.snapshotsEnabled, false, "cloud disk snapshots cannot be restored in the other cloud");
        assert.equal(values.deployNodeAgent, true);
        assert.equal(values.configuration.uploaderType, "kopia");
        assert.deepEqual(values.nodeAgent.tolerations, [{ operator: "Exists" }], "the node agent runs on every node");
    });

    it("maps the peer's storage class to this cluster's default on restore", async () => {
        const { ev } = await buildVelero("azure", { withPeer: true });
        const map = ev.named("kubernetes:core/v1:ConfigMap", "velero-storage-class-map");
        assert.deepEqual(map.inputs.metadata.labels, { "velero.io/plugin-config": "", "velero.io/change-storage-class": "RestoreItemAction" });
        assert.equal(map.inputs.metadata.namespace, NAMESPACES.velero);
        assert.deepEqual(map.inputs.data, { "gp3-encrypted": "managed-csi" });
        const { ev: alone } = await buildVelero("azure");
        assert.equal(alone.ofType("kubernetes:core/v1:ConfigMap").filter((c) => c.name.includes("storage-class")).length, 0, "no peer, no mapping");
    });

    it("installs both object-store plugins at pinned versions, whatever the own cloud", async () => {
        for (const cloud of ["aws", "azure"] as const) {
            const { values } = await buildVelero(cloud);
            const images: string[] = values.initContainers.map((c: any) => c.image);
            assert.equal(images.length, 2);
            assert.ok(images.some((i) => i.startsWith("velero/velero-plugin-for-aws:")));
            assert.ok(images.some((i) => i.startsWith("velero/velero-plugin-for-microsoft-azure:")));
            for (const image of images) assert.match(image, /:v\d+\.\d+\.\d+$/, `${image} is pinned`);
            for (const c of values.initContainers) assert.deepEqual(c.volumeMounts, [{ mountPath: "/target", name: "plugins" }]);
        }
    });

    it("places the server on the system pool with requests and memory limits", async () => {
        const { cluster, values } = await buildVelero("azure");
        assert.deepEqual(values.tolerations, cluster.placement.systemTolerations);
        assert.deepEqual(values.nodeSelector, cluster.placement.systemNodeSelector);
        assertRequestsAndMemoryLimit(values.resources, "server");
        assertRequestsAndMemoryLimit(values.nodeAgent.resources, "node agent");
    });

    it("labels ServiceMonitor, PodMonitor and PrometheusRule for the platform Prometheus and waits for the monitoring release", async () => {
        const { ev, release, values } = await buildVelero("aws");
        for (const key of ["serviceMonitor", "nodeAgentPodMonitor", "prometheusRule"]) {
            assert.equal(values.metrics[key].enabled, true, key);
            assert.equal(values.metrics[key].autodetect, false, key);
            assert.deepEqual(values.metrics[key].additionalLabels, MONITORING_SELECTOR_LABELS, key);
        }
        const alerts = values.metrics.prometheusRule.spec.map((r: any) => r.alert);
        assert.ok(alerts.includes("VeleroBackupLocationUnavailable"));
        assert.ok(release.dependencies.includes(ev.named("kubernetes:core/v1:ConfigMap", "monitoring").urn));

        const off = (await buildVelero("aws", { serviceMonitor: false })).values.metrics;
        for (const key of ["serviceMonitor", "nodeAgentPodMonitor", "prometheusRule"]) assert.equal(off[key].enabled, false, key);
    });

    it("puts its Kubernetes resources on the cluster's provider under the Velero component", async () => {
        const { ev } = await buildVelero("azure", { withPeer: true });
        const component = ev.named("finplat:addons:Velero", "velero");
        const children = ev.descendantsOf(component.urn).filter((r) => r.type.startsWith("kubernetes:"));
        assert.deepEqual(children.map((r) => r.type).sort(), ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Namespace", RELEASE]);
        for (const r of children) {
            assert.match(r.provider, /fake-azure-k8s/, r.name);
            assert.equal(r.parent, component.urn, r.name);
        }
    });
});

/** The token file the env names is a projected ServiceAccount token of `audience`, mounted in server and node agent. */
function assertTokenProjected(values: any, tokenFile: string, audience: string) {
    for (const [volumes, mounts] of [
        [values.extraVolumes, values.extraVolumeMounts],
        [values.nodeAgent.extraVolumes, values.nodeAgent.extraVolumeMounts],
    ]) {
        assert.equal(volumes.length, 1);
        const [volume] = volumes;
        const [source] = volume.projected.sources;
        assert.equal(source.serviceAccountToken.audience, audience);
        const mount = mounts.find((m: any) => m.name === volume.name);
        assert.equal(`${mount.mountPath}/${source.serviceAccountToken.path}`, tokenFile);
        assert.equal(mount.readOnly, true);
    }
}
