import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels } from "./layout";
import { jobPodBudget, largestContainer, scaleBudget, serverPodBudget, sumBudgets } from "./resources";
import { podSecurityLabels } from "../cluster/pod-security";
import { AppContext, CanaryArgs, AppSizing, ResourceBudget } from "./types";

export interface NamespaceArgs {
    name: string;
    appName: string;
    kubernetesVersion: string;
    /** The cluster's side of the pair, as a label dashboards and on-call tooling can select on. */
    role: string;
    dependsOn: pulumi.Resource[];
}

/** Label carrying the cluster's DR role; it changes in place on a failover. */
export const DR_ROLE_LABEL = "platform.finplat.io/dr-role";

/** The app's namespace, enforcing Pod Security Standards `restricted`. */
export function createNamespace(prefix: string, args: NamespaceArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(`${prefix}-ns`, {
        metadata: {
            name: args.name,
            labels: { ...appLabels(args.appName), ...podSecurityLabels(args.kubernetesVersion), [DR_ROLE_LABEL]: args.role },
        },
    }, { ...opts, dependsOn: args.dependsOn });
}

/**
 * How many pods may exist at once at full size: the stable track at maxReplicas
 * plus its rolling-update surge (25%), the canary and its surge, and one
 * reconciliation Job.
 */
export function podSlots(sizing: AppSizing, canary: CanaryArgs): { servers: number; jobs: number } {
    const stable = sizing.maxReplicas + Math.ceil(sizing.maxReplicas * 0.25);
    const canarySlots = canary.weight > 0 ? canary.replicas + 1 : 0;
    return { servers: stable + canarySlots, jobs: 1 };
}

function cpu(millis: number): string {
    return `${millis}m`;
}

function memory(mebibytes: number): string {
    return `${mebibytes}Mi`;
}

/**
 * The quota is computed from the same budgets the containers get, so it fits
 * full size exactly and nothing else: no LoadBalancer or NodePort Services
 * (traffic enters only through the shared ingress controller).
 */
export function quotaFor(appBudget: ResourceBudget, sizing: AppSizing, canary: CanaryArgs) {
    const slots = podSlots(sizing, canary);
    const total = sumBudgets([scaleBudget(serverPodBudget(appBudget), slots.servers), scaleBudget(jobPodBudget(appBudget), slots.jobs)]);
    return {
        pods: String(slots.servers + slots.jobs),
        "requests.cpu": cpu(total.cpuRequestMillis),
        "requests.memory": memory(total.memoryRequestMiB),
        "limits.cpu": cpu(total.cpuLimitMillis),
        "limits.memory": memory(total.memoryLimitMiB),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    };
}

export function createQuotaAndLimits(ctx: AppContext, appBudget: ResourceBudget, sizing: AppSizing, canary: CanaryArgs) {
    const quota = new k8s.core.v1.ResourceQuota(`${ctx.prefix}-quota`, {
        metadata: { name: `${ctx.appName}-quota`, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        spec: { hard: quotaFor(appBudget, sizing, canary) },
    }, ctx.opts);

    // Defaults for any container that states nothing; the maximum is our largest container.
    const largest = largestContainer(appBudget);
    const limitRange = new k8s.core.v1.LimitRange(`${ctx.prefix}-limits`, {
        metadata: { name: `${ctx.appName}-limits`, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        spec: {
            limits: [{
                type: "Container",
                defaultRequest: { cpu: "50m", memory: "64Mi" },
                default: { cpu: "250m", memory: "128Mi" },
                max: { cpu: cpu(largest.cpuLimitMillis), memory: memory(largest.memoryLimitMiB) },
            }],
        },
    }, ctx.opts);
    return { quota, limitRange };
}
