import { ClusterHandle } from "../components/cluster/contract";
import { StackConfig } from "./config";

/** The app's cluster-local name, published by that cluster's ExternalDNS in its own zone. */
export function appHostname(config: StackConfig, cluster: ClusterHandle): string {
    return `${config.app.hostPrefix}.${cluster.dns.zoneName}`;
}
