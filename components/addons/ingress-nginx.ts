import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "./charts";
import { AddonArgs, installChart, resources, zoneSpread } from "./helm-addon";
import { INGRESS_CLASS, MONITORING_SELECTOR_LABELS, NAMESPACES } from "./well-known";

export interface IngressNginxArgs extends AddonArgs {
    /** Controller replicas; 2 or more also gets a PodDisruptionBudget (minAvailable 1). */
    replicas: number;
    /** Create a ServiceMonitor for the controller metrics (needs the prometheus-operator CRDs in `dependsOn`). */
    serviceMonitor: boolean;
}

const RELEASE_NAME = "ingress-nginx";
/** `<release>-controller`: the chart's name for the controller Service (and Deployment). */
export const INGRESS_NGINX_CONTROLLER_SERVICE = `${RELEASE_NAME}-controller`;
/**
 * Labels the chart puts on the controller pods. Only the zone spread selects on them: the app
 * admits ingress-nginx by namespace (INGRESS_PROXY_PODS), since they follow chart overrides.
 */
const CONTROLLER_POD_LABELS = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/instance": RELEASE_NAME,
    "app.kubernetes.io/component": "controller",
};

/** The public address of a LoadBalancer Service: a hostname (AWS NLB) or an IP (Azure LB). */
export function loadBalancerAddressOf(status: k8s.types.output.core.v1.ServiceStatus | undefined): string | undefined {
    const ingress = status?.loadBalancer?.ingress?.[0];
    return ingress?.hostname || ingress?.ip || undefined;
}

/**
 * ingress-nginx: the platform's IngressClass and its public load balancer.
 *
 * The ingress-nginx project is retired upstream (no releases or security fixes
 * after March 2026; CHARTS pins its last line). It stays the default ingress
 * controller; `platform.ingress.controller: envoy-gateway` replaces it with the
 * Gateway API layer (EnvoyGateway, PublicGateway, and the app's HTTPRoute), and
 * `platform.ingress.alsoRun` runs both during the switch (README "Ingress layer").
 */
export class IngressNginx extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** IngressClass to put in `spec.ingressClassName`. */
    public readonly ingressClassName: string;
    /** Hostname (AWS) or IP (Azure) of the controller's load balancer. */
    public readonly loadBalancerAddress: pulumi.Output<string>;

    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:IngressNginx", name, {}, opts);
        if (!Number.isInteger(args.replicas) || args.replicas < 1) {
            throw new Error(`IngressNginx ${name}: replicas must be a positive integer, got ${args.replicas}`);
        }
        const { cluster } = args;
        const provider = cluster.provider;

        const values = {
            controller: {
                replicaCount: args.replicas,
                // The chart renders the PDB only with more than one replica.
                ...(args.replicas >= 2 ? { minAvailable: 1 } : {}),
                // User traffic: runs on the workload pool, spread across zones so a zone loss keeps serving.
                topologySpreadConstraints: zoneSpread(cluster.placement.zoneTopologyKey, CONTROLLER_POD_LABELS),
                // No CPU limit: throttling nginx adds latency to every request.
                resources: resources("200m", "256Mi", undefined, "512Mi"),
                service: {
                    type: "LoadBalancer",
                    // Preserve the client IP (rate limits, audit logs); only nodes with a controller pod receive traffic.
                    externalTrafficPolicy: "Local",
                    // The cloud's L4 load balancer (NLB on EKS, Azure LB probing /healthz on AKS), from the cluster contract.
                    annotations: { ...cluster.publicLoadBalancing.serviceAnnotations },
                },
                metrics: {
                    enabled: args.serviceMonitor,
                    serviceMonitor: { enabled: args.serviceMonitor, additionalLabels: MONITORING_SELECTOR_LABELS },
                },
                // Snippets inject raw nginx config: anyone who can write an Ingress could read every Secret the controller sees.
                allowSnippetAnnotations: false,
                enableAnnotationValidations: true,
                config: {
                    // Medium accepts what the app needs (canary + canary-weight are Low; ssl-redirect,
                    // rewrite-target, proxy-body-size are Medium) and rejects High/Critical ones
                    // (auth-url, mirror, alias, server/configuration snippets). The chart default is High.
                    "annotations-risk-level": "Medium",
                    hsts: "true",
                    "hsts-include-subdomains": "true",
                    "server-tokens": "false",
                    // The L4 load balancers in front set no X-Forwarded-*; trusting client-sent ones would allow spoofing.
                    "use-forwarded-headers": "false",
                    "ssl-protocols": "TLSv1.2 TLSv1.3",
                },
                addHeaders: {
                    "X-Content-Type-Options": "nosniff",
                    "X-Frame-Options": "DENY",
                    "Referrer-Policy": "strict-origin-when-cross-origin",
                },
                ingressClassResource: { name: INGRESS_CLASS, enabled: true, default: true },
                // Validates Ingresses before they reach nginx; helm.v3.Release runs the certgen hook Jobs.
                admissionWebhooks: {
                    enabled: true,
                    createSecretJob: { resources: resources("10m", "64Mi") },
                    patchWebhookJob: { resources: resources("10m", "64Mi") },
                },
            },
        };

        const chart = installChart(this, name, {
            cluster,
            chart: CHARTS.ingressNginx,
            namespace: NAMESPACES.ingress,
            releaseName: RELEASE_NAME,
            values,
            overrides: args.values,
            dependsOn: args.dependsOn,
        });
        this.namespace = chart.namespace;
        this.release = chart.release;
        this.ingressClassName = INGRESS_CLASS;

        // The release waits (Helm --wait) until the LoadBalancer Service has an address,
        // so reading the Service after it finds one.
        const service = k8s.core.v1.Service.get(
            `${name}-controller-svc`,
            pulumi.interpolate`${chart.namespace}/${INGRESS_NGINX_CONTROLLER_SERVICE}`,
            { provider, parent: this, dependsOn: [chart.release] },
        );
        this.loadBalancerAddress = service.status.apply((status) => loadBalancerAddressOf(status) ?? "");

        this.registerOutputs({
            namespace: this.namespace,
            release: this.release,
            ingressClassName: this.ingressClassName,
            loadBalancerAddress: this.loadBalancerAddress,
        });
    }
}
