import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClusterHandle } from "../cluster/contract";
import { PUBLIC_GATEWAY } from "./ingress-controllers";

/** The public names a cluster serves: its own app name, and the pair's global name that Route53 failover points here. */
export interface PublicHostnames {
    /** e.g. app.aws.fin.example.com, published by this cluster's ExternalDNS. */
    cluster: string;
    /** e.g. app.fin.example.com; its records belong to the global failover, never to ExternalDNS. */
    global?: string;
}

/** Where an HTTPRoute attaches: the Gateway and the listeners (one per name) it may use. */
export interface GatewayAttachment {
    name: string;
    namespace: string;
    /** Listener (section) names, by the public name they serve. */
    listeners: { cluster: string; global?: string };
}

export interface PublicGatewayArgs {
    cluster: ClusterHandle;
    gatewayClassName: string;
    hostnames: PublicHostnames;
    /** Namespaces whose HTTPRoutes may attach (the app's); no other namespace can claim the public names. */
    routeNamespaces: string[];
    /** ClusterIssuer that signs the listeners' certificate (cert-manager's Gateway support, DNS-01). */
    issuer: string;
    dependsOn?: pulumi.Resource[];
}

/** Response headers nginx adds (HSTS with subdomains, its default max-age; addHeaders), set on every response. */
const SECURITY_RESPONSE_HEADERS = [
    { name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" },
    { name: "X-Content-Type-Options", value: "nosniff" },
    { name: "X-Frame-Options", value: "DENY" },
    { name: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
];

/**
 * The cluster's one public Gateway: an HTTPS listener per public name, both on
 * one certificate that cert-manager issues for the Gateway (its gateway-shim
 * reads the `cert-manager.io/cluster-issuer` annotation and every listener's
 * hostname and certificateRef), and a ClientTrafficPolicy with what nginx's
 * global config did: TLS 1.2+, HSTS and security headers. No plain-HTTP
 * listener: port 80 is closed rather than redirected.
 *
 * Client IPs: Envoy Gateway's default (no clientIPDetection) uses the TCP peer,
 * which externalTrafficPolicy Local keeps as the real client, and trusts no
 * X-Forwarded-For hop: the same as nginx's `use-forwarded-headers: false`.
 */
export class PublicGateway extends pulumi.ComponentResource {
    public readonly gateway: k8s.apiextensions.CustomResource;
    public readonly clientPolicy: k8s.apiextensions.CustomResource;
    /** What an HTTPRoute's parentRefs name. */
    public readonly attachment: GatewayAttachment;
    /** Hostname (AWS NLB) or IP (Azure LB) of the Gateway's load balancer; ExternalDNS points the cluster's name at it. */
    public readonly loadBalancerAddress: pulumi.Output<string>;

    constructor(name: string, args: PublicGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:PublicGateway", name, {}, opts);
        const { hostnames } = args;
        const childOpts = { parent: this, provider: args.cluster.provider, dependsOn: args.dependsOn ?? [] };
        const names: [string, string][] = [[PUBLIC_GATEWAY.listeners.cluster, hostnames.cluster]];
        if (hostnames.global) names.push([PUBLIC_GATEWAY.listeners.global, hostnames.global]);

        const allowedRoutes = {
            namespaces: args.routeNamespaces.length > 0
                ? { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: args.routeNamespaces }] } }
                : { from: "Same" },
            kinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }],
        };
        this.gateway = new k8s.apiextensions.CustomResource(`${name}-gateway`, {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: {
                name: PUBLIC_GATEWAY.name,
                namespace: PUBLIC_GATEWAY.namespace,
                annotations: {
                    "cert-manager.io/cluster-issuer": args.issuer,
                    // Wait for the cloud load balancer's address, as the ingress-nginx release does for its Service.
                    "pulumi.com/waitFor": "jsonpath={.status.addresses[0].value}",
                },
            },
            spec: {
                gatewayClassName: args.gatewayClassName,
                listeners: names.map(([listener, hostname]) => ({
                    name: listener,
                    hostname,
                    port: 443,
                    protocol: "HTTPS",
                    // Both listeners name one Secret, so cert-manager issues one certificate for both names.
                    tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: PUBLIC_GATEWAY.certificateSecret }] },
                    allowedRoutes,
                })),
            },
            // Declared (never sent) so the Gateway's status, which the provider reads back, is an output.
            status: undefined,
        }, childOpts);

        this.clientPolicy = new k8s.apiextensions.CustomResource(`${name}-client-policy`, {
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "ClientTrafficPolicy",
            metadata: { name: PUBLIC_GATEWAY.name, namespace: PUBLIC_GATEWAY.namespace },
            spec: {
                targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: PUBLIC_GATEWAY.name }],
                tls: { minVersion: "1.2" },
                headers: { lateResponseHeaders: { set: SECURITY_RESPONSE_HEADERS } },
            },
        }, { ...childOpts, dependsOn: [...childOpts.dependsOn, this.gateway] });

        this.attachment = {
            name: PUBLIC_GATEWAY.name,
            namespace: PUBLIC_GATEWAY.namespace,
            listeners: { cluster: PUBLIC_GATEWAY.listeners.cluster, ...(hostnames.global ? { global: PUBLIC_GATEWAY.listeners.global } : {}) },
        };
        const status = (this.gateway as unknown as { status: pulumi.Output<{ addresses?: { value?: string }[] } | undefined> }).status;
        this.loadBalancerAddress = status.apply((s) => s?.addresses?.[0]?.value ?? "");

        this.registerOutputs({ attachment: this.attachment, loadBalancerAddress: this.loadBalancerAddress });
    }
}
