/**
 * The ingress-controller switch as steps, each with the config change an operator
 * makes and the exact change set `pulumi up` would apply, computed offline:
 *
 *   1. run both side by side   platform.ingress.alsoRun = <target>
 *      (the target's controller, Gateway/IngressClass and the app's routes appear;
 *      the public records still point at the current controller)
 *   2. move the records        platform.ingress.controller = <target>, alsoRun = <current>
 *      (only the target's route carries the ExternalDNS hostname now, the health
 *      checks follow the name; the old controller keeps serving cached resolvers)
 *   3. remove the old one      platform.ingress.alsoRun removed
 *
 *   npm run plan -- --stack prod --migrate-ingress envoy-gateway
 */
import { INGRESS_CONTROLLERS, IngressControllerName, PUBLIC_GATEWAY } from "../components/addons/ingress-controllers";
import { INGRESS_NGINX_CONTROLLER_SERVICE } from "../components/addons/ingress-nginx";
import { NAMESPACES } from "../components/addons/well-known";
import { SECRET_KEYS, parseStackConfig } from "../stacks/config";
import { ResourceChange, diffEvaluations } from "./drill/simulate";
import { StackEvaluator, stackEvaluator } from "./offline/evaluate-stack";
import { loadStackFile } from "./offline/stack-files";

export interface MigrationStep {
    title: string;
    /** What to run against the real stack. */
    commands: string[];
    /** The same change as plan overrides on top of the stack file. */
    overrides: string[];
    /** What to check before the next step. */
    then: string;
    changes: ResourceChange[];
}

export interface MigrationPlan {
    stack: string;
    from: IngressControllerName;
    to: IngressControllerName;
    steps: MigrationStep[];
}

export class MigrationError extends Error {}

function isIngressController(value: string): value is IngressControllerName {
    return (INGRESS_CONTROLLERS as readonly string[]).includes(value);
}

/** Where an operator reads a controller's load balancer address on a cluster. */
const ADDRESS_COMMAND: Record<IngressControllerName, string> = {
    "ingress-nginx": `kubectl get service -n ${NAMESPACES.ingress} ${INGRESS_NGINX_CONTROLLER_SERVICE}`,
    "envoy-gateway": `kubectl get gateway -n ${PUBLIC_GATEWAY.namespace} ${PUBLIC_GATEWAY.name}`,
};

/** The steps from the stack's current controller to `to`, without their change sets. */
export function migrationSteps(from: IngressControllerName, to: IngressControllerName, ttlSeconds: number): Omit<MigrationStep, "changes">[] {
    const set = (key: string, value: string) => `pulumi config set --path platform.ingress.${key} ${value}`;
    return [
        {
            title: `Run ${to} beside ${from}`,
            commands: [set("alsoRun", to), "pulumi up"],
            overrides: [`platform.ingress.alsoRun=${to}`],
            then: `Test each cluster through the new controller before it is public: curl --resolve <cluster name>:443:<its address> https://<cluster name>/healthz (its address: ${ADDRESS_COMMAND[to]}).`,
        },
        {
            title: `Move the records to ${to}`,
            commands: [set("controller", to), set("alsoRun", from), "pulumi up"],
            overrides: [`platform.ingress.controller=${to}`, `platform.ingress.alsoRun=${from}`],
            then: `Wait until ExternalDNS has repointed each cluster's name (dig <cluster name>) and at least the record TTL (${ttlSeconds} s) more, and until ${from} sees no requests; Route53 health checks probe the names, so they follow.`,
        },
        {
            title: `Remove ${from}`,
            commands: ["pulumi config rm --path platform.ingress.alsoRun", "pulumi up"],
            overrides: [`platform.ingress.controller=${to}`],
            then: `Done: ${to} alone serves both clusters. Going back is the same three steps in the other direction.`,
        },
    ];
}

/** Builds the steps for a stack and evaluates each, diffing it against the one before. */
export async function planIngressMigration(stack: string, to: string, evaluator?: StackEvaluator): Promise<MigrationPlan> {
    if (!isIngressController(to)) throw new MigrationError(`--migrate-ingress: "${to}" is not an ingress controller; allowed values: ${INGRESS_CONTROLLERS.join(", ")}`);
    const file = loadStackFile(stack);
    const config = parseStackConfig(file.raw, new Set(SECRET_KEYS));
    const { controller: from, alsoRun } = config.platform.ingress;
    if (from === to) throw new MigrationError(`stack "${stack}" already serves with ${to} (platform.ingress.controller); nothing to migrate`);
    if (alsoRun) throw new MigrationError(`stack "${stack}" is in the middle of a migration (platform.ingress.alsoRun is ${alsoRun}); finish it or remove alsoRun first`);
    const evaluate = evaluator ?? stackEvaluator(stack);
    let previous = await evaluate([]);
    const steps: MigrationStep[] = [];
    for (const step of migrationSteps(from, to, config.dr.healthCheck.ttlSeconds)) {
        const next = await evaluate(step.overrides);
        steps.push({ ...step, changes: diffEvaluations(previous, next) });
        previous = next;
    }
    return { stack, from, to, steps };
}

const MARK = { create: "+", delete: "-", update: "~", replace: "+-" } as const;

export function renderMigration(plan: MigrationPlan): string {
    const lines = [`Ingress migration for stack "${plan.stack}": ${plan.from} → ${plan.to}, in ${plan.steps.length} steps (offline; each change set is against the step before)`];
    plan.steps.forEach((step, i) => {
        const count = (kind: ResourceChange["kind"]) => step.changes.filter((c) => c.kind === kind).length;
        lines.push("", `Step ${i + 1}: ${step.title}`);
        step.commands.forEach((c) => lines.push(`  $ ${c}`));
        lines.push(`  ${count("create")} to create, ${count("update")} to update, ${count("delete")} to delete, ${count("replace")} to replace`);
        for (const change of step.changes) {
            const changed = [...new Set(change.changes.map((c) => c.path.split(".").slice(0, 3).join(".")))];
            const paths = changed.length ? `: ${changed.join(", ")}` : "";
            lines.push(`    ${MARK[change.kind]} ${change.type} ${change.name}${paths}`);
        }
        lines.push(`  Then: ${step.then}`);
    });
    return lines.join("\n");
}
