/**
 * Offline plan: evaluates the real program for a stack under Pulumi's mock
 * runtime and prints what `pulumi up` would create, without a cloud account.
 *
 *   npm run plan -- --stack dev|prod [--set key.path=value ...] [--json FILE]
 *
 * Values that only exist after deploy print as "(known after deploy)", as in
 * `pulumi preview`. Bad config fails with the same message a real run prints.
 */
import * as fs from "fs";
import { ConfigError } from "../stacks/config";
import { DrBudget, describeRpo, describeRto } from "../stacks/config/dr-budget";
import { Evaluation, RecordedResource, UNKNOWN } from "./offline/harness";
import { evaluateStack } from "./offline/evaluate-stack";

interface PlanArgs {
    stack: string;
    overrides: string[];
    json?: string;
}

const USAGE = "usage: npm run plan -- --stack <dev|prod> [--set key.path=value ...] [--json FILE]";

export function parsePlanArgs(argv: string[]): PlanArgs {
    const args: PlanArgs = { stack: "", overrides: [] };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        const needValue = () => {
            if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
            i++;
            return value;
        };
        if (flag === "--stack") args.stack = needValue();
        else if (flag === "--set") args.overrides.push(needValue());
        else if (flag === "--json") args.json = needValue();
        else throw new UsageError(`unknown option ${flag}`);
    }
    if (!args.stack) throw new UsageError("--stack is required");
    return args;
}

class UsageError extends Error {}

const shortType = (type: string) => type.replace(/^pulumi:providers:/, "provider:");

function childrenOf(evaluation: Evaluation, urn: string): RecordedResource[] {
    return evaluation.resources.filter((r) => r.parent === urn);
}

/** Components as a tree; custom resources folded into per-type counts under their component. */
function renderTree(evaluation: Evaluation, node: RecordedResource, prefix: string, lines: string[], annotate: (r: RecordedResource) => string): void {
    const children = childrenOf(evaluation, node.urn);
    const components = children.filter((c) => !c.custom);
    const custom = children.filter((c) => c.custom);
    const counts = new Map<string, number>();
    custom.forEach((c) => counts.set(shortType(c.type), (counts.get(shortType(c.type)) ?? 0) + 1));
    const summary = [...counts.entries()].sort().map(([type, n]) => `${n}× ${type}`);
    const items: { text: string; component?: RecordedResource }[] = [
        ...summary.map((text) => ({ text })),
        ...components.map((c) => ({ text: `${c.type} ${c.name}${annotate(c)} (${evaluation.descendantsOf(c.urn).length} resources)`, component: c })),
    ];
    items.forEach((item, i) => {
        const last = i === items.length - 1;
        lines.push(`${prefix}${last ? "└─ " : "├─ "}${item.text}`);
        if (item.component) renderTree(evaluation, item.component, `${prefix}${last ? "   " : "│  "}`, lines, annotate);
    });
}

function clusterSettings(evaluation: Evaluation): string[] {
    const lines: string[] = [];
    const outputs = evaluation.outputs.clusters ?? {};
    for (const eks of evaluation.ofType("aws:eks/cluster:Cluster")) {
        const role = outputs.aws?.role ?? "?";
        const vpc = eks.inputs.vpcConfig ?? {};
        lines.push(`  EKS ${eks.inputs.name} [${role}] region ${outputs.aws?.region}, Kubernetes ${eks.inputs.version}, endpoint ${vpc.endpointPublicAccess ? `public (${(vpc.publicAccessCidrs ?? []).join(", ")}) + private` : "private"}, secrets encryption ${eks.inputs.encryptionConfig ? "KMS" : "off"}`);
        for (const group of evaluation.ofType("aws:eks/nodeGroup:NodeGroup")) {
            const s = group.inputs.scalingConfig;
            lines.push(`    node group ${group.name}: ${group.inputs.instanceTypes.join(",")} ${group.inputs.capacityType}, min ${s.minSize} / desired ${s.desiredSize} / max ${s.maxSize}, ${group.inputs.subnetIds.length} zones${group.inputs.taints?.length ? ", tainted CriticalAddonsOnly" : ""}`);
        }
    }
    for (const aks of evaluation.ofType("azure-native:containerservice:ManagedCluster")) {
        const role = outputs.azure?.role ?? "?";
        const api = aks.inputs.apiServerAccessProfile ?? {};
        lines.push(`  AKS ${aks.inputs.resourceName} [${role}] location ${aks.inputs.location}, Kubernetes ${aks.inputs.kubernetesVersion}, endpoint ${api.enablePrivateCluster ? "private" : `public (${(api.authorizedIPRanges ?? []).join(", ")})`}, local accounts ${aks.inputs.disableLocalAccounts ? "disabled" : "enabled"}`);
        const pools = [...(aks.inputs.agentPoolProfiles ?? []), ...evaluation.ofType("azure-native:containerservice:AgentPool").map((p) => p.inputs)];
        for (const pool of pools) {
            lines.push(`    node pool ${pool.name ?? pool.agentPoolName} (${pool.mode}): ${pool.vmSize} ${pool.scaleSetPriority === "Spot" ? "spot" : "on-demand"}, min ${pool.minCount} / max ${pool.maxCount}, zones ${(pool.availabilityZones ?? []).join(",")}`);
        }
    }
    return lines;
}

function releaseSettings(evaluation: Evaluation): string[] {
    const clusterOf = (r: RecordedResource) => (/pair-(aws|azure)-k8s/.exec(r.provider)?.[1] ?? "?");
    return evaluation
        .ofType("kubernetes:helm.sh/v3:Release")
        .map((r) => `  [${clusterOf(r)}] ${r.inputs.chart}@${r.inputs.version} → namespace ${r.inputs.namespace} (release ${r.inputs.name})`)
        .sort();
}

/** Admission mode and policies, and the runtime driver, per cluster. */
function securitySettings(evaluation: Evaluation): string[] {
    const clusterOf = (r: RecordedResource) => (/pair-(aws|azure)-k8s/.exec(r.provider)?.[1] ?? "?");
    const releases = evaluation.ofType("kubernetes:helm.sh/v3:Release");
    return [...new Set(releases.map(clusterOf))].sort().map((cluster) => {
        const kyverno = releases.find((r) => clusterOf(r) === cluster && r.inputs.chart === "kyverno");
        const falco = releases.find((r) => clusterOf(r) === cluster && r.inputs.chart === "falco");
        const policies = evaluation.resources.filter((r) => r.type.startsWith("kubernetes:policies.kyverno.io/") && clusterOf(r) === cluster);
        const actions = [...new Set(policies.flatMap((p) => p.inputs.spec?.validationActions ?? []))].join("+");
        const admission = kyverno ? `Kyverno ${kyverno.inputs.version}, ${policies.length} policies (${actions || "none"})` : "no admission policy";
        const runtime = falco ? `Falco ${falco.inputs.version} (${falco.inputs.values?.driver?.kind})` : "no runtime detection";
        return `  [${cluster}] ${admission}; ${runtime}`;
    });
}

export function renderPlan(evaluation: Evaluation, stack: string, placeholders: string[]): string {
    const lines: string[] = [];
    const { environment, activeCloud } = evaluation.outputs;
    lines.push(`Offline plan for stack "${stack}": environment ${environment}, active cloud ${activeCloud}`);
    lines.push(`${evaluation.resources.length} resources; values shown as "${UNKNOWN}" exist only after deploy.`);
    if (placeholders.length) lines.push(`Secrets not in the stack file, stood in for offline: ${placeholders.join(", ")}`);
    lines.push("");
    const root = evaluation.resources.find((r) => r.type === "pulumi:pulumi:Stack");
    if (root) {
        lines.push(`${root.type} ${root.name}`);
        const roles: Record<string, string> = {
            "pair-aws": evaluation.outputs.clusters?.aws?.role,
            "pair-azure": evaluation.outputs.clusters?.azure?.role,
        };
        renderTree(evaluation, root, "", lines, (r) => (roles[r.name] ? ` [${roles[r.name]}]` : ""));
    }
    lines.push("", "Clusters:", ...clusterSettings(evaluation));
    const releases = releaseSettings(evaluation);
    if (releases.length) lines.push("", "Helm releases:", ...releases, "", "Security layers:", ...securitySettings(evaluation));
    const failover = evaluation.outputs.failover;
    const budget = evaluation.outputs.drBudget as DrBudget | undefined;
    if (failover && budget) {
        lines.push("", "Disaster recovery:");
        lines.push(`  global name ${failover.globalHostname} → primary ${failover.primaryCloud}`);
        lines.push(`  RTO budget ${describeRto(budget)}`, `  RPO budget ${describeRpo(budget)}`);
    }
    return lines.join("\n");
}

async function main(): Promise<number> {
    let args: PlanArgs;
    try {
        args = parsePlanArgs(process.argv.slice(2));
    } catch (err) {
        console.error(`${(err as Error).message}\n${USAGE}`);
        return 2;
    }
    try {
        const evaluation = await evaluateStack(args.stack, { overrides: args.overrides, placeholderSecrets: true, preview: true });
        console.log(renderPlan(evaluation, args.stack, evaluation.placeholders));
        if (args.json) {
            fs.writeFileSync(args.json, JSON.stringify({ stack: args.stack, outputs: evaluation.outputs, resources: evaluation.resources }, null, 2));
            console.log(`\nWrote ${evaluation.resources.length} resources with inputs and options to ${args.json}`);
        }
        return 0;
    } catch (err) {
        // Config errors and unknown stacks are the user's to fix: the message alone, no stack trace.
        if (err instanceof ConfigError || /unknown stack/.test((err as Error).message)) {
            console.error((err as Error).message);
            return 1;
        }
        throw err;
    }
}

if (require.main === module) {
    main().then((code) => process.exit(code), (err) => {
        console.error(err);
        process.exit(1);
    });
}
