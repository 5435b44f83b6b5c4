/**
 * Public entry through the shared ingress-nginx: the stable Ingress owns the
 * host (and its aliases), their one certificate and the host's DNS record; the
 * canary Ingress only adds a weighted second backend for the same hosts (nginx
 * ignores other annotations on a canary and inherits them from the main Ingress).
 *
 * ExternalDNS publishes only the cluster's own host: by default it would publish
 * every rule and TLS host as well as the hostname annotation; with
 * `ingress-hostname-source: annotation-only` it publishes the annotation alone.
 * The aliases (the pair's global name) belong to the Route53 failover records.
 * While ingress-nginx only runs beside the serving controller (a migration), the
 * Ingress keeps serving but drops the hostname annotation: it publishes nothing.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_ISSUERS, INGRESS_CLASS } from "../addons/well-known";
import { nginxEdgeAnnotations } from "./edge";
import { PORT_NAMES, appLabels } from "./layout";
import { AppContext, AppEnvironment, EdgeLimits } from "./types";

/** dev uses Let's Encrypt staging: its rate limits are generous and its certificates are not trusted. */
export function publicIssuer(environment: AppEnvironment): string {
    return environment === "prod" ? CLUSTER_ISSUERS.letsEncryptProduction : CLUSTER_ISSUERS.letsEncryptStaging;
}

/** ExternalDNS (v0.21) reads hosts from this annotation only, never from the rules or the TLS section. */
export const EXTERNAL_DNS_ANNOTATION_ONLY = { "external-dns.alpha.kubernetes.io/ingress-hostname-source": "annotation-only" } as const;

function rules(hosts: string[], serviceName: string) {
    return hosts.map((host) => ({
        host,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: serviceName, port: { name: PORT_NAMES.https } } } }] },
    }));
}

export interface StableIngressArgs {
    hostname: string;
    /** Extra hosts on the same backend and certificate; never published by ExternalDNS. */
    aliases: string[];
    serviceName: string;
    environment: AppEnvironment;
    /** Secret with the internal CA (ca.crt) nginx verifies Envoy against. */
    trustSecretName: string;
    /** Name on Envoy's certificate that nginx verifies. */
    upstreamServerName: pulumi.Output<string>;
    /** Carry the ExternalDNS hostname annotation: true only while ingress-nginx serves. */
    publish: boolean;
    edge: EdgeLimits;
}

export function createStableIngress(ctx: AppContext, args: StableIngressArgs): k8s.networking.v1.Ingress {
    const hosts = [args.hostname, ...args.aliases];
    return new k8s.networking.v1.Ingress(`${ctx.prefix}-stable`, {
        metadata: {
            name: ctx.appName,
            namespace: ctx.namespace,
            labels: appLabels(ctx.appName),
            annotations: {
                "cert-manager.io/cluster-issuer": publicIssuer(args.environment),
                ...(args.publish ? { "external-dns.alpha.kubernetes.io/hostname": args.hostname } : {}),
                ...EXTERNAL_DNS_ANNOTATION_ONLY,
                ...nginxEdgeAnnotations(args.edge),
                // nginx → Envoy is TLS too, and nginx checks Envoy's certificate against the internal CA.
                "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
                "nginx.ingress.kubernetes.io/proxy-ssl-verify": "on",
                "nginx.ingress.kubernetes.io/proxy-ssl-secret": pulumi.interpolate`${ctx.namespace}/${args.trustSecretName}`,
                "nginx.ingress.kubernetes.io/proxy-ssl-name": args.upstreamServerName,
                "nginx.ingress.kubernetes.io/proxy-ssl-server-name": "on",
            },
        },
        spec: {
            ingressClassName: INGRESS_CLASS,
            // One certificate (cert-manager's ingress-shim) for the host and every alias.
            tls: [{ hosts, secretName: `${ctx.appName}-public-tls` }],
            rules: rules(hosts, args.serviceName),
        },
    }, ctx.opts);
}

export interface CanaryIngressArgs {
    hostname: string;
    /** The stable Ingress's aliases, so the canary weight applies to them too. */
    aliases: string[];
    serviceName: string;
    /** Percent of requests, 1..100. */
    weight: number;
}

export function createCanaryIngress(ctx: AppContext, args: CanaryIngressArgs, stable: k8s.networking.v1.Ingress): k8s.networking.v1.Ingress {
    return new k8s.networking.v1.Ingress(`${ctx.prefix}-canary`, {
        metadata: {
            name: `${ctx.appName}-canary`,
            namespace: ctx.namespace,
            labels: appLabels(ctx.appName),
            annotations: {
                "nginx.ingress.kubernetes.io/canary": "true",
                "nginx.ingress.kubernetes.io/canary-weight": String(args.weight),
                // No hostname annotation: ExternalDNS publishes nothing for the canary; the stable Ingress owns the record.
                ...EXTERNAL_DNS_ANNOTATION_ONLY,
            },
        },
        // No tls block: the main Ingress terminates TLS for the host; a second certificate would fight over the Secret.
        spec: { ingressClassName: INGRESS_CLASS, rules: rules([args.hostname, ...args.aliases], args.serviceName) },
    }, { ...ctx.opts, dependsOn: [stable] });
}
