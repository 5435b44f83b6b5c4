/**
 * Who may open a connection to the database pods: ingress is denied by default, then
 * one policy per flow, each with exact peers and ports:
 *  - the app's pods, on 5432;
 *  - the other instances of the same Cluster, on 5432 (streaming replication, pg_rewind)
 *    and 8000 (the instance manager's status API);
 *  - the CloudNativePG operator, on 8000 and 5432 (its documented requirement);
 *  - Prometheus, on the metrics port 9187.
 *
 * Nothing arrives from the other cloud: the passive side replays the active side's WAL from
 * its archive in object storage (egress to the object store), so no PostgreSQL port is exposed
 * across clouds and no cross-cloud network path is needed.
 *
 * Egress stays open on purpose: the instances reach the Kubernetes API, both clouds' object
 * stores and token endpoints, whose addresses are not stable CIDRs; pinning them needs an
 * FQDN-aware, CNI-specific policy (see README "Data tier").
 */
import { CNPG_OPERATOR_POD_LABELS } from "../addons/cloudnative-pg";
import { NAMESPACES } from "../addons/well-known";
import { CNPG_CLUSTER_LABEL, POSTGRES_PORTS } from "./names";

/** The policy spec type, as plain data (the caller wraps it in a NetworkPolicy). */
export interface PolicySpec {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress?: { from: Record<string, unknown>[]; ports: { protocol: string; port: number }[] }[];
}

/** Pods allowed to connect to the database as clients. */
export interface DatabaseClient {
    namespace: string;
    podLabels: Record<string, string>;
}

function inNamespace(namespace: string, podLabels: Record<string, string>) {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } }, podSelector: { matchLabels: podLabels } };
}

const tcp = (port: number) => ({ protocol: "TCP", port });

/** The allowed flows into a namespace holding one Cluster's pods, by policy name suffix. */
export function databaseNetworkPolicies(clusterName: string, clients: DatabaseClient[]): Record<string, PolicySpec> {
    const instances = { matchLabels: { [CNPG_CLUSTER_LABEL]: clusterName } };
    const policies: Record<string, PolicySpec> = {
        "default-deny-ingress": { podSelector: {}, policyTypes: ["Ingress"] },
        "allow-between-instances": {
            podSelector: instances,
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: instances }], ports: [tcp(POSTGRES_PORTS.postgres), tcp(POSTGRES_PORTS.status)] }],
        },
        "allow-from-operator": {
            podSelector: instances,
            policyTypes: ["Ingress"],
            ingress: [{ from: [inNamespace(NAMESPACES.cloudnativePg, { ...CNPG_OPERATOR_POD_LABELS })], ports: [tcp(POSTGRES_PORTS.status), tcp(POSTGRES_PORTS.postgres)] }],
        },
        "allow-from-monitoring": {
            podSelector: instances,
            policyTypes: ["Ingress"],
            ingress: [{ from: [inNamespace(NAMESPACES.monitoring, { "app.kubernetes.io/name": "prometheus" })], ports: [tcp(POSTGRES_PORTS.metrics)] }],
        },
    };
    if (clients.length > 0) {
        policies["allow-from-app"] = {
            podSelector: instances,
            policyTypes: ["Ingress"],
            ingress: [{ from: clients.map((c) => inNamespace(c.namespace, c.podLabels)), ports: [tcp(POSTGRES_PORTS.postgres)] }],
        };
    }
    return policies;
}
