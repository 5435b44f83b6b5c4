/**
 * Requests and limits as numbers, so the namespace quota is computed from the
 * same budgets the containers get instead of being a second guess.
 */
import * as k8s from "@pulumi/kubernetes";
import { ResourceBudget } from "./types";
import { VAULT_AGENT_BUDGET } from "./vault";

/** financial-service (and the init containers and the CronJob, which run the same image). */
export const DEFAULT_APP_BUDGET: ResourceBudget = { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMiB: 512, memoryLimitMiB: 512 };

export const SIDECAR_BUDGETS = {
    envoy: { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMiB: 128, memoryLimitMiB: 128 },
    logger: { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMiB: 256, memoryLimitMiB: 256 },
    metricsAgent: { cpuRequestMillis: 50, cpuLimitMillis: 250, memoryRequestMiB: 128, memoryLimitMiB: 128 },
} as const satisfies Record<string, ResourceBudget>;

export function requirements(budget: ResourceBudget): k8s.types.input.core.v1.ResourceRequirements {
    return {
        requests: { cpu: `${budget.cpuRequestMillis}m`, memory: `${budget.memoryRequestMiB}Mi` },
        limits: { cpu: `${budget.cpuLimitMillis}m`, memory: `${budget.memoryLimitMiB}Mi` },
    };
}

const ZERO: ResourceBudget = { cpuRequestMillis: 0, cpuLimitMillis: 0, memoryRequestMiB: 0, memoryLimitMiB: 0 };
const FIELDS = Object.keys(ZERO) as (keyof ResourceBudget)[];

function combine(budgets: ResourceBudget[], op: (a: number, b: number) => number): ResourceBudget {
    return budgets.reduce((acc, b) => Object.fromEntries(FIELDS.map((f) => [f, op(acc[f], b[f])])) as unknown as ResourceBudget, ZERO);
}

export const sumBudgets = (budgets: ResourceBudget[]) => combine(budgets, (a, b) => a + b);
export const maxBudgets = (budgets: ResourceBudget[]) => combine(budgets, Math.max);
export const scaleBudget = (budget: ResourceBudget, factor: number) => sumBudgets(Array<ResourceBudget>(factor).fill(budget));

/**
 * What the scheduler and the quota charge for a serving pod: the larger of the
 * running set (app, sidecars, Vault agent) and any one init container.
 */
export function serverPodBudget(app: ResourceBudget): ResourceBudget {
    const running = sumBudgets([app, SIDECAR_BUDGETS.envoy, SIDECAR_BUDGETS.logger, SIDECAR_BUDGETS.metricsAgent, VAULT_AGENT_BUDGET]);
    return maxBudgets([running, app, VAULT_AGENT_BUDGET]);
}

/** A reconciliation Job pod: the job container and the native log-shipping sidecar. */
export function jobPodBudget(app: ResourceBudget): ResourceBudget {
    return maxBudgets([sumBudgets([app, SIDECAR_BUDGETS.logger]), VAULT_AGENT_BUDGET]);
}

/** The largest single container, for the LimitRange maximum. */
export function largestContainer(app: ResourceBudget): ResourceBudget {
    return maxBudgets([app, ...Object.values(SIDECAR_BUDGETS), VAULT_AGENT_BUDGET]);
}
