/**
 * In-cluster TLS from the internal CA (cert-manager ClusterIssuer
 * CLUSTER_ISSUERS.internalCa). Two certificates, each with one job:
 *  - the Envoy serving certificate, for the names nginx dials;
 *  - a client certificate whose Secret carries the internal CA (`ca.crt`): the
 *    Vault agent verifies Vault with it, and nginx verifies Envoy with it.
 *    Keeping it separate means neither the Vault agent nor nginx ever mounts
 *    Envoy's serving key.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_ISSUERS } from "../addons/well-known";
import { appLabels } from "./layout";
import { AppContext } from "./types";

const INTERNAL_ISSUER = { name: CLUSTER_ISSUERS.internalCa, kind: "ClusterIssuer", group: "cert-manager.io" } as const;

/** 90-day certificates renewed 30 days early; Envoy reloads them without a restart (SDS watch). */
const LIFETIME = { duration: "2160h", renewBefore: "720h" } as const;

export interface InternalTls {
    /** Secret mounted by Envoy (tls.crt, tls.key). */
    envoySecretName: string;
    /** Secret whose ca.crt is the internal CA (Vault agent `tls-secret`, nginx `proxy-ssl-secret`). */
    trustSecretName: string;
    /** The name nginx verifies on Envoy's certificate. */
    upstreamServerName: pulumi.Output<string>;
    certificates: k8s.apiextensions.CustomResource[];
}

/** All DNS names of a Service, short to fully qualified. */
export function serviceDnsNames(service: string, namespace: string): string[] {
    return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/**
 * Both certificates. `serviceNames` are the stable and canary Services: both
 * tracks mount the same Secret, so one certificate covers whichever nginx dials.
 */
export function createInternalTls(ctx: AppContext, serviceNames: string[], dependsOn: pulumi.Resource[]): InternalTls {
    const envoySecretName = `${ctx.appName}-envoy-tls`;
    const trustSecretName = `${ctx.appName}-internal-trust`;
    const opts = { ...ctx.opts, dependsOn };

    /** An internal-CA certificate into Secret `secretName`: ECDSA P-256, key rotated on every renewal. */
    const certificate = (suffix: string, secretName: string, subject: Record<string, unknown>, usages: string[]) =>
        new k8s.apiextensions.CustomResource(`${ctx.prefix}-${suffix}`, {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: secretName, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
            spec: {
                secretName,
                issuerRef: INTERNAL_ISSUER,
                ...subject,
                usages,
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                ...LIFETIME,
            },
        }, opts);

    const envoy = certificate("envoy-tls", envoySecretName,
        { dnsNames: ctx.namespace.apply((ns) => serviceNames.flatMap((service) => serviceDnsNames(service, ns))) },
        ["server auth", "digital signature", "key encipherment"]);
    const trust = certificate("internal-trust", trustSecretName,
        { commonName: ctx.namespace.apply((ns) => `${ctx.appName}.${ns}.client`) },
        ["client auth", "digital signature"]);

    return {
        envoySecretName,
        trustSecretName,
        upstreamServerName: ctx.namespace.apply((ns) => `${serviceNames[0]}.${ns}.svc`),
        certificates: [envoy, trust],
    };
}
