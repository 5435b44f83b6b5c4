/**
 * The one pod builder. Stable and canary Deployments and the reconciliation
 * CronJob all come from here, so security contexts, mounts and Vault wiring
 * cannot diverge between them.
 *
 * Serving pod:
 *   initContainers: [vault-agent-init (injected, first)], db-migrate, cache-preloader,
 *                   fluentd-logger (native sidecar: restartPolicy Always)
 *   containers:     financial-service, envoy-proxy, prometheus-agent, [vault-agent (injected)]
 *
 * Why fluentd is a native sidecar (Kubernetes >= 1.29; the clusters run 1.33):
 * the kubelet stops it only after the app has exited, so the app's last log
 * lines are shipped, and in the CronJob it lets the Job complete. Why Envoy and
 * the Prometheus agent are regular containers: the Vault injector mounts
 * /vault/secrets into every init container, and the internet-facing proxy has
 * no business seeing the app's credentials. Envoy's preStop sleep keeps it
 * serving until the app has drained instead.
 */
import * as k8s from "@pulumi/kubernetes";
import { ENVOY_CONFIG_FILE } from "./envoy-config";
import { FLUENTD_CONFIG_FILE } from "./fluentd-config";
import { CONTAINERS, ENVOY_PRESTOP_SECONDS, HEALTH_PATHS, PATHS, PORTS, PORT_NAMES, SHUTDOWN, TERMINATION_GRACE_SECONDS, USERS, appLabels, serverPodSelector, trackPodSelector } from "./layout";
import { AGENT_CONFIG_FILE } from "./prometheus-agent-config";
import { SIDECAR_BUDGETS, requirements } from "./resources";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./security";
import { PLATFORM_ENV } from "./settings";
import { ResourceBudget, SidecarImages, Track, VaultSecretRef } from "./types";
import { vaultAgentAnnotations, vaultTokenVolume } from "./vault";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type EnvVar = k8s.types.input.core.v1.EnvVar;
export type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;

/** Everything the pods share, resolved once by the component. */
export interface PodFoundation {
    appName: string;
    serviceAccountName: string;
    appBudget: ResourceBudget;
    sidecarImages: SidecarImages;
    migrateCommand: string[];
    cachePreloadCommand: string[];
    /** ConfigMap names and the checksums that roll the pods when they change. */
    configMaps: Record<"settings" | "envoy" | "fluentd" | "metricsAgent", { name: string; checksum: string }>;
    envoyTlsSecret: string;
    vault: { role: string; secrets: VaultSecretRef[]; trustSecretName: string };
    zoneTopologyKey: string;
    zoneCount: number;
}

const VOLUMES = {
    tmp: "tmp",
    logs: "app-logs",
    cache: "app-cache",
    envoyConfig: "envoy-config",
    envoyTls: "envoy-tls",
    fluentdConfig: "fluentd-config",
    fluentdBuffer: "fluentd-buffer",
    fluentdTmp: "fluentd-tmp",
    agentConfig: "prometheus-agent-config",
    agentWal: "prometheus-agent-wal",
} as const;

function emptyDir(name: string, sizeLimit: string): Volume {
    return { name, emptyDir: { sizeLimit } };
}

function mount(name: string, mountPath: string, readOnly = false): VolumeMount {
    return { name, mountPath, readOnly };
}

/** POD_NAME, POD_NAMESPACE and APP_TRACK: who is logging or being scraped. */
function podIdentityEnv(track: string): EnvVar[] {
    return [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "APP_TRACK", value: track },
    ];
}

/** A container running the app image: settings via envFrom, the platform env, the app user and budget. */
function appImageContainer(f: PodFoundation, name: string, image: string, track: string, command: string[] | undefined, extraMounts: VolumeMount[]): Container {
    return {
        name,
        image,
        imagePullPolicy: "IfNotPresent",
        ...(command ? { command } : {}),
        envFrom: [{ configMapRef: { name: f.configMaps.settings.name } }],
        env: [...Object.entries(PLATFORM_ENV).map(([envName, value]) => ({ name: envName, value })), ...podIdentityEnv(track)],
        securityContext: restrictedContainerSecurityContext(USERS.app),
        resources: requirements(f.appBudget),
        volumeMounts: [mount(VOLUMES.tmp, PATHS.tmp), mount(VOLUMES.logs, PATHS.logs), ...extraMounts],
    };
}

function migrateContainer(f: PodFoundation, image: string, track: string): Container {
    return appImageContainer(f, CONTAINERS.migrate, image, track, f.migrateCommand, []);
}

function preloadContainer(f: PodFoundation, image: string, track: string): Container {
    return appImageContainer(f, CONTAINERS.preload, image, track, f.cachePreloadCommand, [mount(VOLUMES.cache, PATHS.cache)]);
}

/** The app keeps the image's entrypoint; only Envoy can reach its loopback HTTP port. */
function appContainer(f: PodFoundation, image: string, track: string): Container {
    const base = appImageContainer(f, CONTAINERS.app, image, track, undefined, [mount(VOLUMES.cache, PATHS.cache)]);
    const probe = (path: string) => ({ httpGet: { path, port: PORT_NAMES.metrics, scheme: "HTTP" } });
    return {
        ...base,
        ports: [{ name: PORT_NAMES.metrics, containerPort: PORTS.appMetrics, protocol: "TCP" }],
        // The cache is preloaded, so start-up is quick; 2 minutes covers a cold JIT and connection pools.
        startupProbe: { ...probe(HEALTH_PATHS.live), periodSeconds: 5, failureThreshold: 24, timeoutSeconds: 2 },
        livenessProbe: { ...probe(HEALTH_PATHS.live), periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
        readinessProbe: { ...probe(HEALTH_PATHS.ready), periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
        // Keep serving while Endpoints and nginx drop this pod; SIGTERM comes after.
        lifecycle: { preStop: { sleep: { seconds: SHUTDOWN.endpointPropagation } } },
    };
}

function envoyContainer(f: PodFoundation): Container {
    return {
        name: CONTAINERS.envoy,
        image: f.sidecarImages.envoy,
        imagePullPolicy: "IfNotPresent",
        command: ["envoy"],
        // No hot restart: it needs shared memory and a wrapper; Kubernetes replaces pods instead.
        args: ["--config-path", `${PATHS.envoyConfig}/${ENVOY_CONFIG_FILE}`, "--disable-hot-restart", "--log-level", "info"],
        ports: [
            { name: PORT_NAMES.https, containerPort: PORTS.envoyHttps, protocol: "TCP" },
            { name: PORT_NAMES.envoyHealth, containerPort: PORTS.envoyHealth, protocol: "TCP" },
        ],
        readinessProbe: { httpGet: { path: HEALTH_PATHS.envoyReady, port: PORT_NAMES.envoyHealth, scheme: "HTTP" }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
        livenessProbe: { tcpSocket: { port: PORT_NAMES.https }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
        // Outlive the app: in-flight responses still leave through Envoy.
        lifecycle: { preStop: { sleep: { seconds: ENVOY_PRESTOP_SECONDS } } },
        securityContext: restrictedContainerSecurityContext(USERS.envoy),
        resources: requirements(SIDECAR_BUDGETS.envoy),
        volumeMounts: [mount(VOLUMES.envoyConfig, PATHS.envoyConfig, true), mount(VOLUMES.envoyTls, PATHS.envoyTls, true)],
    };
}

function metricsAgentContainer(f: PodFoundation, track: string): Container {
    return {
        name: CONTAINERS.metricsAgent,
        image: f.sidecarImages.prometheusAgent,
        imagePullPolicy: "IfNotPresent",
        args: [
            "--agent",
            `--config.file=${PATHS.agentConfig}/${AGENT_CONFIG_FILE}`,
            `--storage.agent.path=${PATHS.agentWal}`,
            // Bounded WAL: a long Prometheus outage drops old samples instead of filling the volume.
            "--storage.agent.retention.max-time=2h",
            // Nothing outside the pod needs the agent's own API.
            `--web.listen-address=127.0.0.1:${PORTS.agentWeb}`,
        ],
        env: podIdentityEnv(track),
        securityContext: restrictedContainerSecurityContext(USERS.metricsAgent),
        resources: requirements(SIDECAR_BUDGETS.metricsAgent),
        volumeMounts: [mount(VOLUMES.agentConfig, PATHS.agentConfig, true), mount(VOLUMES.agentWal, PATHS.agentWal)],
    };
}

/** Native sidecar (restartPolicy Always in initContainers): starts before, stops after the app. */
function loggerSidecar(f: PodFoundation, track: string): Container {
    return {
        name: CONTAINERS.logger,
        image: f.sidecarImages.fluentd,
        imagePullPolicy: "IfNotPresent",
        restartPolicy: "Always",
        env: [{ name: "FLUENTD_CONF", value: FLUENTD_CONFIG_FILE }, { name: "HOME", value: PATHS.tmp }, ...podIdentityEnv(track)],
        securityContext: restrictedContainerSecurityContext(USERS.logger),
        resources: requirements(SIDECAR_BUDGETS.logger),
        volumeMounts: [
            mount(VOLUMES.fluentdConfig, PATHS.fluentdConfig, true),
            mount(VOLUMES.logs, PATHS.logs, true),
            mount(VOLUMES.fluentdBuffer, PATHS.fluentdBuffer),
            mount(VOLUMES.fluentdTmp, PATHS.tmp),
        ],
    };
}

function loggerVolumes(f: PodFoundation): Volume[] {
    return [
        { name: VOLUMES.fluentdConfig, configMap: { name: f.configMaps.fluentd.name } },
        // Above fluentd's total_limit_size (400MB), so back-pressure comes before eviction.
        emptyDir(VOLUMES.fluentdBuffer, "512Mi"),
        emptyDir(VOLUMES.fluentdTmp, "64Mi"),
    ];
}

function sharedPodSpec(f: PodFoundation) {
    return {
        serviceAccountName: f.serviceAccountName,
        // Only the Vault agent authenticates, with its own projected token (vault.ts).
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(),
        terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    };
}

function checksumAnnotations(f: PodFoundation, keys: (keyof PodFoundation["configMaps"])[]): Record<string, string> {
    return Object.fromEntries(keys.map((key) => [`checksum/${f.configMaps[key].name}`, f.configMaps[key].checksum]));
}

/** A serving pod of one track. Stable and canary differ only in track and image. */
export function serverPodTemplate(f: PodFoundation, track: Track, image: string): PodTemplate {
    return {
        metadata: {
            labels: { ...appLabels(f.appName), ...serverPodSelector(f.appName), track },
            annotations: {
                "kubectl.kubernetes.io/default-container": CONTAINERS.app,
                ...checksumAnnotations(f, ["settings", "envoy", "fluentd", "metricsAgent"]),
                ...vaultAgentAnnotations({ ...f.vault, mode: "sidecar", secretConsumers: [CONTAINERS.app] }),
            },
        },
        spec: {
            ...sharedPodSpec(f),
            initContainers: [migrateContainer(f, image, track), preloadContainer(f, image, track), loggerSidecar(f, track)],
            containers: [appContainer(f, image, track), envoyContainer(f), metricsAgentContainer(f, track)],
            volumes: [
                emptyDir(VOLUMES.tmp, "256Mi"),
                emptyDir(VOLUMES.logs, "1Gi"),
                emptyDir(VOLUMES.cache, "2Gi"),
                { name: VOLUMES.envoyConfig, configMap: { name: f.configMaps.envoy.name } },
                { name: VOLUMES.envoyTls, secret: { secretName: f.envoyTlsSecret, defaultMode: 0o440 } },
                ...loggerVolumes(f),
                { name: VOLUMES.agentConfig, configMap: { name: f.configMaps.metricsAgent.name } },
                emptyDir(VOLUMES.agentWal, "1Gi"),
                vaultTokenVolume(),
            ],
            topologySpreadConstraints: [
                {
                    // A zone outage takes at most its share of the pods.
                    maxSkew: 1,
                    topologyKey: f.zoneTopologyKey,
                    whenUnsatisfiable: "DoNotSchedule",
                    minDomains: f.zoneCount,
                    labelSelector: { matchLabels: trackPodSelector(f.appName, track) },
                    // Spread each rollout's ReplicaSet on its own, not old and new pods together.
                    matchLabelKeys: ["pod-template-hash"],
                },
                {
                    maxSkew: 1,
                    topologyKey: "kubernetes.io/hostname",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: trackPodSelector(f.appName, track) },
                    matchLabelKeys: ["pod-template-hash"],
                },
            ],
        },
    };
}

/**
 * The reconciliation Job's pod: the same image, user, settings and Vault role as
 * the stable track; the Vault agent only pre-populates so the Job can finish.
 */
export function reconciliationPodTemplate(f: PodFoundation, image: string, command: string[]): PodTemplate {
    const track = "stable";
    return {
        metadata: {
            labels: { ...appLabels(f.appName), "app.kubernetes.io/component": "reconciliation" },
            annotations: {
                // No config checksums: every run is a new pod that reads the current ConfigMaps.
                "kubectl.kubernetes.io/default-container": CONTAINERS.reconcile,
                ...vaultAgentAnnotations({ ...f.vault, mode: "init-only", secretConsumers: [CONTAINERS.reconcile] }),
            },
        },
        spec: {
            ...sharedPodSpec(f),
            restartPolicy: "Never",
            initContainers: [loggerSidecar(f, track)],
            containers: [appImageContainer(f, CONTAINERS.reconcile, image, track, command, [])],
            volumes: [emptyDir(VOLUMES.tmp, "256Mi"), emptyDir(VOLUMES.logs, "1Gi"), ...loggerVolumes(f), vaultTokenVolume()],
        },
    };
}
