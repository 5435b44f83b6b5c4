import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "./charts";
import { Values } from "./deep-merge";
import { AddonArgs, installChart, resources, zoneSpread } from "./helm-addon";
import { PUBLIC_GATEWAY, envoyProxyPodLabels } from "./ingress-controllers";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "./well-known";

export interface EnvoyGatewayArgs extends AddonArgs {
    /** Envoy proxy replicas of the public Gateway; 2 or more also get a PodDisruptionBudget (minAvailable 1). */
    proxyReplicas: number;
    /** Scrape the controller and the proxies with PodMonitors (needs the prometheus-operator CRDs in `dependsOn`). */
    serviceMonitor: boolean;
    /** The Gateway API and Envoy Gateway CRDs (GatewayApiCrds); the EnvoyProxy and GatewayClass wait for them. */
    crds: pulumi.Resource;
}

const RELEASE_NAME = "envoy-gateway";
/** The controller name Envoy Gateway answers to (chart default `config.envoyGateway.gateway.controllerName`). */
const ENVOY_GATEWAY_CONTROLLER_NAME = "gateway.envoyproxy.io/gatewayclass-controller";
/** Labels the chart puts on the controller pods (its selector), with release name RELEASE_NAME. */
const CONTROLLER_POD_LABELS = {
    "control-plane": "envoy-gateway",
    "app.kubernetes.io/name": "gateway-helm",
    "app.kubernetes.io/instance": RELEASE_NAME,
};
/** Envoy's Prometheus endpoint on the proxy pods (container port "metrics", 19001). */
const PROXY_METRICS_PATH = "/stats/prometheus";

/**
 * Envoy Gateway: the Gateway API controller and the data plane of the platform's
 * public Gateway. Installs the controller chart (without its CRDs: GatewayApiCrds
 * brings the standard channel), the EnvoyProxy that shapes every proxy of the
 * GatewayClass (cloud load balancer, replicas, PDB, zone spread), the GatewayClass,
 * and PodMonitors for the controller and the proxies.
 *
 * Placement mirrors ingress-nginx: the controller is a platform service and runs on
 * the system pool; the proxies carry user traffic and run on the workload pool,
 * spread across zones, behind the cloud's L4 load balancer with client IPs preserved.
 */
export class EnvoyGateway extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** The GatewayClass the public Gateway uses; its parametersRef is `proxyConfig`. */
    public readonly gatewayClass: k8s.apiextensions.CustomResource;
    public readonly gatewayClassName: string;
    /** EnvoyProxy: the Service, Deployment and PDB every Gateway of the class gets. */
    public readonly proxyConfig: k8s.apiextensions.CustomResource;

    constructor(name: string, args: EnvoyGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:EnvoyGateway", name, {}, opts);
        if (!Number.isInteger(args.proxyReplicas) || args.proxyReplicas < 1) {
            throw new Error(`EnvoyGateway ${name}: proxyReplicas must be a positive integer, got ${args.proxyReplicas}`);
        }
        const { cluster } = args;
        const { placement } = cluster;
        // Leader-elected: a second replica only pays off when a zone can fail without taking both.
        const controllerReplicas = placement.zones.length >= 3 ? 2 : 1;

        const values: Values = {
            // The CRDs come from GatewayApiCrds (standard channel, upgraded with each chart bump).
            crds: { enabled: false },
            deployment: {
                replicas: controllerReplicas,
                envoyGateway: { resources: resources("100m", "256Mi", undefined, "1024Mi") },
                pod: {
                    tolerations: placement.systemTolerations,
                    nodeSelector: placement.systemNodeSelector,
                    topologySpreadConstraints: zoneSpread(placement.zoneTopologyKey, CONTROLLER_POD_LABELS),
                },
            },
            // The chart renders a PDB only for minAvailable >= 1; over a single replica it would block node drains.
            podDisruptionBudget: { minAvailable: controllerReplicas >= 2 ? 1 : 0 },
            certgen: {
                job: {
                    tolerations: placement.systemTolerations,
                    nodeSelector: placement.systemNodeSelector,
                    resources: resources("10m", "64Mi", undefined, "128Mi"),
                },
            },
        };

        const chart = installChart(this, name, {
            cluster,
            chart: CHARTS.envoyGateway,
            namespace: NAMESPACES.envoyGateway,
            releaseName: RELEASE_NAME,
            values,
            overrides: args.values,
            dependsOn: [args.crds, ...(args.dependsOn ?? [])],
        });
        this.namespace = chart.namespace;
        this.release = chart.release;

        const crOpts = { parent: this, provider: cluster.provider, dependsOn: [args.crds, chart.release] };
        const proxyPods = envoyProxyPodLabels(PUBLIC_GATEWAY.name, PUBLIC_GATEWAY.namespace);
        this.proxyConfig = new k8s.apiextensions.CustomResource(`${name}-proxy-config`, {
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "EnvoyProxy",
            metadata: { name: PUBLIC_GATEWAY.proxyConfigName, namespace: chart.namespace },
            spec: {
                provider: {
                    type: "Kubernetes",
                    kubernetes: {
                        envoyService: {
                            type: "LoadBalancer",
                            // Preserve the client IP (rate limits, audit logs); only nodes with a proxy pod receive traffic.
                            externalTrafficPolicy: "Local",
                            // The cloud's L4 load balancer (NLB on EKS, Azure LB probe path on AKS), from the cluster contract.
                            annotations: { ...cluster.publicLoadBalancing.serviceAnnotations },
                        },
                        envoyDeployment: {
                            replicas: args.proxyReplicas,
                            // User traffic: the workload pool (no system-pool toleration), spread across zones.
                            pod: { topologySpreadConstraints: zoneSpread(placement.zoneTopologyKey, proxyPods) },
                            // No CPU limit: throttling the proxy adds latency to every request.
                            container: { resources: resources("200m", "256Mi", undefined, "1Gi") },
                        },
                        ...(args.proxyReplicas >= 2 ? { envoyPDB: { minAvailable: 1 } } : {}),
                    },
                },
            },
        }, crOpts);

        this.gatewayClassName = PUBLIC_GATEWAY.className;
        this.gatewayClass = new k8s.apiextensions.CustomResource(`${name}-class`, {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "GatewayClass",
            metadata: { name: PUBLIC_GATEWAY.className },
            spec: {
                controllerName: ENVOY_GATEWAY_CONTROLLER_NAME,
                parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: PUBLIC_GATEWAY.proxyConfigName, namespace: NAMESPACES.envoyGateway },
            },
        }, { ...crOpts, dependsOn: [...crOpts.dependsOn, this.proxyConfig] });

        if (args.serviceMonitor) {
            const monitor = (suffix: string, selector: Record<string, string>, endpoint: Record<string, string>) =>
                new k8s.apiextensions.CustomResource(`${name}-${suffix}-monitor`, {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: `envoy-gateway-${suffix}`, namespace: chart.namespace, labels: { ...MONITORING_SELECTOR_LABELS } },
                    spec: { selector: { matchLabels: selector }, podMetricsEndpoints: [{ port: "metrics", ...endpoint }] },
                }, crOpts);
            // The controller serves /metrics on its "metrics" port (19001); the proxies serve Envoy's stats there.
            monitor("controller", CONTROLLER_POD_LABELS, { path: "/metrics" });
            monitor("proxy", proxyPods, { path: PROXY_METRICS_PATH });
        }

        this.registerOutputs({
            namespace: this.namespace,
            release: this.release,
            gatewayClassName: this.gatewayClassName,
        });
    }
}
