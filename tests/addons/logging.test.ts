import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { ELASTIC_STACK_VERSION, LOG_INDEX_PREFIX, Logging, LoggingArgs } from "../../components/addons/logging";
import { ELASTICSEARCH, MONITORING_SELECTOR_LABELS, NAMESPACES } from "../../components/addons/well-known";
import { CLOUDS, CloudName } from "../../components/cluster/contract";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { fakeCluster } from "../support/fake-cluster";
import { unknownValueKeys } from "../support/chart-keys";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const ELASTICSEARCH_TYPE = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
const KIBANA_TYPE = "kubernetes:kibana.k8s.elastic.co/v1:Kibana";
const JOB = "kubernetes:batch/v1:Job";
const COMPONENT = "finplat:addons:Logging";

type Options = Partial<Omit<LoggingArgs, "cluster" | "dependsOn">> & { withMonitoring?: boolean };

const cache = new Map<string, Promise<Evaluation>>();

/** Logging on a fake cluster; `monitoring-stand-in` plays the monitoring release passed in dependsOn. */
function build(cloud: CloudName, options: Options = {}): Promise<Evaluation> {
    const key = `${cloud}|${JSON.stringify(options)}`;
    if (!cache.has(key)) {
        const { withMonitoring, ...overrides } = options;
        cache.set(key, evaluateOnFakeCluster(cloud, (cluster) => {
            const monitoring = withMonitoring
                ? [new k8s.core.v1.Namespace("monitoring-stand-in", { metadata: { name: "monitoring" } }, { provider: cluster.provider })]
                : undefined;
            new Logging("logging", {
                cluster,
                elasticsearchNodes: 1,
                storageGb: 30,
                retentionDays: 7,
                serviceMonitor: false,
                protect: false,
                dependsOn: monitoring,
                ...overrides,
            });
        }).then(({ ev }) => ev));
    }
    return cache.get(key)!;
}

const operatorRelease = (ev: Evaluation) => ev.named(RELEASE, "logging-eck-operator");
const fluentBitRelease = (ev: Evaluation) => ev.named(RELEASE, "logging-fluent-bit");
const elasticsearch = (ev: Evaluation) => ev.named(ELASTICSEARCH_TYPE, "logging-elasticsearch");
const kibana = (ev: Evaluation) => ev.named(KIBANA_TYPE, "logging-kibana");
const nodeSet = (ev: Evaluation) => elasticsearch(ev).inputs.spec.nodeSets[0];

function retentionJob(ev: Evaluation): RecordedResource {
    const jobs = ev.ofType(JOB);
    assert.equal(jobs.length, 1, "exactly one retention Job");
    return jobs[0];
}

/** The `Key Value` lines of the Fluent Bit config section whose Name is `plugin`. */
function pluginSettings(config: string, plugin: string): Map<string, string> {
    const sections = config.split(/^\[\w+\]$/m).map((body) =>
        new Map(body.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
            const [key, ...rest] = line.split(/\s+/);
            return [key, rest.join(" ")] as [string, string];
        })),
    );
    const found = sections.filter((s) => s.get("Name") === plugin);
    assert.equal(found.length, 1, `one [${plugin}] section`);
    return found[0];
}

for (const cloud of CLOUDS) {
    describe(`logging add-on on ${cloud}`, () => {
        it("installs the pinned eck-operator chart as release elastic-operator in elastic-system, with its CRDs", async () => {
            const release = operatorRelease(await build(cloud));
            assertPinnedRelease(release, CHARTS.eckOperator, NAMESPACES.eckOperator, "elastic-operator");
            assert.equal(release.inputs.values.installCRDs, true);
        });

        it("installs the pinned fluent-bit chart as a DaemonSet release in the logging namespace, next to ECK's secrets", async () => {
            const release = fluentBitRelease(await build(cloud));
            assertPinnedRelease(release, CHARTS.fluentBit, NAMESPACES.logging, "fluent-bit");
            assert.equal(release.inputs.values.kind, "DaemonSet");
        });

        for (const serviceMonitor of [false, true]) {
            it(`sets only keys the pinned charts define (serviceMonitor=${serviceMonitor})`, async () => {
                const ev = await build(cloud, { serviceMonitor, withMonitoring: serviceMonitor });
                assert.deepEqual(unknownValueKeys(CHARTS.eckOperator.chart, CHARTS.eckOperator.version, operatorRelease(ev).inputs.values), []);
                assert.deepEqual(unknownValueKeys(CHARTS.fluentBit.chart, CHARTS.fluentBit.version, fluentBitRelease(ev).inputs.values), []);
            });
        }

        it("runs the operator on the system pool, with requests and a memory limit, watching only the logging namespace", async () => {
            const ev = await build(cloud);
            const values = operatorRelease(ev).inputs.values;
            const placement = fakeCluster(cloud).placement;
            assert.deepEqual(values.tolerations, placement.systemTolerations);
            assert.deepEqual(values.nodeSelector, placement.systemNodeSelector);
            assert.deepEqual(values.managedNamespaces, [NAMESPACES.logging]);
            assertRequestsAndMemoryLimit(values.resources, "eck-operator");
            assert.equal(values.podSecurityContext.runAsNonRoot, true);
        });

        it("exposes operator metrics through a PodMonitor with the monitoring selector labels, after the monitoring release", async () => {
            const ev = await build(cloud, { serviceMonitor: true, withMonitoring: true });
            const release = operatorRelease(ev);
            const values = release.inputs.values;
            assert.equal(values.podMonitor.enabled, true);
            assert.deepEqual(values.podMonitor.labels, MONITORING_SELECTOR_LABELS);
            assert.ok(Number(values.config.metrics.port) > 0, "PodMonitor renders only with a metrics port");
            assert.notEqual(values.serviceMonitor.enabled, true, "the chart's ServiceMonitor needs secure mode, which we do not use");
            const monitoring = ev.named(NAMESPACE, "monitoring-stand-in");
            assert.ok(release.dependencies.includes(monitoring.urn), "operator release waits for the PodMonitor CRD");
            assert.ok(fluentBitRelease(ev).dependencies.includes(monitoring.urn), "fluent-bit release waits for the ServiceMonitor CRD");
        });

        it("creates no monitors when monitoring is off", async () => {
            const ev = await build(cloud, { serviceMonitor: false });
            assert.notEqual(operatorRelease(ev).inputs.values.podMonitor?.enabled, true);
            assert.equal(fluentBitRelease(ev).inputs.values.serviceMonitor.enabled, false);
        });

        it("enables Fluent Bit's ServiceMonitor with the monitoring selector labels when monitoring is on", async () => {
            const values = fluentBitRelease(await build(cloud, { serviceMonitor: true, withMonitoring: true })).inputs.values;
            assert.equal(values.serviceMonitor.enabled, true);
            assert.deepEqual(values.serviceMonitor.selector, MONITORING_SELECTOR_LABELS);
        });

        it("creates the logging namespace itself, on the cluster's provider, allowing Fluent Bit's hostPath volumes", async () => {
            const ev = await build(cloud);
            const namespace = ev.named(NAMESPACE, "logging-ns");
            assert.equal(namespace.inputs.metadata.name, NAMESPACES.logging);
            assert.equal(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
            assert.match(namespace.provider, new RegExp(`fake-${cloud}-k8s`));
            assert.equal(elasticsearch(ev).inputs.metadata.namespace, NAMESPACES.logging);
            assert.equal(kibana(ev).inputs.metadata.namespace, NAMESPACES.logging);
        });

        it("runs one Elasticsearch node in dev and three in HA, each with its own data volume of storageGb", async () => {
            const single = nodeSet(await build(cloud, { elasticsearchNodes: 1, storageGb: 30 }));
            const ha = nodeSet(await build(cloud, { elasticsearchNodes: 3, storageGb: 200 }));
            assert.equal(single.count, 1);
            assert.equal(ha.count, 3);
            for (const [set, size] of [[single, "30Gi"], [ha, "200Gi"]] as const) {
                assert.equal(set.volumeClaimTemplates.length, 1);
                const claim = set.volumeClaimTemplates[0];
                assert.equal(claim.metadata.name, "elasticsearch-data", "ECK only mounts a claim with this name as the data dir");
                assert.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
                assert.equal(claim.spec.resources.requests.storage, size);
            }
        });

        it("names Elasticsearch so ECK's service and secrets match the shared well-known names, at the pinned stack version", async () => {
            const es = elasticsearch(await build(cloud));
            assert.equal(es.inputs.apiVersion, "elasticsearch.k8s.elastic.co/v1");
            assert.equal(es.inputs.metadata.name, ELASTICSEARCH.name);
            assert.equal(ELASTICSEARCH.userSecret, `${es.inputs.metadata.name}-es-elastic-user`);
            assert.equal(ELASTICSEARCH.caSecret, `${es.inputs.metadata.name}-es-http-certs-public`);
            assert.equal(ELASTICSEARCH.service, `${es.inputs.metadata.name}-es-http`);
            assert.equal(es.inputs.spec.version, ELASTIC_STACK_VERSION);
        });

        it("keeps Elasticsearch's self-signed HTTPS on and needs no mmap sysctl", async () => {
            const es = elasticsearch(await build(cloud));
            assert.notEqual(es.inputs.spec.http?.tls?.selfSignedCertificate?.disabled, true);
            assert.equal(nodeSet(await build(cloud)).config["node.store.allow_mmap"], false);
        });

        it("gives Elasticsearch requests and limits and spreads it across zones", async () => {
            const set = nodeSet(await build(cloud));
            const container = set.podTemplate.spec.containers.find((c: any) => c.name === "elasticsearch");
            assert.ok(container.resources.requests.cpu && container.resources.requests.memory, "requests set");
            assert.equal(container.resources.limits.memory, container.resources.requests.memory, "memory limit = request (heap is sized from it)");
            const [spread] = set.podTemplate.spec.topologySpreadConstraints;
            assert.equal(spread.topologyKey, fakeCluster(cloud).placement.zoneTopologyKey);
            assert.deepEqual(spread.labelSelector.matchLabels, { "elasticsearch.k8s.elastic.co/cluster-name": ELASTICSEARCH.name });
        });

        it("makes three or more nodes zone-aware (shard copies in different zones, hard spread) and leaves one node soft", async () => {
            const zoneKey = fakeCluster(cloud).placement.zoneTopologyKey;
            const single = nodeSet(await build(cloud, { elasticsearchNodes: 1 }));
            const ha = nodeSet(await build(cloud, { elasticsearchNodes: 3 }));
            assert.equal(single.zoneAwareness, undefined);
            assert.equal(single.podTemplate.spec.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
            assert.deepEqual(ha.zoneAwareness, { topologyKey: zoneKey }, "no zones list: AKS zone labels are <region>-<n>");
            assert.equal(ha.podTemplate.spec.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
        });

        it("points Kibana at the Elasticsearch cluster, at the same version, with two instances when Elasticsearch is HA", async () => {
            const single = await build(cloud, { elasticsearchNodes: 1 });
            const ha = await build(cloud, { elasticsearchNodes: 3 });
            for (const ev of [single, ha]) {
                const kb = kibana(ev);
                assert.equal(kb.inputs.apiVersion, "kibana.k8s.elastic.co/v1");
                assert.equal(kb.inputs.spec.elasticsearchRef.name, elasticsearch(ev).inputs.metadata.name);
                assert.equal(kb.inputs.spec.version, elasticsearch(ev).inputs.spec.version);
                assert.equal(`https://${kb.inputs.metadata.name}-kb-http.${kb.inputs.metadata.namespace}.svc:5601`, ELASTICSEARCH.kibanaUrl);
                const container = kb.inputs.spec.podTemplate.spec.containers.find((c: any) => c.name === "kibana");
                assert.ok(container.resources.requests.memory && container.resources.limits.memory);
            }
            assert.equal(kibana(single).inputs.spec.count, 1);
            assert.equal(kibana(ha).inputs.spec.count, 2);
        });

        it("creates Elasticsearch and Kibana only after the operator release that installs their CRDs", async () => {
            const ev = await build(cloud);
            const operator = operatorRelease(ev);
            assert.ok(elasticsearch(ev).dependencies.includes(operator.urn));
            assert.ok(kibana(ev).dependencies.includes(operator.urn));
        });

        it("runs Fluent Bit on every node, tainted system pool included, with requests and a memory limit", async () => {
            const values = fluentBitRelease(await build(cloud)).inputs.values;
            assert.deepEqual(values.tolerations, [{ operator: "Exists" }]);
            assertRequestsAndMemoryLimit(values.resources, "fluent-bit");
        });

        it("gives Fluent Bit the elastic password from ECK's secret, never as a plain value", async () => {
            const release = fluentBitRelease(await build(cloud));
            const env = release.inputs.values.env.find((e: any) => e.name === "ES_PASSWORD");
            assert.deepEqual(env, { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: ELASTICSEARCH.userSecret, key: "elastic" } } });
            const output = pluginSettings(release.inputs.values.config.outputs, "es");
            assert.equal(output.get("HTTP_User"), "elastic");
            assert.equal(output.get("HTTP_Passwd"), "${ES_PASSWORD}", "Fluent Bit expands the env var; the config holds no password");
        });

        it("ships logs to the ECK service over TLS verified against ECK's CA", async () => {
            const values = fluentBitRelease(await build(cloud)).inputs.values;
            const output = pluginSettings(values.config.outputs, "es");
            assert.equal(output.get("Host"), `${ELASTICSEARCH.service}.${ELASTICSEARCH.namespace}.svc`);
            assert.equal(output.get("Port"), String(ELASTICSEARCH.port));
            assert.equal(output.get("tls"), "On");
            assert.equal(output.get("tls.verify"), "On");
            const volume = values.extraVolumes.find((v: any) => v.secret?.secretName === ELASTICSEARCH.caSecret);
            assert.ok(volume, "CA secret mounted");
            const mount = values.extraVolumeMounts.find((m: any) => m.name === volume.name);
            assert.equal(output.get("tls.ca_file"), `${mount.mountPath}/ca.crt`);
        });

        it("writes daily indices Elasticsearch 9 accepts, under a prefix that is not a built-in data stream", async () => {
            const config = fluentBitRelease(await build(cloud)).inputs.values.config;
            const output = pluginSettings(config.outputs, "es");
            assert.equal(output.get("Logstash_Format"), "On");
            assert.equal(output.get("Logstash_Prefix"), LOG_INDEX_PREFIX);
            assert.ok(!LOG_INDEX_PREFIX.startsWith("logs-"));
            assert.equal(output.get("Suppress_Type_Name"), "On");
            assert.equal(output.get("Replace_Dots"), "On");
            assert.match(output.get("Retry_Limit") ?? "", /^\d+$/);
            const input = pluginSettings(config.inputs, "tail");
            assert.equal(input.get("Path"), "/var/log/containers/*.log");
            assert.equal(input.get("multiline.parser"), "cri");
            const filter = pluginSettings(config.filters, "kubernetes");
            assert.equal(filter.get("Merge_Log"), "On");
            assert.equal(filter.get("Keep_Log"), "Off");
            assert.equal(filter.get("K8S-Logging.Parser"), "On");
            assert.equal(filter.get("K8S-Logging.Exclude"), "On");
        });

        it("starts Fluent Bit only after Elasticsearch and the retention template exist", async () => {
            const ev = await build(cloud);
            const deps = fluentBitRelease(ev).dependencies;
            assert.ok(deps.includes(elasticsearch(ev).urn), "ECK's secrets exist once Elasticsearch does");
            assert.ok(deps.includes(retentionJob(ev).urn), "no index is created before the ILM template");
        });

        it("installs an ILM policy that deletes indices after retentionDays, and a template for the Fluent Bit prefix", async () => {
            for (const retentionDays of [7, 30]) {
                const job = retentionJob(await build(cloud, { retentionDays }));
                const env = new Map<string, any>(job.inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
                const policy = JSON.parse(env.get("POLICY_BODY").value);
                assert.equal(policy.policy.phases.delete.min_age, `${retentionDays}d`);
                assert.deepEqual(policy.policy.phases.delete.actions, { delete: {} });
                const template = JSON.parse(env.get("TEMPLATE_BODY").value);
                assert.deepEqual(template.index_patterns, [`${LOG_INDEX_PREFIX}-*`]);
                assert.equal(template.template.settings["index.lifecycle.name"], env.get("POLICY_NAME").value);
                assert.ok(template.priority > 100, "beats Elasticsearch's built-in logs templates");
                assert.equal(env.get("ES_URL").value, ELASTICSEARCH.url);
                assert.deepEqual(env.get("ES_PASSWORD").valueFrom, { secretKeyRef: { name: ELASTICSEARCH.userSecret, key: "elastic" } });
            }
        });

        it("sets no replicas on a single node (they could never be assigned) and one in HA", async () => {
            const replicas = async (elasticsearchNodes: number) => {
                const job = retentionJob(await build(cloud, { elasticsearchNodes }));
                const body = job.inputs.spec.template.spec.containers[0].env.find((e: any) => e.name === "TEMPLATE_BODY").value;
                return JSON.parse(body).template.settings["index.number_of_replicas"];
            };
            assert.equal(await replicas(1), 0);
            assert.equal(await replicas(3), 1);
        });

        it("labels the retention Job itself, not only its pods, with the Kubernetes recommended labels", async () => {
            const job = retentionJob(await build(cloud));
            assert.deepEqual(job.inputs.metadata.labels, {
                "app.kubernetes.io/name": "elasticsearch-retention",
                "app.kubernetes.io/part-of": "platform",
                "app.kubernetes.io/managed-by": "pulumi",
            });
            assert.deepEqual(job.inputs.spec.template.metadata.labels, { "app.kubernetes.io/name": "elasticsearch-retention", "app.kubernetes.io/part-of": "platform" });
        });

        it("re-runs the retention Job under a new name when retentionDays changes, and keeps the name when it does not", async () => {
            const week = retentionJob(await build(cloud, { retentionDays: 7 }));
            const month = retentionJob(await build(cloud, { retentionDays: 30 }));
            const weekAgain = retentionJob(await build(cloud, { retentionDays: 7, storageGb: 50 }));
            assert.notEqual(week.name, month.name);
            assert.notEqual(week.inputs.metadata.name, month.inputs.metadata.name);
            assert.equal(week.name, weekAgain.name);
            assert.equal(week.inputs.metadata.name, weekAgain.inputs.metadata.name);
        });

        it("runs the retention Job hardened, bounded and after Elasticsearch, with the CA to verify against", async () => {
            const ev = await build(cloud);
            const job = retentionJob(ev);
            const spec = job.inputs.spec;
            const pod = spec.template.spec;
            const [container] = pod.containers;
            assert.match(container.image, /^docker\.io\/curlimages\/curl:\d+\.\d+\.\d+$/, "pinned curl image");
            assert.equal(pod.securityContext.runAsNonRoot, true);
            assert.ok(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser > 0, "numeric non-root uid");
            assert.equal(container.securityContext.readOnlyRootFilesystem, true);
            assert.equal(container.securityContext.allowPrivilegeEscalation, false);
            assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
            assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
            assert.ok(spec.backoffLimit >= 1);
            assert.ok(spec.ttlSecondsAfterFinished > 0);
            assert.equal(job.inputs.metadata.namespace, NAMESPACES.logging);
            const ca = pod.volumes.find((v: any) => v.secret?.secretName === ELASTICSEARCH.caSecret);
            const mount = container.volumeMounts.find((m: any) => m.name === ca.name);
            assert.ok(container.command.join(" ").includes(`--cacert ${mount.mountPath}/ca.crt`), "curl verifies ECK's CA");
            assert.ok(!container.command.join(" ").match(/--insecure|\s-k\s/), "never skips verification");
            assert.ok(job.dependencies.includes(elasticsearch(ev).urn));
        });

        it("protects Elasticsearch, its namespace and its volumes when protect is set, and not otherwise", async () => {
            const prod = await build(cloud, { protect: true });
            const dev = await build(cloud, { protect: false });
            assert.equal(elasticsearch(prod).protect, true);
            assert.equal(elasticsearch(prod).retainOnDelete, true);
            assert.equal(elasticsearch(prod).inputs.spec.volumeClaimDeletePolicy, "DeleteOnScaledownOnly");
            assert.equal(prod.named(NAMESPACE, "logging-ns").retainOnDelete, true);
            assert.equal(elasticsearch(dev).protect, false);
            assert.equal(elasticsearch(dev).retainOnDelete, false);
        });

        it("puts every Kubernetes resource under the Logging component, on the cluster's provider", async () => {
            const ev = await build(cloud);
            const component = ev.named(COMPONENT, "logging");
            const children = ev.descendantsOf(component.urn).filter((r) => r.custom);
            assert.ok(children.length >= 7, `expected the component's resources, got ${children.map((c) => c.name).join(", ")}`);
            for (const child of children) {
                assert.match(child.provider, new RegExp(`fake-${cloud}-k8s`), `${child.name} uses the cluster provider`);
                assert.ok(child.name.startsWith("logging-"), `${child.name} derives from the component name`);
            }
        });

        it("lets the user override chart values through eckOperatorValues and fluentBitValues", async () => {
            const ev = await build(cloud, { eckOperatorValues: { replicaCount: 2 }, fluentBitValues: { logLevel: "debug" } });
            assert.equal(operatorRelease(ev).inputs.values.replicaCount, 2);
            assert.equal(fluentBitRelease(ev).inputs.values.logLevel, "debug");
            assert.deepEqual(fluentBitRelease(ev).inputs.values.tolerations, [{ operator: "Exists" }], "computed values survive the merge");
        });
    });
}

describe("logging add-on input checks", () => {
    it("rejects a fractional or zero node count, size or retention", async () => {
        for (const bad of [{ elasticsearchNodes: 0 }, { storageGb: 1.5 }, { retentionDays: 0 }]) {
            await assert.rejects(build("aws", bad), /logging: /);
        }
    });
});
