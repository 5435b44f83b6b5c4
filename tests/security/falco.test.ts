import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../../components/addons/charts";
import { ELASTICSEARCH, NAMESPACES, PROMETHEUS } from "../../components/addons/well-known";
import { FALCO_INDEX, Falco, SIDEKICK_ES_CA_DIR } from "../../components/security/falco";
import { RULE_PRIORITIES, RuntimeProfile } from "../../components/security/falco-rules";
import { assertPinnedRelease, assertRequestsAndMemoryLimit, evaluateOnFakeCluster } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const APP: RuntimeProfile = { namespace: "financial-app", allowedCidrs: [{ cidr: "10.60.0.0/24", port: 5432 }], inClusterPorts: [53, 8200, 9200, 9090] };

async function build(cloud: "aws" | "azure", elasticsearch = true) {
    const { ev } = await evaluateOnFakeCluster(cloud, (cluster) => {
        const logging = new k8s.core.v1.ConfigMap("elasticsearch", { data: {} }, { provider: cluster.provider });
        new Falco("falco", {
            cluster,
            alertmanagerUrl: PROMETHEUS.alertmanagerUrl,
            elasticsearch,
            clusterLabel: `pair-${cloud}`,
            sidekickReplicas: 2,
            workloads: [APP],
            serviceMonitor: true,
            dependsOn: [logging],
        });
    });
    const falco = ev.named(RELEASE, "falco");
    const sidekick = ev.named(RELEASE, "falco-sidekick");
    return { ev, falco, sidekick, falcoValues: falco.inputs.values, sidekickValues: sidekick.inputs.values };
}

type Rule = { rule?: string; macro?: string; list?: string; condition?: string; priority?: string };
const rulesOf = (values: any): Rule[] => JSON.parse(values.customRules["finplat-workloads.yaml"]);

describe("Falco add-on", () => {
    for (const cloud of ["aws", "azure"] as const) {
        it(`${cloud}: Falco 9.1.0 (0.44.1) in its privileged namespace and Falcosidekick 0.12.1 next to Elasticsearch, pinned, with only keys the charts define`, async () => {
            const { ev, falco, sidekick, falcoValues, sidekickValues } = await build(cloud);
            assertPinnedRelease(falco, CHARTS.falco, NAMESPACES.falco, "falco");
            assertPinnedRelease(sidekick, CHARTS.falcosidekick, ELASTICSEARCH.namespace, "falcosidekick");
            assert.deepEqual(unknownValueKeys(CHARTS.falco.chart, CHARTS.falco.version, falcoValues), []);
            assert.deepEqual(unknownValueKeys(CHARTS.falcosidekick.chart, CHARTS.falcosidekick.version, sidekickValues), []);
            for (const r of [falco, sidekick]) assert.match(r.provider, new RegExp(`::fake-${cloud}-k8s::`));
            const ns = ev.named("kubernetes:core/v1:Namespace", "falco-ns");
            assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        });

        it(`${cloud}: the modern eBPF driver in least-privileged mode (capabilities, not privileged) on every node`, async () => {
            const { falcoValues } = await build(cloud);
            assert.deepEqual(falcoValues.driver, { kind: "modern_ebpf", modernEbpf: { leastPrivileged: true } });
            assert.deepEqual(falcoValues.tolerations, [{ operator: "Exists" }]);
            assertRequestsAndMemoryLimit(falcoValues.resources, "falco");
            assert.equal(falcoValues.falcoctl.artifact.follow.enabled, false, "rules change only with the pinned chart");
        });
    }

    it("events go to Falcosidekick, which forwards to this cluster's Alertmanager (v2 API, critical → critical) and Elasticsearch", async () => {
        const { falcoValues, sidekickValues } = await build("aws");
        assert.deepEqual(falcoValues.falco.http_output, { enabled: true, url: `http://falcosidekick.${ELASTICSEARCH.namespace}.svc:2801/` });
        assert.equal(falcoValues.falcosidekick.enabled, false, "the bundled sidekick is replaced by the release next to Elasticsearch");
        const { alertmanager, elasticsearch, extraEnv, tlsclient } = sidekickValues.config;
        assert.equal(alertmanager.hostport, PROMETHEUS.alertmanagerUrl);
        assert.equal(alertmanager.endpoint, "/api/v2/alerts");
        assert.match(alertmanager.customseveritymap, /(^|,)critical:critical(,|$)/);
        assert.match(alertmanager.extralabels, /cluster:pair-aws/);
        assert.deepEqual({ hostport: elasticsearch.hostport, index: elasticsearch.index, username: elasticsearch.username, checkcert: elasticsearch.checkcert }, { hostport: ELASTICSEARCH.url, index: FALCO_INDEX, username: "elastic", checkcert: true });
        assert.equal(elasticsearch.password, undefined, "no password in Helm values or Pulumi state");
        assert.deepEqual(extraEnv, [{ name: "ELASTICSEARCH_PASSWORD", valueFrom: { secretKeyRef: { name: ELASTICSEARCH.userSecret, key: "elastic" } } }]);
        assert.equal(tlsclient.cacertfile, `${SIDEKICK_ES_CA_DIR}/ca.crt`);
        assert.deepEqual(sidekickValues.extraVolumes, [{ name: "es-ca", secret: { secretName: ELASTICSEARCH.caSecret } }]);
        assertRequestsAndMemoryLimit(sidekickValues.resources, "falcosidekick");
    });

    it("without the logging add-on Falcosidekick runs in Falco's namespace and forwards to Alertmanager only", async () => {
        const { ev, sidekick, sidekickValues } = await build("azure", false);
        assert.equal(sidekick.inputs.namespace, NAMESPACES.falco);
        assert.ok(sidekick.dependencies.includes(ev.named("kubernetes:core/v1:Namespace", "falco-ns").urn), "it waits for the namespace the Falco release creates");
        assert.equal(sidekickValues.config.elasticsearch, undefined);
        assert.equal(sidekickValues.config.alertmanager.hostport, PROMETHEUS.alertmanagerUrl);
    });

    it("the app namespace's rules: shells (debug shells recorded, not paged), system-path writes, unexpected outbound, token reads", async () => {
        const rules = rulesOf((await build("aws")).falcoValues);
        const rule = (name: string) => rules.find((r) => r.rule === name)!;
        assert.equal(rule("Shell in financial-app container").priority, RULE_PRIORITIES.shell);
        assert.match(rule("Shell in financial-app container").condition!, /^spawned_process and finplat_financial_app_container and proc\.name in \(finplat_shells\)/);
        assert.match(rule("Shell in financial-app container").condition!, /not container\.name startswith "debugger-"/);
        assert.equal(rule("Shell in financial-app debug container").priority, "NOTICE");
        assert.match(rule("Write below system paths in financial-app").condition!, /open_write and finplat_financial_app_container and \(fd\.name startswith "\/bin\/"/);
        const outbound = rule("Unexpected outbound connection from financial-app");
        assert.equal(outbound.priority, "CRITICAL");
        assert.match(outbound.condition!, /not \(\(fd\.snet = "10\.60\.0\.0\/24" and fd\.sport = 5432\) or \(fd\.sport in \(53, 8200, 9200, 9090\)\)\)$/);
        const token = rule("ServiceAccount token read in financial-app");
        assert.match(token.condition!, /fd\.name startswith "\/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/"/);
        assert.match(token.condition!, /not proc\.name = vault$/, "the Vault agent logs in with its projected token");
        assert.deepEqual(rules.find((r) => r.macro === "finplat_financial_app_container")!.condition, '(container.id != host and k8s.ns.name = "financial-app")');
        // Private destinations count: the default `outbound` macro would ignore them.
        assert.doesNotMatch(rules.find((r) => r.macro === "finplat_financial_app_outbound")!.condition!, /rfc_1918/);
    });
});
