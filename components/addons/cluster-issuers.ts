import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClusterHandle, DnsZoneInfo } from "../cluster/contract";
import { CLUSTER_ISSUERS, NAMESPACES } from "./well-known";

export interface ClusterIssuersArgs {
    cluster: ClusterHandle;
    /** The cert-manager Release: it installs the CRDs and the webhook every issuer needs. */
    certManagerRelease: pulumi.Resource;
    /** Contact address Let's Encrypt registers the ACME accounts with (expiry and policy mail). */
    acmeEmail: string;
    /**
     * Principal of cert-manager's workload identity (from grantWorkloadIdentity):
     * the managed identity client id on Azure; unused on AWS, where IRSA credentials are ambient.
     */
    dnsIdentityPrincipalId: pulumi.Output<string>;
    /** Also solve DNS-01 for the pair's global name, in the Route53 root zone (see GlobalNameChallengeSolver). */
    globalName?: GlobalNameChallengeSolver;
    /** Resources the global-name solver needs before it can work (cert-manager's token-request RBAC). */
    globalNamePrerequisites?: pulumi.Resource[];
}

/**
 * DNS-01 for the global name (e.g. app.fin.example.com), which lives in the Route53 root zone,
 * not in either cluster's own zone. The same on EKS and AKS: cert-manager requests a token for
 * `serviceAccount` and exchanges it with AssumeRoleWithWebIdentity for `roleArn`; no ambient
 * identity of the pod is used.
 */
export interface GlobalNameChallengeSolver {
    /** The global name; the solver is selected for exactly this DNS name. */
    hostname: string;
    /** Route53 root zone id (GlobalFailover.rootZoneId). */
    rootZoneId: pulumi.Input<string>;
    /** Role that may write only the TXT `_acme-challenge.<hostname>` (GlobalNameChallengeAccess.roleArn). */
    roleArn: pulumi.Input<string>;
    /** AWS region hint for the STS and Route53 clients. */
    region: string;
    /** ServiceAccount (in cert-manager's namespace) cert-manager requests the token for. */
    serviceAccount: string;
}

const ACME_SERVERS = {
    [CLUSTER_ISSUERS.letsEncryptStaging]: "https://acme-staging-v02.api.letsencrypt.org/directory",
    [CLUSTER_ISSUERS.letsEncryptProduction]: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** Bootstraps the internal CA only; nothing else should use it. */
export const INTERNAL_CA_BOOTSTRAP_ISSUER = `${CLUSTER_ISSUERS.internalCa}-selfsigned`;
/** Secret (in the cert-manager namespace, its cluster resource namespace) holding the internal CA key pair. */
export const INTERNAL_CA_SECRET = "internal-ca-root";

/**
 * DNS-01 solver for this cluster's zone. No credentials in the issuer: cert-manager
 * uses its workload identity (ClusterIssuers may use ambient credentials by default).
 */
export function dns01Solver(dns: DnsZoneInfo, identityPrincipalId: pulumi.Output<string>) {
    switch (dns.provider) {
        case "route53":
            return { route53: { region: dns.region, hostedZoneID: dns.zoneId } };
        case "azure-dns":
            return {
                azureDNS: {
                    subscriptionID: dns.subscriptionId,
                    resourceGroupName: dns.resourceGroupName,
                    hostedZoneName: dns.zoneName,
                    environment: "AzurePublicCloud",
                    managedIdentity: { clientID: identityPrincipalId },
                },
            };
        default: {
            const unhandled: never = dns;
            throw new Error(`unsupported DNS provider: ${JSON.stringify(unhandled)}`);
        }
    }
}

/** The second ACME solver: `dnsNames` is more specific than the own-zone `dnsZones`, and only matches the global name. */
export function globalNameSolver(globalName: GlobalNameChallengeSolver) {
    return {
        selector: { dnsNames: [globalName.hostname] },
        dns01: {
            route53: {
                region: globalName.region,
                hostedZoneID: globalName.rootZoneId,
                role: globalName.roleArn,
                auth: { kubernetes: { serviceAccountRef: { name: globalName.serviceAccount } } },
            },
        },
    };
}

/**
 * The cluster's certificate issuers:
 * - Let's Encrypt staging and production (ACME DNS-01 in the cluster's own zone),
 *   so public certificates are issued before traffic ever reaches the cluster,
 *   which matters for the passive cluster of the pair;
 *   plus, with `globalName`, a second solver for the pair's global name in the root zone;
 * - an internal CA for in-cluster TLS: self-signed issuer → CA Certificate → CA issuer.
 */
export class ClusterIssuers extends pulumi.ComponentResource {
    public readonly letsEncryptStaging: k8s.apiextensions.CustomResource;
    public readonly letsEncryptProduction: k8s.apiextensions.CustomResource;
    public readonly internalCaCertificate: k8s.apiextensions.CustomResource;
    public readonly internalCa: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ClusterIssuersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:addons:ClusterIssuers", name, {}, opts);
        const { cluster, certManagerRelease } = args;
        const options = (...after: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
            parent: this,
            provider: cluster.provider,
            dependsOn: [certManagerRelease, ...after],
        });
        const solver = { selector: { dnsZones: [cluster.dns.zoneName] }, dns01: dns01Solver(cluster.dns, args.dnsIdentityPrincipalId) };
        const solvers = args.globalName ? [solver, globalNameSolver(args.globalName)] : [solver];
        const acmeAfter = args.globalName ? args.globalNamePrerequisites ?? [] : [];

        const acmeIssuer = (issuerName: keyof typeof ACME_SERVERS, resourceName: string) =>
            new k8s.apiextensions.CustomResource(`${name}-${resourceName}`, {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: issuerName },
                spec: {
                    acme: {
                        server: ACME_SERVERS[issuerName],
                        email: args.acmeEmail,
                        privateKeySecretRef: { name: `${issuerName}-account-key` },
                        solvers,
                    },
                },
            }, options(...acmeAfter));
        this.letsEncryptStaging = acmeIssuer(CLUSTER_ISSUERS.letsEncryptStaging, "letsencrypt-staging");
        this.letsEncryptProduction = acmeIssuer(CLUSTER_ISSUERS.letsEncryptProduction, "letsencrypt-production");

        const bootstrap = new k8s.apiextensions.CustomResource(`${name}-internal-ca-selfsigned`, {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: INTERNAL_CA_BOOTSTRAP_ISSUER },
            spec: { selfSigned: {} },
        }, options());

        this.internalCaCertificate = new k8s.apiextensions.CustomResource(`${name}-internal-ca-root`, {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            // A CA ClusterIssuer reads its Secret from the cluster resource namespace (cert-manager's own).
            metadata: { name: INTERNAL_CA_SECRET, namespace: NAMESPACES.certManager },
            spec: {
                isCA: true,
                commonName: `${cluster.name} internal CA`,
                secretName: INTERNAL_CA_SECRET,
                // A root is trusted by every in-cluster client; rotating it means redistributing
                // trust, so it lives 10 years and renews a year early. Leaf certificates stay short-lived.
                duration: "87600h",
                renewBefore: "8760h",
                privateKey: { algorithm: "ECDSA", size: 256 },
                issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: INTERNAL_CA_BOOTSTRAP_ISSUER },
            },
        }, options(bootstrap));

        this.internalCa = new k8s.apiextensions.CustomResource(`${name}-internal-ca`, {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: CLUSTER_ISSUERS.internalCa },
            spec: { ca: { secretName: INTERNAL_CA_SECRET } },
        }, options(this.internalCaCertificate));

        this.registerOutputs({
            letsEncryptStaging: this.letsEncryptStaging,
            letsEncryptProduction: this.letsEncryptProduction,
            internalCaCertificate: this.internalCaCertificate,
            internalCa: this.internalCa,
        });
    }
}
