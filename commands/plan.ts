/**
 * Offline plan: evaluates the real program for a stack under Pulumi's mock
 * runtime and prints what `pulumi up` would create, without a cloud account.
 *
 *   npm run plan -- --stack dev|prod [--set key.path=value ...] [--json FILE]
 *   npm run plan -- --stack dev|prod --migrate-ingress ingress-nginx|envoy-gateway
 *
 * Values that only exist after deploy print as "(known after deploy)", as in
 * `pulumi preview`. Bad config fails with the same message a real run prints.
 */
import * as fs from "fs";
import { DrBudget, describeDatabaseRpo, describeFullCapacity, describeRpo, describeRto } from "../stacks/config/dr-budget";
import { UsageError, parseStackCommand, runCommand, runIfMain } from "./command-line";
import { MigrationError, planIngressMigration, renderMigration } from "./ingress-migration";
import { Evaluation, RecordedResource, UNKNOWN } from "./offline/harness";
import { clusterOf as clusterOfResource, evaluateStack } from "./offline/evaluate-stack";

interface PlanArgs {
    stack: string;
    overrides: string[];
    json?: string;
    /** Print the steps (and each step's change set) of switching to this ingress controller. */
    migrateIngress?: string;
}

const USAGE = "usage: npm run plan -- --stack <dev|prod> [--set key.path=value ...] [--json FILE]\n       npm run plan -- --stack <dev|prod> --migrate-ingress <ingress-nginx|envoy-gateway>";

export function parsePlanArgs(argv: string[]): PlanArgs {
    const { stack, overrides, json, flags } = parseStackCommand(argv, { "--migrate-ingress": "value" } as const);
    const args: PlanArgs = { stack, overrides, json, migrateIngress: flags["--migrate-ingress"] };
    if (args.migrateIngress && (args.overrides.length || args.json)) throw new UsageError("--migrate-ingress plans from the stack file as it is: no --set or --json");
    return args;
}

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
    return evaluation
        .ofType("kubernetes:helm.sh/v3:Release")
        .map((r) => `  [${clusterOf(r)}] ${r.inputs.chart}@${r.inputs.version} → namespace ${r.inputs.namespace} (release ${r.inputs.name})`)
        .sort();
}

/** Admission mode and policies, and the runtime driver, per cluster. */
function securitySettings(evaluation: Evaluation): string[] {
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

const clusterOf = (r: RecordedResource) => clusterOfResource(r) ?? "?";

/** Recorded inputs are untyped JSON; these are the few shapes the ingress summary reads. */
interface Listener { name: string; protocol: string; hostname?: string; port: number }
interface BackendRef { name: string; weight?: number }
interface RouteRule { backendRefs: BackendRef[] }
interface IngressRule { host?: string }

/** Which controller serves each cluster, what else runs, and the routes and Gateway that carry the app. */
function ingressSettings(evaluation: Evaluation): string[] {
    const lines: string[] = [];
    const clusters = evaluation.outputs.clusters ?? {};
    const on = (cloud: string, type: string) => evaluation.ofType(type).filter((r) => clusterOf(r) === cloud);
    const published = (r: RecordedResource) => r.inputs.metadata?.annotations?.["external-dns.alpha.kubernetes.io/hostname"];
    for (const cloud of ["aws", "azure"]) {
        const serving = clusters[cloud]?.ingressController;
        if (!serving) continue;
        const also: string[] = clusters[cloud]?.ingressAlsoRunning ?? [];
        lines.push(`  [${cloud}] served by ${serving}${also.length ? `; also running (migration): ${also.join(", ")}` : ""}`);
        for (const crds of on(cloud, "kubernetes:helm.sh/v4:Chart")) {
            lines.push(`    CRDs: ${crds.inputs.chart}@${crds.inputs.version}, Gateway API channel ${crds.inputs.values?.crds?.gatewayAPI?.channel}`);
        }
        for (const gateway of on(cloud, "kubernetes:gateway.networking.k8s.io/v1:Gateway")) {
            const listeners = (gateway.inputs.spec.listeners as Listener[] ?? []).map((l) => `${l.name} ${l.protocol} ${l.hostname}:${l.port}`).join(", ");
            lines.push(`    Gateway ${gateway.inputs.metadata.namespace}/${gateway.inputs.metadata.name} (class ${gateway.inputs.spec.gatewayClassName}): ${listeners}; certificate from ${gateway.inputs.metadata.annotations?.["cert-manager.io/cluster-issuer"]}`);
        }
        for (const route of on(cloud, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")) {
            const backends = (route.inputs.spec.rules as RouteRule[]).flatMap((rule) => rule.backendRefs).map((b) => `${b.name}${b.weight !== undefined ? ` ${b.weight}%` : ""}`).join(" + ");
            lines.push(`    HTTPRoute ${route.inputs.metadata.name}: ${route.inputs.spec.hostnames.join(", ")} → ${backends}; publishes ${published(route) ?? "nothing"}`);
        }
        for (const ingress of on(cloud, "kubernetes:networking.k8s.io/v1:Ingress")) {
            const hosts = (ingress.inputs.spec.rules as IngressRule[]).map((rule) => rule.host).join(", ");
            const weight = ingress.inputs.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"];
            lines.push(`    Ingress ${ingress.inputs.metadata.name} (class ${ingress.inputs.spec.ingressClassName}): ${hosts}${weight ? `, canary ${weight}%` : ""}; publishes ${published(ingress) ?? "nothing"}`);
        }
    }
    return lines;
}

/** Where a side archives; in a preview the store's generated name is unknown, so say what is known of it. */
function archiveTarget(evaluation: Evaluation, cloud: "aws" | "azure", archive: string): string {
    if (archive !== UNKNOWN) return archive;
    if (cloud === "aws") {
        const bucket = evaluation.ofType("aws:s3/bucket:Bucket").find((b) => b.name.endsWith("-pg-archive") && !b.inputs.region);
        return bucket ? `S3 bucket ${bucket.inputs.bucketPrefix}… (name ${UNKNOWN})` : archive;
    }
    const container = evaluation.ofType("azure-native:storage:BlobContainer").find((c) => c.inputs.containerName === "pg-archive");
    return container ? `Blob container ${container.inputs.containerName} (storage account ${UNKNOWN})` : archive;
}

/** Each side's PostgreSQL: role, instances, storage, archive target, RPO (the `database` output and the Cluster objects). */
function dataTier(evaluation: Evaluation): string[] {
    const database = evaluation.outputs.database;
    if (!database?.clusters) return [];
    const budget = evaluation.outputs.drBudget as DrBudget | undefined;
    const rpo = budget && describeDatabaseRpo(budget);
    const lines = [`Data tier: CloudNativePG distributed topology in namespace ${database.namespace}, primary on ${database.primaryCloud}`];
    for (const cloud of ["aws", "azure"] as const) {
        const side = database.clusters[cloud];
        const cluster = evaluation.ofType("kubernetes:postgresql.cnpg.io/v1:Cluster").find((c) => c.inputs.metadata?.name === side.name && clusterOf(c) === cloud);
        const spec = cluster?.inputs.spec ?? {};
        const role = side.role === "primary" ? "primary" : `replica of ${spec.replica?.primary ?? "?"}, replaying its archive`;
        const sync = spec.postgresql?.synchronous && side.role === "primary" ? `, quorum sync ANY ${spec.postgresql.synchronous.number}` : "";
        lines.push(`  [${cloud}] ${side.name} ${role}: ${side.instances} instance${side.instances === 1 ? "" : "s"}${sync}, storage ${spec.storage?.size ?? "?"} + WAL ${spec.walStorage?.size ?? "?"} (${spec.storage?.storageClass ?? "?"})`);
        lines.push(`      archive ${archiveTarget(evaluation, cloud, side.archive)} as server ${side.serverName ?? side.name} via ObjectStore ${side.objectStore}; reads the peer's via ${side.peerObjectStore} (read-only); writes at ${side.rwService}`);
    }
    if (rpo) lines.push(`  database RPO ${rpo}`);
    const replicaRegions = [...new Set(evaluation.ofType("aws:s3/bucket:Bucket").map((b) => b.inputs.region).filter(Boolean))];
    const sku = evaluation.ofType("azure-native:storage:StorageAccount")[0]?.inputs.sku?.name;
    lines.push(`  backup stores (archive and Velero): ${replicaRegions.length ? `S3 replicated to ${replicaRegions.join(", ")} (KMS)` : "S3 in one region"}, Azure ${sku ?? "?"}`);
    return lines;
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
    const ingress = ingressSettings(evaluation);
    if (ingress.length) lines.push("", "Ingress layer:", ...ingress);
    const failover = evaluation.outputs.failover;
    const budget = evaluation.outputs.drBudget as DrBudget | undefined;
    const data = dataTier(evaluation);
    if (data.length) lines.push("", ...data);
    if (failover && budget) {
        lines.push("", "Disaster recovery:");
        lines.push(`  global name ${failover.globalHostname} → primary ${failover.primaryCloud}`);
        lines.push(`  RTO budget, service restored ${describeRto(budget)}`, `  RTO budget, full capacity ${describeFullCapacity(budget)}`);
        const databaseRpo = describeDatabaseRpo(budget);
        if (databaseRpo) lines.push(`  RPO budget, database ${databaseRpo}`);
        lines.push(`  RPO budget, other volumes and objects ${describeRpo(budget)}`);
    }
    return lines.join("\n");
}

async function run(args: PlanArgs): Promise<number> {
    if (args.migrateIngress) {
        console.log(renderMigration(await planIngressMigration(args.stack, args.migrateIngress)));
        return 0;
    }
    const evaluation = await evaluateStack(args.stack, { overrides: args.overrides, placeholderSecrets: true, preview: true });
    console.log(renderPlan(evaluation, args.stack, evaluation.placeholders));
    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify({ stack: args.stack, outputs: evaluation.outputs, resources: evaluation.resources }, null, 2));
        console.log(`\nWrote ${evaluation.resources.length} resources with inputs and options to ${args.json}`);
    }
    return 0;
}

runIfMain(module, () => runCommand({ usage: USAGE, parse: parsePlanArgs, run, userError: (err) => err instanceof MigrationError }, process.argv.slice(2)));
