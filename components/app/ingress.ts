/**
 * Public entry through the shared ingress-nginx: the stable Ingress owns the
 * host, its certificate and its DNS record; the canary Ingress only adds a
 * weighted second backend for the same host (nginx ignores other annotations
 * on a canary and inherits them from the main Ingress).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_ISSUERS, INGRESS_CLASS } from "../addons/well-known";
import { PORT_NAMES, appLabels } from "./layout";
import { AppContext, AppEnvironment } from "./types";

/** dev uses Let's Encrypt staging: its rate limits are generous and its certificates are not trusted. */
export function publicIssuer(environment: AppEnvironment): string {
    return environment === "prod" ? CLUSTER_ISSUERS.letsEncryptProduction : CLUSTER_ISSUERS.letsEncryptStaging;
}

function rules(hostname: string, serviceName: string) {
    return [{
        host: hostname,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: serviceName, port: { name: PORT_NAMES.https } } } }] },
    }];
}

export interface StableIngressArgs {
    hostname: string;
    serviceName: string;
    environment: AppEnvironment;
    /** Secret with the internal CA (ca.crt) nginx verifies Envoy against. */
    trustSecretName: string;
    /** Name on Envoy's certificate that nginx verifies. */
    upstreamServerName: pulumi.Output<string>;
}

export function createStableIngress(ctx: AppContext, args: StableIngressArgs): k8s.networking.v1.Ingress {
    return new k8s.networking.v1.Ingress(`${ctx.prefix}-stable`, {
        metadata: {
            name: ctx.appName,
            namespace: ctx.namespace,
            labels: appLabels(ctx.appName),
            annotations: {
                "cert-manager.io/cluster-issuer": publicIssuer(args.environment),
                "external-dns.alpha.kubernetes.io/hostname": args.hostname,
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
            tls: [{ hosts: [args.hostname], secretName: `${ctx.appName}-public-tls` }],
            rules: rules(args.hostname, args.serviceName),
        },
    }, ctx.opts);
}

export interface CanaryIngressArgs {
    hostname: string;
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
            },
        },
        // No tls block: the main Ingress terminates TLS for the host; a second certificate would fight over the Secret.
        spec: { ingressClassName: INGRESS_CLASS, rules: rules(args.hostname, args.serviceName) },
    }, { ...ctx.opts, dependsOn: [stable] });
}
