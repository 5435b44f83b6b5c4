import { strict as assert } from "assert";
import { CLOUDS, TYPES, defaultEvaluation, evaluateApp, objectNamed } from "./app-fixture";

const GATEWAY = { name: "public", namespace: "envoy-gateway-system", listeners: { cluster: "https-cluster", global: "https-global" } };
/** Envoy Gateway's labels on the public Gateway's data-plane pods (v1.9.0). */
const ENVOY_PROXIES = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "envoy-gateway-system" } },
    podSelector: {
        matchLabels: {
            "app.kubernetes.io/name": "envoy",
            "app.kubernetes.io/component": "proxy",
            "app.kubernetes.io/managed-by": "envoy-gateway",
            "gateway.envoyproxy.io/owning-gateway-name": "public",
            "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
        },
    },
};

const APP_PODS = { matchLabels: { "app.kubernetes.io/name": "financial-app" } };
const SERVERS = { matchLabels: { "app.kubernetes.io/name": "financial-app", "app.kubernetes.io/component": "server" } };
const namespace = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });

for (const cloud of CLOUDS) {
    describe(`FinancialApp network policies (${cloud})`, () => {
        it("denies all ingress and egress for every pod in the namespace by default", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const deny = objectNamed(ev, TYPES.networkPolicy, "financial-app-default-deny").inputs;
            assert.equal(deny.metadata.namespace, "financial-app");
            assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        });

        it("allows exactly the listed flows, nothing more", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const names = ev.ofType(TYPES.networkPolicy).map((p) => p.inputs.metadata.name).sort();
            assert.deepEqual(names, [
                "financial-app-allow-dns",
                "financial-app-allow-from-ingress-controller",
                "financial-app-allow-from-monitoring",
                "financial-app-allow-to-database",
                "financial-app-allow-to-elasticsearch",
                "financial-app-allow-to-prometheus",
                "financial-app-allow-to-vault",
                "financial-app-default-deny",
            ]);
            for (const policy of ev.ofType(TYPES.networkPolicy)) {
                for (const rule of [...(policy.inputs.spec.ingress ?? []), ...(policy.inputs.spec.egress ?? [])]) {
                    assert.ok(rule.ports?.length > 0, `${policy.inputs.metadata.name}: every allow names its ports`);
                    assert.ok((rule.from ?? rule.to)?.length > 0, `${policy.inputs.metadata.name}: every allow names its peers`);
                }
            }
        });

        it("lets only the ingress-nginx namespace reach Envoy's TLS port (ingress-nginx alone, the default)", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const spec = objectNamed(ev, TYPES.networkPolicy, "financial-app-allow-from-ingress-controller").inputs.spec;
            assert.deepEqual(spec, {
                podSelector: SERVERS,
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: namespace("ingress-nginx") }], ports: [{ protocol: "TCP", port: 8443 }] }],
            });
        });

        it("with Envoy Gateway serving, admits only the public Gateway's Envoy proxies, not ingress-nginx", async () => {
            const { ev } = await evaluateApp(cloud, { publicEntry: { serving: "envoy-gateway", running: ["envoy-gateway"], gateway: GATEWAY } });
            const spec = objectNamed(ev, TYPES.networkPolicy, "financial-app-allow-from-ingress-controller").inputs.spec;
            assert.deepEqual(spec.ingress, [{ from: [ENVOY_PROXIES], ports: [{ protocol: "TCP", port: 8443 }] }]);
        });

        it("while migrating, admits both controllers' proxies, and only them, in the same order whichever serves (moving the records leaves the policy untouched)", async () => {
            for (const [serving, alsoRun] of [["ingress-nginx", "envoy-gateway"], ["envoy-gateway", "ingress-nginx"]] as const) {
                const { ev } = await evaluateApp(cloud, { publicEntry: { serving, running: [serving, alsoRun], gateway: GATEWAY } });
                const spec = objectNamed(ev, TYPES.networkPolicy, "financial-app-allow-from-ingress-controller").inputs.spec;
                assert.deepEqual(spec.ingress, [{ from: [{ namespaceSelector: namespace("ingress-nginx") }, ENVOY_PROXIES], ports: [{ protocol: "TCP", port: 8443 }] }], `${serving} serving`);
            }
        });

        it("lets only the monitoring namespace scrape the app's metrics port", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const spec = objectNamed(ev, TYPES.networkPolicy, "financial-app-allow-from-monitoring").inputs.spec;
            assert.deepEqual(spec.podSelector, SERVERS);
            assert.deepEqual(spec.ingress, [{ from: [{ namespaceSelector: namespace("monitoring") }], ports: [{ protocol: "TCP", port: 9102 }] }]);
        });

        it("resolves names only through kube-dns, over UDP and TCP 53", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const spec = objectNamed(ev, TYPES.networkPolicy, "financial-app-allow-dns").inputs.spec;
            assert.deepEqual(spec.policyTypes, ["Egress"]);
            assert.deepEqual(spec.egress, [{
                to: [{ namespaceSelector: namespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
            }]);
        });

        it("reaches the database only at its CIDR and port", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const spec = objectNamed(ev, TYPES.networkPolicy, "financial-app-allow-to-database").inputs.spec;
            assert.deepEqual(spec.podSelector, APP_PODS);
            assert.deepEqual(spec.egress, [{ to: [{ ipBlock: { cidr: "10.60.0.0/24" } }], ports: [{ protocol: "TCP", port: 5432 }] }]);
        });

        it("reaches Vault's server pods on 8200, Elasticsearch on 9200 and Prometheus on 9090, each in its own namespace", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const egress = (name: string) => objectNamed(ev, TYPES.networkPolicy, `financial-app-${name}`).inputs.spec;
            assert.deepEqual(egress("allow-to-vault").egress, [{
                to: [{ namespaceSelector: namespace("vault"), podSelector: { matchLabels: { "app.kubernetes.io/name": "vault", component: "server" } } }],
                ports: [{ protocol: "TCP", port: 8200 }],
            }]);
            assert.deepEqual(egress("allow-to-elasticsearch").egress, [{
                to: [{ namespaceSelector: namespace("logging"), podSelector: { matchLabels: { "elasticsearch.k8s.elastic.co/cluster-name": "logging" } } }],
                ports: [{ protocol: "TCP", port: 9200 }],
            }]);
            assert.deepEqual(egress("allow-to-prometheus").egress, [{
                to: [{ namespaceSelector: namespace("monitoring"), podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
                ports: [{ protocol: "TCP", port: 9090 }],
            }]);
            // Job pods ship logs and read secrets too; only serving pods run the Prometheus agent.
            assert.deepEqual(egress("allow-to-vault").podSelector, APP_PODS);
            assert.deepEqual(egress("allow-to-elasticsearch").podSelector, APP_PODS);
            assert.deepEqual(egress("allow-to-prometheus").podSelector, SERVERS);
        });
    });
}

describe("FinancialApp with an in-cluster database", () => {
    const IN_CLUSTER = {
        mode: "in-cluster" as const,
        host: "postgres-aws-rw.database.svc",
        port: 5432,
        name: "app",
        namespace: "database",
        podLabels: { "cnpg.io/cluster": "postgres-aws" },
    };

    it("reaches exactly the database's pods on its port, and is told where they are in its settings", async () => {
        const { ev } = await evaluateApp("aws", { database: IN_CLUSTER });
        const spec = objectNamed(ev, TYPES.networkPolicy, "financial-app-allow-to-database").inputs.spec;
        assert.deepEqual(spec.podSelector, APP_PODS);
        assert.deepEqual(spec.egress, [{ to: [{ namespaceSelector: namespace("database"), podSelector: { matchLabels: { "cnpg.io/cluster": "postgres-aws" } } }], ports: [{ protocol: "TCP", port: 5432 }] }]);
        const settings = ev.ofType(TYPES.configMap).find((c) => c.inputs.metadata.name === "financial-app-settings")!.inputs.data;
        assert.deepEqual([settings.DATABASE_HOST, settings.DATABASE_PORT, settings.DATABASE_NAME, settings.FEATURE_FLAGS], ["postgres-aws-rw.database.svc", "5432", "app", "ledger-v2"]);
    });

    it("refuses settings that contradict where the database is, and pod labels that would select the whole namespace", async () => {
        await assert.rejects(
            evaluateApp("aws", { database: IN_CLUSTER, settings: { DATABASE_HOST: "10.60.0.5" } }),
            /settings\.DATABASE_HOST: "10\.60\.0\.5" contradicts the in-cluster database \(postgres-aws-rw\.database\.svc\); remove it/,
        );
        await assert.rejects(evaluateApp("aws", { database: { ...IN_CLUSTER, podLabels: {} } }), /database\.podLabels: empty; the egress policy would reach every pod of the namespace/);
    });
});
