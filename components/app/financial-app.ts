/**
 * The financial services app on one cluster: its namespace (PSS restricted,
 * quota, default-deny network), the stable track and optional canary, TLS end to
 * end, Vault-injected secrets, autoscaling, the nightly reconciliation job,
 * ephemeral-debug access and monitoring. Every concern lives in its own file in
 * this directory; this class only wires them together.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_RECONCILIATION_COMMAND, createReconciliationCronJob } from "./admin-jobs";
import { createAutoscaling } from "./autoscaling";
import { createCanary } from "./canary";
import { createConfigMap } from "./config-maps";
import { createDebugAccess, debugCommand, labelSelector } from "./debug-access";
import { envoyConfigData } from "./envoy-config";
import { fluentdConfigData } from "./fluentd-config";
import { imageReference } from "./image";
import { DEFAULT_EDGE_LIMITS } from "./edge";
import { DEFAULT_HEALTH_CHECK_PATH, appLabels, trackPodSelector } from "./layout";
import { createMonitoring } from "./monitoring";
import { createNamespace, createQuotaAndLimits } from "./namespace";
import { createNetworkPolicies } from "./network-policies";
import { databaseSettings } from "./settings";
import { PodFoundation } from "./pod-spec";
import { DEFAULT_PUBLIC_ENTRY, createPublicRoutes } from "./public-entry";
import { prometheusAgentConfigData } from "./prometheus-agent-config";
import { DEFAULT_APP_BUDGET } from "./resources";
import { createInternalTls } from "./tls";
import { AppContext, FinancialAppArgs } from "./types";
import { assertValidArgs } from "./validation";
import { vaultKvPathsFor, vaultReadPaths } from "./vault";
import { createTrack, trackObjectName } from "./workload";

export { vaultKvPathsFor } from "./vault";

export const DEFAULT_APP_NAME = "financial-app";

/**
 * The ServiceAccount the app's pods (and so the Vault agent) run as, for a given
 * `FinancialAppArgs.name`. Pure: a stack can create the Vault Kubernetes-auth role
 * bound to it before the app exists and pass that role in `dependsOn`.
 */
export function appServiceAccountName(appName: string = DEFAULT_APP_NAME): string {
    return appName;
}

export class FinancialApp extends pulumi.ComponentResource {
    /** The app's namespace. */
    public readonly namespace: pulumi.Output<string>;
    /** The stable Service (port 443 → Envoy); the routes' backend. */
    public readonly serviceName: pulumi.Output<string>;
    /** The public host of this cluster's copy of the app. */
    public readonly hostname: string;
    public readonly stableDeploymentName: pulumi.Output<string>;
    /** Undefined when canary.weight is 0 (no canary resources exist). */
    public readonly canaryDeploymentName: pulumi.Output<string> | undefined;
    public readonly hpaName: pulumi.Output<string>;
    /** The image reference every stable pod and the CronJob run. */
    public readonly imageReference: string;
    /** ServiceAccount the Vault Kubernetes-auth role must bind (with `namespace`). */
    public readonly serviceAccountName: string;
    /** KV v2 paths the Vault role's policy must allow `read` on, and nothing else. */
    public readonly vaultReadPaths: string[];
    /** The same paths relative to the KV mount, as VaultConfiguration's app access takes them. */
    public readonly vaultKvPaths: string[];
    /** The exact `kubectl debug` command for on-call engineers (quoted in the README). */
    public readonly debugCommand: string;

    constructor(name: string, args: FinancialAppArgs, opts?: pulumi.ComponentResourceOptions) {
        assertValidArgs(name, args);
        super("finplat:app:FinancialApp", name, {}, opts);

        const appName = args.name ?? DEFAULT_APP_NAME;
        const cluster = args.cluster;
        const childOpts: pulumi.CustomResourceOptions = { parent: this, provider: cluster.provider };
        const addOns = args.dependsOn ?? [];
        const appBudget = args.appResources ?? DEFAULT_APP_BUDGET;
        const stableImage = imageReference(args.image);
        const serviceAccountName = appServiceAccountName(appName);
        const awaitReadiness = args.awaitReadiness ?? true;
        const healthCheckPath = args.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH;
        const publicEntry = args.publicEntry ?? DEFAULT_PUBLIC_ENTRY;

        // Everything else is created in this namespace, so it all waits for the add-ons too.
        const ns = createNamespace(name, { name: args.namespace, appName, kubernetesVersion: cluster.kubernetesVersion, role: cluster.role, dependsOn: [...cluster.readiness, ...addOns] }, childOpts);
        const ctx: AppContext = { prefix: name, appName, namespace: ns.metadata.name, opts: childOpts };

        createQuotaAndLimits(ctx, appBudget, args.sizing, args.canary);
        createNetworkPolicies(ctx, args.database, publicEntry.running);

        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: serviceAccountName, namespace: ctx.namespace, labels: appLabels(appName) },
            // The app never calls the Kubernetes API; the Vault agent gets its own projected token.
            automountServiceAccountToken: false,
        }, childOpts);

        const configMaps = {
            settings: createConfigMap(ctx, "settings", { ...args.settings, ...databaseSettings(args.database) }),
            envoy: createConfigMap(ctx, "envoy", envoyConfigData(appName, healthCheckPath)),
            fluentd: createConfigMap(ctx, "fluentd", fluentdConfigData(appName)),
            metricsAgent: createConfigMap(ctx, "prometheus-agent", prometheusAgentConfigData(appName, args.remoteWriteUrls)),
        };
        const tls = createInternalTls(ctx, [trackObjectName(appName, "stable"), trackObjectName(appName, "canary")], addOns);

        const foundation: PodFoundation = {
            appName,
            serviceAccountName,
            appBudget,
            sidecarImages: args.sidecarImages,
            migrateCommand: args.migrateCommand,
            cachePreloadCommand: args.cachePreloadCommand,
            configMaps,
            envoyTlsSecret: tls.envoySecretName,
            vault: { role: args.vaultRole, secrets: args.vaultSecrets, trustSecretName: tls.trustSecretName },
            zoneTopologyKey: cluster.placement.zoneTopologyKey,
            zoneCount: Math.max(1, cluster.placement.zones.length),
        };
        // Pods reference these by name only; wait for them so pods never start half-configured.
        const workloadCtx: AppContext = {
            ...ctx,
            opts: { ...childOpts, dependsOn: [serviceAccount, ...tls.certificates, ...Object.values(configMaps).map((c) => c.configMap)] },
        };

        const stable = createTrack(workloadCtx, foundation, { track: "stable", image: stableImage, replicas: args.sizing.replicas, replicasOwnedByAutoscaler: true, awaitReadiness });
        const canary = createCanary(workloadCtx, foundation, { canary: args.canary, image: args.image, awaitReadiness });
        createPublicRoutes(ctx, {
            entry: publicEntry,
            hostname: args.hostname,
            aliases: args.aliases ?? [],
            environment: args.environment,
            stableService: stable.serviceName,
            canary,
            tls,
            edge: args.edge ?? DEFAULT_EDGE_LIMITS,
            dependsOn: [stable.service, ...(canary ? [canary.service] : [])],
        });
        const scaling = createAutoscaling(ctx, { deploymentName: stable.deploymentName, sizing: args.sizing, requestsPerSecond: args.monitoring });

        createReconciliationCronJob(workloadCtx, foundation, {
            image: stableImage,
            schedule: args.reconciliationSchedule,
            command: args.reconciliationCommand ?? DEFAULT_RECONCILIATION_COMMAND,
            enabled: args.runAdminJobs ?? cluster.role === "active",
            awaitReadiness,
        });
        createDebugAccess(ctx, args.onCallGroup);
        if (args.monitoring) createMonitoring(ctx, addOns);

        this.namespace = ns.metadata.name;
        this.serviceName = stable.service.metadata.name;
        this.hostname = args.hostname;
        this.stableDeploymentName = stable.deployment.metadata.name;
        this.canaryDeploymentName = canary?.deployment.metadata.name;
        this.hpaName = scaling.hpa.metadata.name;
        this.imageReference = stableImage;
        this.serviceAccountName = serviceAccountName;
        this.vaultReadPaths = vaultReadPaths(args.vaultSecrets);
        this.vaultKvPaths = vaultKvPathsFor(args.vaultSecrets);
        this.debugCommand = debugCommand(args.namespace, labelSelector(trackPodSelector(appName, "stable")), args.sidecarImages.debug);

        this.registerOutputs({
            namespace: this.namespace,
            serviceName: this.serviceName,
            hostname: this.hostname,
            stableDeploymentName: this.stableDeploymentName,
            canaryDeploymentName: this.canaryDeploymentName,
            hpaName: this.hpaName,
            imageReference: this.imageReference,
            debugCommand: this.debugCommand,
        });
    }
}
