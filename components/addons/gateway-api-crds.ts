import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClusterHandle } from "../cluster/contract";
import { CHARTS, chartSource } from "./charts";
import { Values, deepMerge } from "./deep-merge";

export interface GatewayApiCrdsArgs {
    cluster: ClusterHandle;
    /** Overrides of the gateway-crds-helm values (deep-merged; yours win). */
    values?: Values;
    dependsOn?: pulumi.Resource[];
}

/** The Gateway API release channel installed: only APIs that graduated, nothing experimental. */
const GATEWAY_API_CHANNEL = "standard";

/**
 * The Gateway API CRDs (standard channel) and Envoy Gateway's own CRDs, from the
 * gateway-crds-helm chart of the same Envoy Gateway release as the controller.
 *
 * Why not the controller chart's bundled CRDs: gateway-helm v1.9.0 ships the
 * *experimental* Gateway API channel in its `crds/` directory, and Helm installs
 * `crds/` once and never upgrades it, so a chart bump would leave stale CRDs.
 * gateway-crds-helm renders either channel as templates; Envoy Gateway documents
 * applying it with `helm template | kubectl apply --server-side`, because as a Helm
 * release its rendered CRDs exceed the 1 MiB release Secret. A `helm.v4.Chart` is
 * exactly that: Pulumi renders the chart and applies each CRD itself (server-side),
 * upgrading them with the pinned version.
 *
 * Cluster-scoped and shared: cert-manager's Gateway support, ExternalDNS's route
 * source and Envoy Gateway all need these CRDs before they start; pass this component
 * in their `dependsOn`.
 */
export class GatewayApiCrds extends pulumi.ComponentResource {
    public readonly chart: k8s.helm.v4.Chart;
    public readonly channel = GATEWAY_API_CHANNEL;

    constructor(name: string, args: GatewayApiCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:GatewayApiCrds", name, {}, opts);
        const values: Values = {
            crds: {
                gatewayAPI: { enabled: true, channel: GATEWAY_API_CHANNEL },
                envoyGateway: { enabled: true },
            },
        };
        this.chart = new k8s.helm.v4.Chart(name, {
            ...chartSource(CHARTS.envoyGatewayCrds),
            version: CHARTS.envoyGatewayCrds.version,
            values: deepMerge(values, args.values),
        }, { parent: this, provider: args.cluster.provider, dependsOn: [...args.cluster.readiness, ...(args.dependsOn ?? [])] });
        this.registerOutputs({ channel: this.channel });
    }
}
