/**
 * The database RPO budget the drill judges lag and data loss by: archive
 * timeout + upload allowance, computed by stacks/config/dr-budget.ts once the
 * data tier lands and exported in the `drBudget` stack output. Read in this one
 * place, from the budget object, so its field name lives here only.
 */
import { DrBudget } from "../../stacks/config/dr-budget";

/** The slice of the DR budget the drill needs from the data tier. */
export interface DatabaseBudgetFields {
    /** Database RPO: archive_timeout + upload allowance, in seconds. */
    databaseRpoSeconds?: number;
}

/** The database RPO in seconds, or undefined when the budget has none (no in-cluster database, or an older program). */
export function databaseRpoSecondsOf(budget: DrBudget): number | undefined {
    const value = (budget as DrBudget & DatabaseBudgetFields).databaseRpoSeconds;
    return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
