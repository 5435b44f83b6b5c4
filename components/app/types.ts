import * as pulumi from "@pulumi/pulumi";
import { IngressLayer } from "../addons/ingress-controllers";
import { GatewayAttachment } from "../addons/public-gateway";
import { ClusterHandle } from "../cluster/contract";

/** dev tolerates an untagged image and issues staging certificates; prod does neither. */
export type AppEnvironment = "dev" | "prod";

/** Which Deployment a pod belongs to; the ingress controller splits traffic between the two. */
export type Track = "stable" | "canary";

/** The app's container image: exactly one of `tag` or `digest`. */
export interface AppImage {
    /** Registry and repository, e.g. `registry.example.com/fin/financial-app`. */
    repository: string;
    /** An explicit version tag. prod rejects `latest` and a missing tag/digest. */
    tag?: string;
    /** An immutable digest, `sha256:<64 hex>`; wins over any tag drift. */
    digest?: string;
}

/**
 * How big the stable track runs. The caller picks the active or the warm-standby
 * sizing for the cluster's role; the component never looks at the role for this.
 */
export interface AppSizing {
    /** Replicas when the Deployment is created; afterwards the HPA owns the count. */
    replicas: number;
    /** HPA floor; raising it (standby → active) scales up at once. */
    minReplicas: number;
    /** HPA ceiling. */
    maxReplicas: number;
    /** Target CPU utilisation (%) of the financial-service container. */
    targetCpuUtilization: number;
    /** Target requests per second per pod (custom metric, see autoscaling.ts). */
    targetRequestsPerSecond: number;
}

/** The canary track: a second Deployment taking a weighted share of the app's routes. */
export interface CanaryArgs {
    /** Percent of requests (0..100) sent to the canary; 0 creates no canary resources at all. */
    weight: number;
    /** Image tag of the canary (same repository as the app); required when weight > 0. */
    tag?: string;
    /** Canary replicas (fixed; the canary has no HPA). */
    replicas: number;
}

/**
 * Limits at the edge, applied by whichever controller routes to the app: nginx
 * annotations on the Ingress, Envoy Gateway policies on the HTTPRoute.
 */
export interface EdgeLimits {
    /** Longest a request may take end to end (nginx proxy read/send timeouts; Envoy route timeout). */
    requestTimeoutSeconds: number;
    /** Longest the proxy waits to connect to a pod. */
    connectTimeoutSeconds: number;
    /** Largest request body accepted; larger ones get 413. */
    maxRequestBodyMiB: number;
    /**
     * Requests per second each proxy replica lets through. ingress-nginx counts per
     * client IP (limit-rps); Envoy Gateway's local rate limit counts all clients of the
     * route together (per-client counting needs its global rate-limit service). Unset: none.
     */
    requestsPerSecond?: number;
}

/**
 * How users reach the app: the controllers that route to it, the one whose route
 * owns the public record, and (for Envoy Gateway) the Gateway its HTTPRoute attaches to.
 */
export interface PublicEntry extends IngressLayer {
    /** Required when `running` includes envoy-gateway. */
    gateway?: GatewayAttachment;
}

/** A database the app reaches outside the cluster network (egress is opened to exactly this). */
export interface ExternalDatabase {
    mode?: "external";
    /** CIDR of the database subnet or private endpoint. */
    cidr: string;
    /** TCP port. */
    port: number;
}

/**
 * This side's own PostgreSQL, in the same cluster (components/database): egress is opened to
 * exactly its pods, and the app is told where it is (DATABASE_HOST, DATABASE_PORT, DATABASE_NAME
 * in its settings; the credential comes from Vault like every secret).
 */
export interface InClusterDatabase {
    mode: "in-cluster";
    /** The read-write Service, e.g. `app-db-aws-rw.database.svc`: it always points at the primary. */
    host: string;
    port: number;
    /** Database name. */
    name: string;
    /** Namespace of the database pods. */
    namespace: string;
    /** Labels of exactly the database pods, e.g. `{ "cnpg.io/cluster": "app-db-aws" }`. */
    podLabels: Record<string, string>;
}

/** The one database the app may reach. */
export type DatabaseEndpoint = ExternalDatabase | InClusterDatabase;

/**
 * A Vault KV v2 secret rendered by the Vault agent into `/vault/secrets/<name>`
 * as an env file (`KEY="value"` per line). Only the path is in the program.
 */
export interface VaultSecretRef {
    /** File name under /vault/secrets; lowercase letters, digits and dashes. */
    name: string;
    /** Path inside the KV v2 mount (`VAULT.kvMount`), e.g. `financial-app/database`. */
    path: string;
}

/** Pinned images of the sidecars and the debug container (a tag or digest, never `latest` in prod). */
export interface SidecarImages {
    /** Envoy proxy that terminates TLS in front of the app. */
    envoy: string;
    /** Fluentd with the Elasticsearch output plugin (fluentd-kubernetes-daemonset elasticsearch8 image). */
    fluentd: string;
    /** Prometheus (v3) run with `--agent`. */
    prometheusAgent: string;
    /** Image for `kubectl debug` ephemeral containers. */
    debug: string;
}

/** Requests and limits of one container, in millicores and MiB so budgets can be summed. */
export interface ResourceBudget {
    cpuRequestMillis: number;
    cpuLimitMillis: number;
    memoryRequestMiB: number;
    memoryLimitMiB: number;
}

export interface FinancialAppArgs {
    /** The cluster to deploy to; its provider is used for every resource. */
    cluster: ClusterHandle;
    /** Name of the Kubernetes objects (Deployment, Service, ...); default `financial-app`. */
    name?: string;
    /** Namespace the component creates and owns (Pod Security Standards `restricted`). */
    namespace: string;
    /** The app image; the CronJob and both init containers use exactly this reference. */
    image: AppImage;
    /** dev or prod: image rules and the Let's Encrypt issuer depend on it. */
    environment: AppEnvironment;
    /** Stable-track size for this cluster's role (active or warm standby). */
    sizing: AppSizing;
    /** Canary track; weight 0 removes it. */
    canary: CanaryArgs;
    /** Public host for this cluster, e.g. `app.aws.fin.example.com`; ExternalDNS publishes it from the serving controller's route. */
    hostname: string;
    /**
     * Extra public names served by the same Ingress and certificate, e.g. the pair's global name
     * `app.fin.example.com` that Route53 failover points at this cluster. Each gets a rule with the
     * same backend and is listed in the one TLS secret; ExternalDNS never publishes them (the
     * global failover records own them), only `hostname`.
     */
    aliases?: string[];
    /**
     * Which ingress controllers route to the app and which one publishes `hostname`;
     * default ingress-nginx alone. Two controllers only while migrating between them.
     */
    publicEntry?: PublicEntry;
    /** Edge limits (timeouts, body size, rate); default DEFAULT_EDGE_LIMITS (nginx's own defaults). */
    edge?: EdgeLimits;
    /**
     * Path the Route53 health checks probe on `https://<hostname><healthCheckPath>`; default `/healthz`.
     * Envoy forwards exactly this path (exact match, nothing below it) to the app's management
     * listener (port 9102), which must serve it; every other path, `/metrics` included, still goes
     * to the business port. Must start with `/` and must not be `/` or `/metrics`. Keep it equal to
     * the failover health-check path.
     */
    healthCheckPath?: string;
    /** The one database the app may reach. */
    database: DatabaseEndpoint;
    /** First init container: schema migration, run with the app image. */
    migrateCommand: string[];
    /** Second init container: fills the shared cache volume before the app starts. */
    cachePreloadCommand: string[];
    /** Nightly reconciliation command run by the CronJob (app image); default `["reconcile"]`. */
    reconciliationCommand?: string[];
    /** Non-secret settings, delivered as a ConfigMap through `envFrom`. Keys that look like secrets are rejected. */
    settings: Record<string, string>;
    /** Vault Kubernetes-auth role the pods' ServiceAccount logs in as. */
    vaultRole: string;
    /** Secrets the Vault agent renders for the app. Paths only, never values. */
    vaultSecrets: VaultSecretRef[];
    /** Pinned sidecar images. */
    sidecarImages: SidecarImages;
    /** Group (as the cluster's authenticator names it) allowed to attach ephemeral debug containers. */
    onCallGroup: string;
    /** Cron schedule (UTC) of the nightly reconciliation CronJob. */
    reconciliationSchedule: string;
    /**
     * Run the reconciliation CronJob here; default: only when `cluster.role` is active,
     * so the warm standby never reconciles against its replica database. Changing it suspends, never deletes.
     */
    runAdminJobs?: boolean;
    /** Create the PodMonitor and PrometheusRule (needs the prometheus-operator CRDs) and scale on requests per second. */
    monitoring: boolean;
    /**
     * Where the Prometheus agent sidecar remote-writes: one URL per platform Prometheus
     * replica (Monitoring.remoteWriteReplicaUrls), so every replica holds every sample.
     * Defaults to the Prometheus Service, which is right for a single replica.
     */
    remoteWriteUrls?: string[];
    /** Requests/limits of the financial-service container (and the init containers and CronJob, which run the same image). */
    appResources?: ResourceBudget;
    /**
     * Let `pulumi up` wait for the Deployments to become ready; default true. Set false while
     * Vault is not yet configured for the app (Kubernetes-auth role, policies; README
     * "Vault bootstrap"): the pods wait in vault-agent-init until then, and waiting would time
     * out the first `up`. false puts `pulumi.com/skipAwait: "true"` on the Deployments' and the
     * CronJob's own metadata (not the pod template, so flipping it back never restarts pods);
     * the pods start by themselves once Vault is configured.
     */
    awaitReadiness?: boolean;
    /** Add-on releases that must exist first (cert-manager, Vault injector, the ingress layer, kube-prometheus-stack). */
    dependsOn?: pulumi.Resource[];
}

/** What every builder needs to create a child resource of the component. */
export interface AppContext {
    /** Prefix for Pulumi logical names (the component's name), so two clusters never collide. */
    prefix: string;
    /** Name of the Kubernetes objects. */
    appName: string;
    /** Namespace, as an output of the Namespace resource so every child waits for it. */
    namespace: pulumi.Output<string>;
    /** Parent and provider for every child. */
    opts: pulumi.CustomResourceOptions;
}
