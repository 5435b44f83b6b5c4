/**
 * Default deny, in and out, for every pod in the namespace; then one policy per
 * allowed flow, each with exact peers and ports. Peers are selected by the
 * `kubernetes.io/metadata.name` label the API server sets on every namespace.
 * Kubelet probes come from the node and are not subject to these policies.
 * Public certificates are issued through DNS-01, so no ACME HTTP-01 solver pod
 * needs to be reachable in this namespace.
 */
import * as k8s from "@pulumi/kubernetes";
import { INGRESS_CONTROLLERS, INGRESS_PROXY_PODS, IngressControllerName } from "../addons/ingress-controllers";
import { ELASTICSEARCH, NAMESPACES, PROMETHEUS, VAULT } from "../addons/well-known";
import { PORTS, appLabels, appPodSelector, serverPodSelector } from "./layout";
import { AppContext, DatabaseEndpoint } from "./types";

type Policy = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

function inNamespace(namespace: string, podLabels?: Record<string, string>): Peer {
    return {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
    };
}

/** Exactly the database's pods when it runs in the cluster (a CIDR would cover other pods too); else its CIDR. */
function databasePeer(database: DatabaseEndpoint): Peer {
    return database.mode === "in-cluster" ? inNamespace(database.namespace, database.podLabels) : { ipBlock: { cidr: database.cidr } };
}

function tcp(port: number) {
    return { protocol: "TCP", port };
}

function portOf(url: string): number {
    return Number(new URL(url).port);
}

/**
 * The allowed flows, by policy name suffix. Exported so tests read the same table.
 * `ingressControllers` are the controllers that route to the app: only their proxy
 * pods (ingress-nginx's controller, the public Gateway's Envoys) may reach Envoy's port.
 */
export function networkPolicySpecs(appName: string, database: DatabaseEndpoint, ingressControllers: IngressControllerName[]): Record<string, Policy> {
    const allPods = { matchLabels: appPodSelector(appName) };
    const servers = { matchLabels: serverPodSelector(appName) };
    return {
        "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        "allow-from-ingress-controller": {
            podSelector: servers,
            policyTypes: ["Ingress"],
            ingress: [{
                // In a fixed order, so moving the records between controllers leaves this policy untouched.
                from: INGRESS_CONTROLLERS.filter((c) => ingressControllers.includes(c))
                    .map((controller) => inNamespace(INGRESS_PROXY_PODS[controller].namespace, INGRESS_PROXY_PODS[controller].podLabels)),
                ports: [tcp(PORTS.envoyHttps)],
            }],
        },
        "allow-from-monitoring": {
            podSelector: servers,
            policyTypes: ["Ingress"],
            ingress: [{ from: [inNamespace(NAMESPACES.monitoring)], ports: [tcp(PORTS.appMetrics)] }],
        },
        "allow-dns": {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [inNamespace("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, tcp(53)] }],
        },
        "allow-to-database": {
            podSelector: allPods,
            policyTypes: ["Egress"],
            egress: [{ to: [databasePeer(database)], ports: [tcp(database.port)] }],
        },
        "allow-to-vault": {
            podSelector: allPods,
            policyTypes: ["Egress"],
            // The Vault chart's server pods (not its injector).
            egress: [{ to: [inNamespace(NAMESPACES.vault, { "app.kubernetes.io/name": "vault", component: "server" })], ports: [tcp(portOf(VAULT.address))] }],
        },
        // fluentd runs in serving and Job pods alike.
        "allow-to-elasticsearch": {
            podSelector: allPods,
            policyTypes: ["Egress"],
            egress: [{ to: [inNamespace(ELASTICSEARCH.namespace, { "elasticsearch.k8s.elastic.co/cluster-name": ELASTICSEARCH.name })], ports: [tcp(ELASTICSEARCH.port)] }],
        },
        // Only serving pods run the Prometheus agent.
        "allow-to-prometheus": {
            podSelector: servers,
            policyTypes: ["Egress"],
            egress: [{ to: [inNamespace(NAMESPACES.monitoring, { "app.kubernetes.io/name": "prometheus" })], ports: [tcp(portOf(PROMETHEUS.remoteWriteUrl))] }],
        },
    };
}

export function createNetworkPolicies(ctx: AppContext, database: DatabaseEndpoint, ingressControllers: IngressControllerName[]): k8s.networking.v1.NetworkPolicy[] {
    return Object.entries(networkPolicySpecs(ctx.appName, database, ingressControllers)).map(([suffix, spec]) =>
        new k8s.networking.v1.NetworkPolicy(`${ctx.prefix}-${suffix}`, {
            metadata: { name: `${ctx.appName}-${suffix}`, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
            spec,
        }, ctx.opts));
}
