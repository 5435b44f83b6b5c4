/**
 * Pulumi update plans, as the drill uses them: `--execute` previews with
 * `--save-plan` (the Automation API's `preview({ plan })`), names every step
 * the preview would take from the engine's resource pre-events, refuses when
 * any of them replaces a resource, and otherwise applies exactly that plan
 * (`up({ plan })`: the engine fails an operation the plan does not contain).
 */

/** The slice of an Automation API EngineEvent the drill reads. */
export interface PlanEvent {
    sequence?: number;
    resourcePreEvent?: { metadata: { op: string; urn: string; type: string; keys?: string[]; diffs?: string[] } };
}

/** One step of a preview. */
export interface PlannedStep {
    urn: string;
    type: string;
    /** The resource's logical name (the URN's last segment). */
    name: string;
    op: string;
    /** Inputs whose change forces the replacement (replacements only). */
    replaceKeys: string[];
    /** Inputs that change. */
    diffs: string[];
}

/** Operations that delete and re-create a resource. */
export const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced"] as const;

export function nameFromUrn(urn: string): string {
    const at = urn.lastIndexOf("::");
    return at < 0 ? urn : urn.slice(at + 2);
}

/** The steps of a preview from its engine events, one per resource and operation, in event order; "same" steps are left out. */
export function plannedStepsFromEvents(events: readonly PlanEvent[]): PlannedStep[] {
    const steps: PlannedStep[] = [];
    const seen = new Set<string>();
    for (const event of events) {
        const meta = event.resourcePreEvent?.metadata;
        if (!meta || meta.op === "same") continue;
        const key = `${meta.op} ${meta.urn}`;
        if (seen.has(key)) continue;
        seen.add(key);
        steps.push({ urn: meta.urn, type: meta.type, name: nameFromUrn(meta.urn), op: meta.op, replaceKeys: meta.keys ?? [], diffs: meta.diffs ?? [] });
    }
    return steps;
}

/**
 * The resources a plan would replace, once each (a replacement shows up as
 * create-replacement and delete-replaced, or as replace): type, name, and the
 * inputs that force it.
 */
export function replacementsIn(steps: readonly PlannedStep[]): PlannedStep[] {
    const byUrn = new Map<string, PlannedStep>();
    for (const step of steps.filter((s) => (REPLACE_OPS as readonly string[]).includes(s.op))) {
        const known = byUrn.get(step.urn);
        if (!known) byUrn.set(step.urn, { ...step, op: "replace" });
        else known.replaceKeys = [...new Set([...known.replaceKeys, ...step.replaceKeys])];
    }
    return [...byUrn.values()];
}

/** "kubernetes:postgresql.cnpg.io/v1:Cluster pair-aws-db (spec.storage)". */
export function describeStep(step: PlannedStep): string {
    const keys = step.op === "replace" ? step.replaceKeys : step.diffs;
    return `${step.type} ${step.name}${keys.length ? ` (${keys.join(", ")})` : ""}`;
}

/** "4 update, 1 create" (without "same"). */
export function summarizeChanges(changes: Record<string, number>): string {
    return Object.entries(changes).filter(([op, n]) => op !== "same" && n > 0).map(([op, n]) => `${n} ${op}`).join(", ") || "no changes";
}
