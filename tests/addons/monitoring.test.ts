import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../components/addons/charts";
import {
    ALERTMANAGER_RECEIVERS_SECRET,
    GRAFANA_ADMIN_SECRET,
    Monitoring,
    MonitoringReceivers,
    RECEIVER_SECRET_KEYS,
} from "../../components/addons/monitoring";
import { MONITORING_FULLNAME, MONITORING_RELEASE, MONITORING_SELECTOR_LABELS, NAMESPACES, PROMETHEUS } from "../../components/addons/well-known";
import { SYSTEM_POOL_TOLERATION, defaultPlacement } from "../../components/cluster/contract";
import { Evaluation, RecordedResource, evaluate } from "../../commands/offline/harness";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { FakeCluster, fakeCluster } from "../support/fake-cluster";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/slack-secret-value-7f3a";
const PAGERDUTY_KEY = "pd-routing-key-secret-9c1e";
const STALE_AFTER = 12 * 3600;

/** Something the caller wants ready first. */
class Before extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Before", name, {});
    }
}

interface Options {
    receivers?: "both" | "slack" | "none";
    protect?: boolean;
    zones?: string[];
}

function receivers(which: Options["receivers"]): MonitoringReceivers {
    return {
        slackWebhookUrl: which === "none" ? undefined : pulumi.secret(SLACK_URL),
        pagerdutyRoutingKey: which === "both" ? pulumi.secret(PAGERDUTY_KEY) : undefined,
    };
}

function build(cluster: FakeCluster, options: Options = {}, extra: Partial<ConstructorParameters<typeof Monitoring>[1]> = {}) {
    return new Monitoring(`mon-${cluster.name}`, {
        cluster,
        retention: "30d",
        storageGb: 200,
        receivers: receivers(options.receivers ?? "both"),
        clusterLabel: cluster.name,
        role: cluster.role,
        protect: options.protect ?? false,
        backupStaleAfterSeconds: STALE_AFTER,
        ...extra,
    });
}

/** Both clouds in one evaluation, plus what the program saw (secret-ness is only observable inside it). */
async function evaluateBoth(options: Options = {}) {
    let passwordIsSecret: boolean | undefined;
    const ev = await evaluate({
        project: "t",
        stack: "t",
        config: {},
        program: async () => {
            for (const cloud of ["aws", "azure"] as const) {
                const fake = fakeCluster(cloud);
                const cluster = options.zones ? { ...fake, placement: defaultPlacement(options.zones) } : fake;
                const monitoring = build(cluster, options);
                passwordIsSecret = await pulumi.isSecret(monitoring.grafanaAdminPassword);
            }
        },
    });
    return { ev, passwordIsSecret };
}

const release = (ev: Evaluation, cloud: string) => ev.named(RELEASE, `mon-fake-${cloud}`);
const values = (ev: Evaluation, cloud: string) => release(ev, cloud).inputs.values;

describe("Monitoring (kube-prometheus-stack)", () => {
    let ev: Evaluation;
    let passwordIsSecret: boolean | undefined;
    before(async () => {
        ({ ev, passwordIsSecret } = await evaluateBoth());
    });

    for (const cloud of ["aws", "azure"]) {
        describe(`on ${cloud}`, () => {
            it("installs the pinned kube-prometheus-stack as release kube-prometheus-stack in monitoring, on the cluster's provider, under the component", () => {
                const r = release(ev, cloud);
                assertPinnedRelease(r, CHARTS.kubePrometheusStack, NAMESPACES.monitoring, MONITORING_RELEASE);
                assert.equal(r.inputs.values.crds.enabled, true);
                assert.match(r.provider, new RegExp(`fake-${cloud}-k8s`));
                const component = ev.named("finplat:addons:Monitoring", `mon-fake-${cloud}`);
                assert.equal(r.parent, component.urn);
                for (const child of ev.descendantsOf(component.urn).filter((c) => c.type.startsWith("kubernetes:"))) {
                    assert.match(child.provider, new RegExp(`fake-${cloud}-k8s`), `${child.name} uses the cluster's provider`);
                }
            });

            it("sets only values keys the pinned chart and its subcharts define", () => {
                const v = values(ev, cloud);
                assert.deepEqual(unknownValueKeys(CHARTS.kubePrometheusStack.chart, CHARTS.kubePrometheusStack.version, v), []);
                // The subcharts are free-form for the parent's checker; check them against their own pinned key lists.
                assert.deepEqual(unknownValueKeys("grafana", "12.11.1", v.grafana), []);
                assert.deepEqual(unknownValueKeys("kube-state-metrics", "8.4.0", v["kube-state-metrics"]), []);
                assert.deepEqual(unknownValueKeys("prometheus-node-exporter", "4.56.1", v["prometheus-node-exporter"]), []);
            });

            it("keeps retention, a PVC of storageGb per replica, the remote-write receiver and the cluster external label", () => {
                const spec = values(ev, cloud).prometheus.prometheusSpec;
                assert.equal(spec.retention, "30d");
                assert.deepEqual(spec.storageSpec.volumeClaimTemplate.spec.resources.requests, { storage: "200Gi" });
                assert.deepEqual(spec.storageSpec.volumeClaimTemplate.spec.accessModes, ["ReadWriteOnce"]);
                assert.equal(spec.enableRemoteWriteReceiver, true);
                assert.deepEqual(spec.externalLabels, { cluster: `fake-${cloud}`, role: "active" });
            });

            it("selects every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and rule in the cluster", () => {
                const spec = values(ev, cloud).prometheus.prometheusSpec;
                for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                    assert.equal(spec[`${kind}SelectorNilUsesHelmValues`], false, kind);
                }
            });

            it("runs two Prometheus and Alertmanager replicas across zones with PodDisruptionBudgets on a three-zone cluster", () => {
                const v = values(ev, cloud);
                assert.equal(v.prometheus.prometheusSpec.replicas, 2);
                assert.equal(v.alertmanager.alertmanagerSpec.replicas, 2);
                assert.deepEqual(v.prometheus.podDisruptionBudget, { enabled: true, minAvailable: 1 });
                assert.deepEqual(v.alertmanager.podDisruptionBudget, { enabled: true, minAvailable: 1 });
                assert.equal(v.prometheus.prometheusSpec.podAntiAffinityTopologyKey, "topology.kubernetes.io/zone");
            });

            it("puts Prometheus, Alertmanager, the operator, its webhook jobs, kube-state-metrics and Grafana on the system pool with requests and memory limits", () => {
                const v = values(ev, cloud);
                const workloads: Record<string, any> = {
                    prometheus: v.prometheus.prometheusSpec,
                    alertmanager: v.alertmanager.alertmanagerSpec,
                    operator: v.prometheusOperator,
                    webhookJobs: v.prometheusOperator.admissionWebhooks.patch,
                    kubeStateMetrics: v["kube-state-metrics"],
                    grafana: v.grafana,
                };
                for (const [what, w] of Object.entries(workloads)) {
                    assert.deepEqual(w.tolerations, [SYSTEM_POOL_TOLERATION], what);
                    assert.deepEqual(w.nodeSelector, { "platform.finplat.io/pool": "system" }, what);
                    assertRequestsAndMemoryLimit(w.resources, what);
                }
                assert.ok(v.prometheusOperator.prometheusConfigReloader.resources.limits.memory, "config-reloader sidecar");
            });

            it("lets node-exporter run on every node whatever its taints", () => {
                const exporter = values(ev, cloud)["prometheus-node-exporter"];
                assert.deepEqual(exporter.tolerations, [{ operator: "Exists" }]);
                assert.ok(exporter.resources.limits.memory);
            });

            it("keeps the chart's admission webhooks with their hook jobs (helm.v3.Release runs hooks)", () => {
                const webhooks = values(ev, cloud).prometheusOperator.admissionWebhooks;
                assert.equal(webhooks.enabled, true);
                assert.equal(webhooks.patch.enabled, true);
            });

            it("names Services as well-known.ts says: fullnameOverride for Prometheus/Alertmanager, the release name for Grafana", () => {
                assert.equal(values(ev, cloud).fullnameOverride, MONITORING_FULLNAME);
                // Chart templates: <fullname>-prometheus:9090, <fullname>-alertmanager:9093; grafana subchart: <release>-grafana:80.
                assert.equal(PROMETHEUS.url, `http://${MONITORING_FULLNAME}-prometheus.${NAMESPACES.monitoring}.svc:9090`);
                assert.equal(PROMETHEUS.remoteWriteUrl, `${PROMETHEUS.url}/api/v1/write`);
                assert.equal(PROMETHEUS.alertmanagerUrl, `http://${MONITORING_FULLNAME}-alertmanager.${NAMESPACES.monitoring}.svc:9093`);
                assert.equal(PROMETHEUS.grafanaUrl, `http://${MONITORING_RELEASE}-grafana.${NAMESPACES.monitoring}.svc:80`);
            });

            it("takes Grafana's admin login from a Secret it creates from a random password", () => {
                assert.deepEqual(values(ev, cloud).grafana.admin, { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" });
                const secret = ev.named(SECRET, `mon-fake-${cloud}-grafana-admin`);
                assert.equal(secret.inputs.metadata.name, GRAFANA_ADMIN_SECRET);
                assert.equal(secret.inputs.metadata.namespace, NAMESPACES.monitoring);
                assert.equal(secret.inputs.stringData["admin-user"], "admin");
                assert.ok(secret.secretInputs.includes("stringData"));
                const password = ev.named("random:index/randomPassword:RandomPassword", `mon-fake-${cloud}-grafana-admin`);
                assert.ok(password.inputs.length >= 32);
                assert.equal(values(ev, cloud).grafana.adminPassword, undefined, "no password in values");
            });

            it("creates the release after its namespace and the Secrets its pods mount", () => {
                const r = release(ev, cloud);
                const needed = [
                    ev.named("kubernetes:core/v1:Namespace", `mon-fake-${cloud}-ns`),
                    ev.named(SECRET, `mon-fake-${cloud}-grafana-admin`),
                    ev.named(SECRET, `mon-fake-${cloud}-alertmanager-receivers`),
                ];
                for (const n of needed) assert.ok(r.dependencies.includes(n.urn), `release depends on ${n.name}`);
            });

            it("creates the platform PrometheusRule with the selector labels, after the release that installs its CRD", () => {
                const rule = ev.named(RULE, `mon-fake-${cloud}-platform-rules`);
                assert.equal(rule.inputs.metadata.namespace, NAMESPACES.monitoring);
                assert.deepEqual(rule.inputs.metadata.labels, MONITORING_SELECTOR_LABELS);
                assert.ok(rule.dependencies.includes(release(ev, cloud).urn));
                assert.match(rule.provider, new RegExp(`fake-${cloud}-k8s`));
            });
        });
    }

    it("returns the Grafana admin password as a secret", () => {
        assert.equal(passwordIsSecret, true);
    });

    describe("alert receivers", () => {
        it("never puts the Slack URL or PagerDuty key anywhere but the receivers Secret's stringData, a secret input", () => {
            for (const value of [SLACK_URL, PAGERDUTY_KEY]) {
                const holders = ev.resources.filter((r) => JSON.stringify(r.inputs).includes(value));
                assert.deepEqual(holders.map((r) => r.name).sort(), ["mon-fake-aws-alertmanager-receivers", "mon-fake-azure-alertmanager-receivers"]);
                for (const holder of holders) {
                    assert.equal(holder.type, SECRET);
                    assert.ok(holder.secretInputs.includes("stringData"), "stringData is a secret input");
                    assert.ok(!JSON.stringify({ ...holder.inputs, stringData: undefined }).includes(value), "only in stringData");
                }
            }
            const secret = ev.named(SECRET, "mon-fake-aws-alertmanager-receivers");
            assert.equal(secret.inputs.metadata.name, ALERTMANAGER_RECEIVERS_SECRET);
            assert.deepEqual(secret.inputs.stringData, { [RECEIVER_SECRET_KEYS.slack]: SLACK_URL, [RECEIVER_SECRET_KEYS.pagerduty]: PAGERDUTY_KEY });
        });

        it("mounts the receivers Secret in Alertmanager and points Slack and PagerDuty at its files", () => {
            const am = values(ev, "aws").alertmanager;
            assert.deepEqual(am.alertmanagerSpec.secrets, [ALERTMANAGER_RECEIVERS_SECRET]);
            const receiver = (name: string) => am.config.receivers.find((r: any) => r.name === name);
            assert.equal(receiver("slack").slack_configs[0].api_url_file, `/etc/alertmanager/secrets/${ALERTMANAGER_RECEIVERS_SECRET}/${RECEIVER_SECRET_KEYS.slack}`);
            assert.equal(receiver("slack").slack_configs[0].api_url, undefined);
            assert.equal(receiver("pagerduty").pagerduty_configs[0].routing_key_file, `/etc/alertmanager/secrets/${ALERTMANAGER_RECEIVERS_SECRET}/${RECEIVER_SECRET_KEYS.pagerduty}`);
            assert.equal(receiver("pagerduty").pagerduty_configs[0].routing_key, undefined);
            assert.deepEqual(receiver("null"), { name: "null" }, "the chart's defaults refer to 'null'");
        });

        it("routes critical to PagerDuty, warning to Slack, and Watchdog and everything else to 'null'", () => {
            const route = values(ev, "aws").alertmanager.config.route;
            assert.equal(route.receiver, "null");
            assert.deepEqual(route.routes, [
                { receiver: "null", matchers: ['alertname = "Watchdog"'] },
                { receiver: "pagerduty", matchers: ['severity = "critical"'] },
                { receiver: "slack", matchers: ['severity = "warning"'] },
            ]);
        });

        it("sends critical alerts to Slack when there is no PagerDuty key", async () => {
            const { ev: slackOnly } = await evaluateBoth({ receivers: "slack" });
            const config = values(slackOnly, "aws").alertmanager.config;
            assert.deepEqual(config.receivers.map((r: any) => r.name), ["null", "slack"]);
            assert.deepEqual(config.route.routes.slice(1), [
                { receiver: "slack", matchers: ['severity = "critical"'] },
                { receiver: "slack", matchers: ['severity = "warning"'] },
            ]);
            assert.deepEqual(Object.keys(slackOnly.named(SECRET, "mon-fake-aws-alertmanager-receivers").inputs.stringData), [RECEIVER_SECRET_KEYS.slack]);
        });

        it("with no receivers creates no receivers Secret, mounts nothing and routes everything to 'null'", async () => {
            const { ev: none } = await evaluateBoth({ receivers: "none" });
            const am = values(none, "aws").alertmanager;
            assert.deepEqual(am.alertmanagerSpec.secrets, []);
            assert.deepEqual(am.config.receivers, [{ name: "null" }]);
            assert.deepEqual(am.config.route.routes, [{ receiver: "null", matchers: ['alertname = "Watchdog"'] }]);
            assert.equal(none.ofType(SECRET).filter((s) => s.inputs.metadata.name === ALERTMANAGER_RECEIVERS_SECRET).length, 0);
        });
    });

    describe("platform alert rules", () => {
        const alerts = (rule: RecordedResource) => rule.inputs.spec.groups.flatMap((g: any) => g.rules);
        const byName = (rule: RecordedResource, name: string) => alerts(rule).find((a: any) => a.alert === name);

        it("cover certificate expiry, backup failure and staleness, Vault sealed, node not ready and crash looping", () => {
            const rule = ev.named(RULE, "mon-fake-aws-platform-rules");
            const exprs = alerts(rule).map((a: any) => a.expr).join("\n");
            assert.match(exprs, /certmanager_certificate_expiration_timestamp_seconds - time\(\) < 1209600/, "14 days");
            assert.match(exprs, /increase\(velero_backup_failure_total\[/);
            assert.match(exprs, /time\(\) - velero_backup_last_successful_timestamp > 43200/, "backupStaleAfterSeconds");
            assert.match(exprs, /vault_core_unsealed == 0/);
            assert.match(exprs, /kube_node_status_condition\{condition="Ready",status="true"\} == 0/);
            assert.match(exprs, /rate\(kube_pod_container_status_restarts_total\[/);
            assert.deepEqual(rule.inputs.spec.groups.map((g: any) => g.name), [
                "platform.certificates",
                "platform.backups",
                "platform.vault",
                "platform.nodes",
                "platform.pods",
            ]);
        });

        it("label every alert with a routable severity and annotate it with a summary and runbook", () => {
            const rule = ev.named(RULE, "mon-fake-azure-platform-rules");
            for (const a of alerts(rule)) {
                assert.ok(["critical", "warning"].includes(a.labels.severity), a.alert);
                assert.ok(a.annotations.summary && a.annotations.runbook && a.annotations.description, a.alert);
                assert.ok(a.for, a.alert);
            }
            // The DR-critical failures page.
            assert.equal(byName(rule, "VaultSealed").labels.severity, "critical");
            assert.equal(byName(rule, "VeleroBackupStale").labels.severity, "critical");
        });

        it("rejects a non-positive backup staleness threshold", async () => {
            await assert.rejects(
                evaluateOnFakeCluster("aws", (cluster) => { build(cluster, {}, { backupStaleAfterSeconds: 0 }); }),
                /backupStaleAfterSeconds must be a positive number/,
            );
        });
    });

    it("runs one Prometheus and Alertmanager without a PodDisruptionBudget when the cluster spans fewer than three zones", async () => {
        const { ev: small } = await evaluateBoth({ zones: ["us-east-1a", "us-east-1b"] });
        const v = values(small, "aws");
        assert.equal(v.prometheus.prometheusSpec.replicas, 1);
        assert.equal(v.alertmanager.alertmanagerSpec.replicas, 1);
        assert.equal(v.prometheus.podDisruptionBudget.enabled, false, "a PDB with minAvailable 1 on one replica would block node drains");
        assert.equal(v.alertmanager.podDisruptionBudget.enabled, false);
    });

    it("exports one remote-write URL per Prometheus replica, through the operator's headless Service", async () => {
        const urls: string[][] = [];
        await evaluateOnFakeCluster("aws", (cluster) => {
            const monitoring = build(cluster);
            urls.push(monitoring.remoteWriteReplicaUrls, [monitoring.remoteWriteUrl, monitoring.prometheusUrl, `${monitoring.prometheusServiceUrl}:${monitoring.prometheusPort}`]);
        });
        assert.deepEqual(urls[0], [
            "http://prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc:9090/api/v1/write",
            "http://prometheus-kps-prometheus-1.prometheus-operated.monitoring.svc:9090/api/v1/write",
        ]);
        assert.deepEqual(urls[1], [PROMETHEUS.remoteWriteUrl, PROMETHEUS.url, PROMETHEUS.url]);
    });

    it("protects the namespace, release, Secrets, password and rules when protect is set, and nothing otherwise", async () => {
        const { ev: protectedEv } = await evaluateBoth({ protect: true });
        const kinds = (e: Evaluation) => e.resources.filter((r) => r.name.startsWith("mon-fake-aws") && r.custom);
        assert.ok(kinds(protectedEv).length >= 6);
        for (const r of kinds(protectedEv)) assert.equal(r.protect, true, `${r.type} ${r.name}`);
        for (const r of kinds(ev)) assert.equal(r.protect, false, `${r.type} ${r.name}`);
    });

    it("turns custom resources into kube-state-metrics metrics only when asked, with exactly the read rules given, on keys the subchart defines", async () => {
        const config = { kind: "CustomResourceStateMetrics", spec: { resources: [{ groupVersionKind: { group: "example.io", version: "v1", kind: "Widget" } }] } };
        const rbacRules = [{ apiGroups: ["example.io"], resources: ["widgets"], verbs: ["list", "watch"] }];
        const { ev: ev2 } = await evaluateOnFakeCluster("aws", (cluster) => { build(cluster, {}, { customResourceMetrics: { config, rbacRules } }); });
        const ksm = release(ev2, "aws").inputs.values["kube-state-metrics"];
        assert.deepEqual(ksm.customResourceState, { enabled: true, config });
        assert.deepEqual(ksm.rbac, { extraRules: rbacRules });
        assert.deepEqual(unknownValueKeys("kube-state-metrics", "8.4.0", ksm), []);
        const without = values(ev, "aws")["kube-state-metrics"];
        assert.deepEqual([without.customResourceState, without.rbac], [undefined, undefined], "the subchart's defaults stay untouched");
    });

    it("lets the caller's values win and waits for the caller's dependencies", async () => {
        const { ev: ev2 } = await evaluateOnFakeCluster("aws", (cluster) => {
            const before = new Before("before");
            build(cluster, {}, { values: { prometheus: { prometheusSpec: { retention: "90d" } } }, dependsOn: [before] });
        });
        const r = release(ev2, "aws");
        assert.equal(r.inputs.values.prometheus.prometheusSpec.retention, "90d");
        assert.equal(r.inputs.values.prometheus.prometheusSpec.enableRemoteWriteReceiver, true, "computed values survive the merge");
        assert.ok(r.dependencies.includes(ev2.named("test:index:Before", "before").urn));
    });
});
