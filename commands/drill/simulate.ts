/**
 * `--simulate`: evaluates the real program offline twice under the mock
 * runtime (the stack's config as it is, and with activeCloud flipped), matches
 * resources by URN and reports every input that changes, classifying each
 * resource change as an in-place update or a REPLACE.
 */
import { CloudName } from "../../components/cluster/contract";
import { ConfigError, SECRET_KEYS, parseStackConfig } from "../../stacks/config";
import {
    DrBudget,
    DrTargets,
    describeDatabaseRpo,
    describeFullCapacity,
    describeRpo,
    describeRto,
    drBudgetOf,
    drBudgetProblems,
    drTargetsOf,
} from "../../stacks/config/dr-budget";
import { fakeResourceOutputs } from "../offline/fake-cloud";
import { Evaluation, RecordedResource } from "../offline/harness";
import { StackEvaluator, stackEvaluator } from "../offline/evaluate-stack";
import { UnknownStackError, loadStackFile } from "../offline/stack-files";
import { CLUSTER_RESOURCE_TYPE, databaseFromOutputs } from "./database";
import { DrillSetupError, isCloud, resolveTarget } from "./errors";
import { changeVerdict, replaceRuleFor } from "./replace-rules";

export type ChangeKind = "update" | "replace" | "create" | "delete";

export interface InputChange {
    /** Dotted input path, e.g. `failoverRoutingPolicies[0].type`; options are prefixed `(options).`. */
    path: string;
    before: unknown;
    after: unknown;
    /** The replace-triggering rule this change hits, if any. */
    replaceRule?: string;
    /** `pulumi up` would send this as an update that the cloud refuses: why, and what to do first. */
    refused?: string;
    /** The value is a secret: rendered masked. */
    secret?: boolean;
    /** The change comes from a replaced dependency (its new id/ARN), not from config. */
    via?: string;
}

export interface ResourceChange {
    urn: string;
    type: string;
    name: string;
    kind: ChangeKind;
    changes: InputChange[];
}

export interface BudgetReport {
    budget: DrBudget;
    targets: DrTargets;
    /** Where the budget came from: the program's `drBudget` stack output, or computed here from config. */
    source: "stack outputs" | "config";
    problems: string[];
}

export interface SimulationResult {
    stack: string;
    from: CloudName;
    to: CloudName;
    /** A return to the other cloud (--failback) rather than a failover. */
    failback: boolean;
    /** Extra overrides applied to the flipped evaluation only. */
    overrides: string[];
    /** Overrides applied to both evaluations (the stack as if configured so). */
    baseOverrides?: string[];
    resourcesBefore: number;
    resourcesAfter: number;
    changes: ResourceChange[];
    replacements: ResourceChange[];
    /** Updates the cloud would refuse (a storage SKU's zone-redundancy...): `pulumi up` cannot apply them as they are. */
    refusals: ResourceChange[];
    budget?: BudgetReport;
    /** Why there is no budget (e.g. the config has no dr section). */
    budgetUnavailable?: string;
    /** The database switch --execute would drive, when the stack has an in-cluster database. */
    database?: DatabaseSimulation;
}

export interface DatabaseSimulation {
    namespace: string;
    from: string;
    to: string;
    /** Cluster resources whose spec.replica.primary the flip updates, as "<name>: <before> → <after> (<kind>)". */
    primaryUpdates: string[];
    /** The database RPO budget, when the budget has one. */
    rpoSeconds?: number;
    problem?: string;
}

export interface SimulateOptions {
    stack: string;
    /** The cloud to make active. With failback: the cloud the drill went to (optional). */
    to?: CloudName;
    failback?: boolean;
    /** Extra `key.path=value` overrides applied to the flipped side only (e.g. to see what else a change would do). */
    overrides?: string[];
    /** `key.path=value` overrides applied to both sides: simulate the flip of the stack as if configured so. */
    baseOverrides?: string[];
    /** How the stack is evaluated with overrides (default: fresh offline evaluations; tests share cached ones). */
    evaluate?: StackEvaluator;
}

/** Resource options whose change the engine acts on (dependencies only order operations, so they are not compared). */
const OPTION_KEYS = ["provider", "protect", "retainOnDelete", "ignoreChanges"] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** Leaf-level differences between two JSON values; arrays of different length differ as a whole. */
export function diffValues(before: unknown, after: unknown, path = ""): { path: string; before: unknown; after: unknown }[] {
    if (same(before, after)) return [];
    if (isPlainObject(before) && isPlainObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((key) => diffValues(before[key], after[key], path ? `${path}.${key}` : key));
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
        return before.flatMap((item, i) => diffValues(item, after[i], `${path}[${i}]`));
    }
    return [{ path: path || "(value)", before, after }];
}

/** True when `path` is covered by one of the resource's ignoreChanges paths (the engine keeps the old value). */
function ignored(path: string, ignoreChanges: string[]): boolean {
    return ignoreChanges.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

/** The changes between two recorded registrations of the same URN. */
function resourceChanges(before: RecordedResource, after: RecordedResource): InputChange[] {
    const secret = new Set([...before.secretInputs, ...after.secretInputs]);
    const inputs: InputChange[] = before.custom || after.custom
        ? diffValues(before.inputs, after.inputs).filter((d) => !ignored(d.path, before.ignoreChanges)).map((d) => {
              const verdict = changeVerdict(after.type, d.path, d.before, d.after);
              return {
                  ...d,
                  replaceRule: verdict.replaceRule,
                  ...(verdict.refused ? { refused: verdict.refused } : {}),
                  secret: secret.has(d.path.split(/[.[]/)[0]) || undefined,
              };
          })
        : [];
    const options: InputChange[] = OPTION_KEYS.flatMap((key) => {
        const normalize = (v: unknown) => (Array.isArray(v) ? [...v].sort() : v);
        const a = normalize(before[key]);
        const b = normalize(after[key]);
        if (same(a, b)) return [];
        // A resource moved to another provider instance is re-created by it.
        return [{ path: `(options).${key}`, before: a, after: b, replaceRule: key === "provider" ? "(options).provider" : undefined }];
    });
    return [...inputs, ...options];
}

/** Every resource that differs between two evaluations of a program, matched by URN. */
export function diffEvaluations(before: Evaluation, after: Evaluation): ResourceChange[] {
    const afterByUrn = new Map(after.resources.map((r) => [r.urn, r]));
    const beforeUrns = new Set(before.resources.map((r) => r.urn));
    const changes: ResourceChange[] = [];
    for (const old of before.resources) {
        const next = afterByUrn.get(old.urn);
        if (!next) {
            changes.push({ urn: old.urn, type: old.type, name: old.name, kind: "delete", changes: [] });
            continue;
        }
        const diffs = resourceChanges(old, next);
        if (diffs.length === 0) continue;
        changes.push({ urn: old.urn, type: old.type, name: old.name, kind: diffs.some((d) => d.replaceRule) ? "replace" : "update", changes: diffs });
    }
    for (const created of after.resources.filter((r) => !beforeUrns.has(r.urn))) {
        changes.push({ urn: created.urn, type: created.type, name: created.name, kind: "create", changes: [] });
    }
    propagateReplacements(before, changes);
    return changes;
}

/**
 * Values other resources may hold of a resource: its id, ARN, generated name...
 * Under the mock runtime these derive from the logical name, so a replaced
 * resource's dependents look unchanged; in a real deployment they get a new
 * id. Short strings (regions, flags) are left out to avoid false matches.
 */
function identityValues(resource: RecordedResource): string[] {
    const outputs = fakeResourceOutputs(resource.type, resource.name, resource.inputs);
    const id = typeof outputs.id === "string" ? outputs.id : `${resource.name}-id`;
    // Outputs built from the resource's own inputs (an explicit name, the ARN that embeds it) survive a replacement.
    const given = pathsHolding(resource.inputs, [""]).map((p) => String(p.value)).filter((v) => v.length >= 8);
    const generated = Object.values(outputs)
        .filter((v): v is string => typeof v === "string" && v.length >= 8)
        .filter((v) => !given.some((input) => v.includes(input)));
    return [...new Set([id, ...generated])];
}

function pathsHolding(value: unknown, needles: string[], path = ""): { path: string; value: unknown }[] {
    if (typeof value === "string") return needles.some((n) => value.includes(n)) ? [{ path: path || "(value)", value }] : [];
    if (Array.isArray(value)) return value.flatMap((item, i) => pathsHolding(item, needles, `${path}[${i}]`));
    if (isPlainObject(value)) return Object.entries(value).flatMap(([k, v]) => pathsHolding(v, needles, path ? `${path}.${k}` : k));
    return [];
}

/**
 * A replaced resource comes back with a new id, so every resource that takes
 * one of its outputs as input changes too, and is replaced when that input is
 * replace-triggering (a subnet of a replaced VPC, the cluster on those subnets).
 * Resources using a replaced provider are replaced. Repeats to a fixpoint.
 */
function propagateReplacements(before: Evaluation, changes: ResourceChange[]): void {
    const byUrn = new Map(changes.map((c) => [c.urn, c]));
    const done = new Set<string>();
    for (;;) {
        const replaced = changes.filter((c) => c.kind === "replace" && !done.has(c.urn));
        if (replaced.length === 0) return;
        for (const source of replaced) {
            done.add(source.urn);
            const resource = before.byUrn(source.urn);
            if (!resource) continue;
            const needles = identityValues(resource);
            for (const dependent of before.resources) {
                const viaProvider = dependent.provider.startsWith(`${source.urn}::`);
                if (!viaProvider && !dependent.dependencies.includes(source.urn)) continue;
                const via = `${source.type} ${source.name}`;
                const added: InputChange[] = viaProvider
                    ? [{ path: "(options).provider", before: dependent.provider, after: "(replaced provider)", replaceRule: "(options).provider", via }]
                    : pathsHolding(dependent.inputs, needles).map(({ path, value }) => ({
                          path,
                          before: value,
                          after: `(new value once ${source.name} is replaced)`,
                          replaceRule: replaceRuleFor(dependent.type, path),
                          via,
                      }));
                if (added.length === 0) continue;
                let entry = byUrn.get(dependent.urn);
                if (!entry) {
                    entry = { urn: dependent.urn, type: dependent.type, name: dependent.name, kind: "update", changes: [] };
                    changes.push(entry);
                    byUrn.set(entry.urn, entry);
                }
                if (entry.kind === "delete" || entry.kind === "create") continue;
                const known = new Set(entry.changes.map((c) => c.path));
                entry.changes.push(...added.filter((c) => !known.has(c.path)));
                if (entry.changes.some((c) => c.replaceRule)) entry.kind = "replace";
            }
        }
    }
}

/** Stack config as the program sees it (defaults merged, validated), from the stack file. */
function stackConfig(stack: string, overrides: string[] = []) {
    const file = loadStackFile(stack, overrides);
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(file.config)) {
        if (!key.startsWith(`${file.project}:`)) continue;
        const trimmed = value.trim();
        let decoded: unknown = value;
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            try {
                decoded = JSON.parse(trimmed);
            } catch {
                decoded = value;
            }
        }
        raw[key.slice(file.project.length + 1)] = decoded;
    }
    return parseStackConfig(raw, new Set(SECRET_KEYS));
}

const BUDGET_NUMBERS = ["detectionSeconds", "switchSeconds", "promotionSeconds", "scaleUpSeconds", "rtoSeconds", "fullCapacitySeconds", "rpoMinutes"] as const;

/** A whole DrBudget as the program exports it (`drBudget`); an older program's partial one is not. */
export function isBudget(value: unknown): value is DrBudget {
    const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
    return (
        isPlainObject(value) &&
        BUDGET_NUMBERS.every((key) => finite(value[key])) &&
        (value.databaseRpoSeconds === undefined || finite(value.databaseRpoSeconds)) &&
        isPlainObject(value.inputs)
    );
}

/**
 * The DR budget: the program's `drBudget` output when it exports a whole one,
 * else computed from config. Targets are the config's dr.* targets (drTargetsOf):
 * service restored, full capacity, objects' RPO and the database RPO.
 */
export function budgetFor(stack: string, outputs: Record<string, unknown>, overrides: string[] = []): BudgetReport {
    const config = stackConfig(stack, overrides);
    const targets = drTargetsOf(config);
    const fromOutputs = outputs.drBudget;
    const budget = isBudget(fromOutputs)
        ? fromOutputs
        : drBudgetOf(config);
    return { budget, targets, source: isBudget(fromOutputs) ? "stack outputs" : "config", problems: drBudgetProblems(budget, targets) };
}

/** The stack file's active cloud. */
export function configuredActiveCloud(stack: string): CloudName {
    const file = loadStackFile(stack);
    const value = file.config[`${file.project}:activeCloud`];
    if (!isCloud(value)) throw new DrillSetupError(`stack "${stack}": activeCloud must be aws or azure in Pulumi.${stack}.yaml, got ${JSON.stringify(value)}`);
    return value;
}

/** Runs the offline flip. Unknown stacks and bad config throw DrillSetupError / ConfigError. */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
    let current: CloudName;
    try {
        current = configuredActiveCloud(options.stack);
    } catch (err) {
        if (err instanceof UnknownStackError) throw new DrillSetupError(err.message);
        throw err;
    }
    const { from, to } = resolveTarget(current, options.to, options.failback ?? false, options.stack);
    const overrides = options.overrides ?? [];
    const baseOverrides = options.baseOverrides ?? [];
    const flipped = [...baseOverrides, `activeCloud=${to}`, ...overrides];
    const evaluate = options.evaluate ?? stackEvaluator(options.stack);
    const before = await evaluate(baseOverrides);
    const after = await evaluate(flipped);
    const changes = diffEvaluations(before, after);

    const result: SimulationResult = {
        stack: options.stack,
        from,
        to,
        failback: options.failback ?? false,
        overrides,
        baseOverrides,
        resourcesBefore: before.resources.length,
        resourcesAfter: after.resources.length,
        changes,
        replacements: changes.filter((c) => c.kind === "replace"),
        refusals: changes.filter((c) => c.changes.some((i) => i.refused)),
    };
    try {
        result.budget = budgetFor(options.stack, after.outputs, flipped);
    } catch (err) {
        if (err instanceof ConfigError) throw err;
        result.budgetUnavailable = (err as Error).message;
    }
    const database = databaseSimulation(before.outputs, changes, from, to, result.budget);
    if (database) result.database = database;
    return result;
}

function show(value: unknown, secret?: boolean): string {
    if (secret) return "[secret]";
    if (value === undefined) return "(unset)";
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

const MARK: Record<ChangeKind, string> = { update: "~ update ", replace: "+-REPLACE", create: "+ create ", delete: "- delete " };

/** What the flip does to the database: replica.primary on both Clusters, in place; undefined without one. */
export function databaseSimulation(outputs: Record<string, unknown>, changes: ResourceChange[], from: CloudName, to: CloudName, budget?: BudgetReport): DatabaseSimulation | undefined {
    let topology;
    try {
        topology = databaseFromOutputs(outputs);
    } catch (err) {
        return { namespace: "?", from: "?", to: "?", primaryUpdates: [], problem: (err as Error).message };
    }
    if (!topology) return undefined;
    const primaryUpdates = changes
        .filter((c) => c.type === CLUSTER_RESOURCE_TYPE)
        .flatMap((c) => c.changes.filter((i) => i.path === "spec.replica.primary").map((i) => `${c.name}: ${show(i.before)} → ${show(i.after)} (${c.kind === "replace" ? "REPLACE" : "in place"})`));
    const sim: DatabaseSimulation = { namespace: topology.namespace, from: topology.clusters[from].name, to: topology.clusters[to].name, primaryUpdates };
    const rpo = budget?.budget.databaseRpoSeconds;
    if (rpo !== undefined) sim.rpoSeconds = rpo;
    if (primaryUpdates.length !== 2) sim.problem = `expected spec.replica.primary to change on both Clusters, found ${primaryUpdates.length}: the database would not follow the flip`;
    return sim;
}

function renderDatabaseSimulation(lines: string[], db: DatabaseSimulation): void {
    lines.push(`Database (CloudNativePG distributed topology, namespace ${db.namespace}):`);
    db.primaryUpdates.forEach((u) => lines.push(`  replica.primary ${u}`));
    if (db.problem) lines.push(`  PROBLEM: ${db.problem}`);
    const rpo = db.rpoSeconds === undefined ? "" : ` (database RPO ${db.rpoSeconds} s)`;
    lines.push(`  --execute:            lag pre-check${rpo} → demote ${db.from} → its demotion token → promote ${db.to} with it → writable → pulumi up --plan → DNS`);
    lines.push(`  --execute --disaster: fence ${db.from} if its cluster answers → promote ${db.to} without a token → data-loss window → pulumi up --plan → DNS`);
    lines.push("");
}

/**
 * One line per budget with its target and verdict: service restored, full capacity, objects' RPO,
 * and the database RPO when the stack has an in-cluster database. A target the config does not
 * declare is left out of the verdict.
 */
export function budgetLines(budget: DrBudget, targets: DrTargets): string[] {
    const verdict = (value: number, target: number | undefined, key: string, unit: string) =>
        target === undefined ? "no target" : `target ${key} ${target} ${unit}: ${value <= target ? "within target" : "OVER TARGET"}`;
    const lines = [
        `RTO, service restored ${describeRto(budget)}; ${verdict(budget.rtoSeconds, targets.rtoSeconds, "dr.rtoSeconds", "s")}`,
        `RTO, full capacity ${describeFullCapacity(budget)}; ${verdict(budget.fullCapacitySeconds, targets.fullCapacitySeconds, "dr.fullCapacitySeconds", "s")}`,
        `RPO, objects ${describeRpo(budget)}; ${verdict(budget.rpoMinutes, targets.rpoMinutes, "dr.rpoMinutes", "min")}`,
    ];
    const database = describeDatabaseRpo(budget);
    if (database !== undefined) lines.push(`RPO, database ${database}; ${verdict(budget.databaseRpoSeconds!, targets.databaseRpoSeconds, "dr.databaseRpoSeconds", "s")}`);
    return lines;
}

/** Human-readable change set, as `npm run drill -- --simulate` prints it. */
export function renderSimulation(result: SimulationResult): string {
    const lines: string[] = [];
    const kind = result.failback ? "Failback" : "Failover";
    lines.push(`${kind} simulation for stack "${result.stack}": activeCloud ${result.from} → ${result.to} (offline, mock runtime; nothing touches a cloud)`);
    if (result.baseOverrides?.length) lines.push(`Applied to both sides: ${result.baseOverrides.join(", ")}`);
    if (result.overrides.length) lines.push(`Also applied to the flipped side: ${result.overrides.join(", ")}`);
    lines.push(`${result.resourcesBefore} resources before, ${result.resourcesAfter} after; matched by URN.`);
    lines.push("");
    if (result.changes.length === 0) {
        lines.push("No resource changes.");
    } else {
        lines.push(`Changes (${result.changes.length} resources):`);
        for (const change of result.changes) {
            lines.push(`  ${MARK[change.kind]} ${change.type} ${change.name}`);
            if (change.kind === "create" || change.kind === "delete") lines.push(`      ${change.urn}`);
            for (const input of change.changes) {
                const why = [
                    input.via ? `via replaced ${input.via}` : "",
                    input.replaceRule ? `forces replacement: ${input.replaceRule}` : "",
                    input.refused ? `pulumi up cannot apply: ${input.refused}` : "",
                ]
                    .filter(Boolean)
                    .join("; ");
                const note = why ? `   [${why}]` : "";
                lines.push(`      ${input.path}: ${show(input.before, input.secret)} → ${show(input.after, input.secret)}${note}`);
            }
        }
    }
    lines.push("");
    if (result.replacements.length === 0) {
        lines.push("0 replacements: every change is an in-place update; nothing is deleted or re-created.");
    } else {
        lines.push(`${result.replacements.length} replacement${result.replacements.length === 1 ? "" : "s"} (a failover must replace nothing):`);
        for (const r of result.replacements) {
            const rules = [...new Set(r.changes.map((c) => c.replaceRule).filter(Boolean))].join(", ");
            lines.push(`  replace ${r.type} ${r.name} (${rules})`);
        }
    }
    if (result.refusals.length) {
        lines.push(`${result.refusals.length} update${result.refusals.length === 1 ? "" : "s"} the cloud would refuse (do the step it names first):`);
        for (const r of result.refusals) lines.push(`  refused ${r.type} ${r.name}: ${r.changes.filter((c) => c.refused).map((c) => c.refused).join("; ")}`);
    }
    const count = (kind: ChangeKind) => result.changes.filter((c) => c.kind === kind).length;
    lines.push(`Summary: ${count("update")} updated in place, ${count("replace")} replaced, ${count("create")} created, ${count("delete")} deleted.`);
    lines.push("");
    if (result.database) renderDatabaseSimulation(lines, result.database);
    if (result.budget) {
        const { budget, targets, source } = result.budget;
        lines.push(`DR budget (from ${source}):`);
        for (const line of budgetLines(budget, targets)) lines.push(`  ${line}`);
        result.budget.problems.forEach((p) => lines.push(`  - ${p}`));
    } else if (result.budgetUnavailable) {
        lines.push(`DR budget unavailable: ${result.budgetUnavailable}`);
    }
    return lines.join("\n");
}
