/**
 * Shared set-up for the FinancialApp tests: realistic arguments, one offline
 * evaluation per (cloud, variant), and small readers for recorded objects.
 */
import { DEFAULT_SIDECAR_IMAGES } from "../../components/app/image";
import * as pulumi from "@pulumi/pulumi";
import { FinancialApp } from "../../components/app/financial-app";
import { FinancialAppArgs } from "../../components/app/types";
import { CloudName, ClusterRole } from "../../components/cluster/contract";
import { Evaluation, RecordedResource, evaluate } from "../../commands/offline/harness";
import { fakeCluster } from "../support/fake-cluster";

export const CLOUDS: CloudName[] = ["aws", "azure"];

export type ArgsOverrides = Partial<Omit<FinancialAppArgs, "cluster">>;

export function appArgs(cluster: FinancialAppArgs["cluster"], overrides: ArgsOverrides = {}): FinancialAppArgs {
    return {
        cluster,
        namespace: "financial-app",
        image: { repository: "registry.example.com/fin/financial-app", tag: "2.4.1" },
        environment: "prod",
        sizing: { replicas: 6, minReplicas: 6, maxReplicas: 20, targetCpuUtilization: 70, targetRequestsPerSecond: 50 },
        canary: { weight: 10, tag: "2.5.0-rc1", replicas: 2 },
        hostname: `app.${cluster.dns.zoneName}`,
        database: { cidr: "10.60.0.0/24", port: 5432 },
        migrateCommand: ["python", "manage.py", "migrate", "--noinput"],
        cachePreloadCommand: ["preload-cache", "--data", "/var/cache/app/seed"],
        settings: { LOG_FORMAT: "json", LOG_DIR: "/var/log/app", FEATURE_FLAGS: "ledger-v2" },
        vaultRole: "financial-app",
        vaultSecrets: [
            { name: "database", path: "financial-app/database" },
            { name: "api-keys", path: "financial-app/api-keys" },
        ],
        sidecarImages: { ...DEFAULT_SIDECAR_IMAGES },
        onCallGroup: "oncall-financial-app",
        reconciliationSchedule: "0 2 * * *",
        monitoring: true,
        ...overrides,
    };
}

export interface AppEvaluation {
    ev: Evaluation;
    app: FinancialApp;
    cloud: CloudName;
}

export interface EvaluateOptions {
    role?: ClusterRole;
    /** Logical name of the component. */
    name?: string;
    /** Resources passed as args.dependsOn (stand-ins for add-on releases). */
    withAddOnDependency?: boolean;
}

/** Stands in for an add-on's Helm release (a custom resource) that the app must wait for. */
class AddOnStandIn extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:AddOn", name, {});
    }
}

export async function evaluateApp(cloud: CloudName, overrides: ArgsOverrides = {}, options: EvaluateOptions = {}): Promise<AppEvaluation> {
    let app: FinancialApp | undefined;
    const ev = await evaluate({
        project: "t",
        stack: "t",
        config: {},
        program: () => {
            const cluster = fakeCluster(cloud, options.role ?? "active");
            const dependsOn = options.withAddOnDependency ? [new AddOnStandIn("monitoring-release")] : undefined;
            app = new FinancialApp(options.name ?? `${cloud}-app`, { ...appArgs(cluster, overrides), ...(dependsOn ? { dependsOn } : {}) });
        },
    });
    return { ev, app: app!, cloud };
}

const cache = new Map<string, Promise<AppEvaluation>>();

/** The default evaluation (prod, canary at 10%, monitoring on, an add-on dependency), once per cloud. */
export function defaultEvaluation(cloud: CloudName): Promise<AppEvaluation> {
    if (!cache.has(cloud)) cache.set(cloud, evaluateApp(cloud, {}, { withAddOnDependency: true }));
    return cache.get(cloud)!;
}

export const TYPES = {
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    cronJob: "kubernetes:batch/v1:CronJob",
    configMap: "kubernetes:core/v1:ConfigMap",
    namespace: "kubernetes:core/v1:Namespace",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    quota: "kubernetes:core/v1:ResourceQuota",
    limitRange: "kubernetes:core/v1:LimitRange",
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
    podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    secret: "kubernetes:core/v1:Secret",
} as const;

/** The recorded object whose Kubernetes name is `name`. */
export function objectNamed(ev: Evaluation, type: string, name: string): RecordedResource {
    const found = ev.ofType(type).filter((r) => r.inputs.metadata?.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

export function podSpecOf(workload: RecordedResource): any {
    return workload.type === TYPES.cronJob ? workload.inputs.spec.jobTemplate.spec.template.spec : workload.inputs.spec.template.spec;
}

export function podTemplateOf(workload: RecordedResource): any {
    return workload.type === TYPES.cronJob ? workload.inputs.spec.jobTemplate.spec.template : workload.inputs.spec.template;
}

/** Init containers and containers, in pod order. */
export function allContainers(workload: RecordedResource): any[] {
    const spec = podSpecOf(workload);
    return [...(spec.initContainers ?? []), ...spec.containers];
}

export function containerNamed(workload: RecordedResource, name: string): any {
    const found = allContainers(workload).find((c) => c.name === name);
    if (!found) throw new Error(`no container ${name} in ${workload.name}`);
    return found;
}

export function mountsOf(container: any): Record<string, { volume: string; readOnly: boolean }> {
    return Object.fromEntries((container.volumeMounts ?? []).map((m: any) => [m.mountPath, { volume: m.name, readOnly: m.readOnly === true }]));
}

export function volumeNamed(workload: RecordedResource, name: string): any {
    const found = (podSpecOf(workload).volumes ?? []).find((v: any) => v.name === name);
    if (!found) throw new Error(`no volume ${name} in ${workload.name}`);
    return found;
}

/** The three workloads that run app pods when the canary is on. */
export function appWorkloads(ev: Evaluation): RecordedResource[] {
    return [objectNamed(ev, TYPES.deployment, "financial-app"), objectNamed(ev, TYPES.deployment, "financial-app-canary"), objectNamed(ev, TYPES.cronJob, "financial-app-reconciliation")];
}
