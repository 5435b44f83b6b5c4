/**
 * IAM condition operators: which exist, which key types they apply to, and request contexts
 * that satisfy a condition block or violate exactly one of its conditions (for the simulator).
 */
import { Statement, Values } from "./aws-model";

const STRING = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"];
const NUMERIC = ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"];
const DATE = ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"];
const ARN = ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"];
const IP = ["IpAddress", "NotIpAddress"];
const OPERATORS = new Set([...STRING, ...NUMERIC, ...DATE, ...ARN, ...IP, "Bool", "BinaryEquals", "Null"]);

/** Operators each catalogue key type accepts (Null applies to every key). */
const FOR_TYPE: Record<string, string[]> = {
    String: STRING,
    ARN: [...ARN, ...STRING],
    Bool: ["Bool"],
    Numeric: NUMERIC,
    Date: DATE,
    IPAddress: IP,
    Binary: ["BinaryEquals"],
};

export interface ParsedOperator {
    /** As written, e.g. ForAllValues:StringLike */
    text: string;
    set?: "ForAllValues" | "ForAnyValue";
    base: string;
    ifExists: boolean;
}

export function parseOperator(text: string): ParsedOperator | undefined {
    const m = /^(?:(ForAllValues|ForAnyValue):)?([A-Za-z]+?)(IfExists)?$/.exec(text);
    if (!m || !OPERATORS.has(m[2]) || (m[2] === "Null" && (m[3] || m[1]))) return undefined;
    return { text, set: m[1] as ParsedOperator["set"], base: m[2], ifExists: !!m[3] };
}

/** Why `operator` cannot test a key of catalogue type `type`, or undefined when it can. */
export function operatorMismatch(operator: ParsedOperator, type: string): string | undefined {
    if (operator.base === "Null") return undefined;
    const multivalued = type.startsWith("ArrayOf");
    const scalar = multivalued ? type.slice("ArrayOf".length) : type;
    if (!(FOR_TYPE[scalar] ?? []).includes(operator.base)) return `${operator.base} cannot compare a ${type} key`;
    if (multivalued && !operator.set) return `an ${type} key needs ForAllValues: or ForAnyValue:`;
    if (!multivalued && operator.set) return `${operator.set}: on a single-valued ${type} key`;
    return undefined;
}

const NEGATED = new Set(["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress"]);

export const SAMPLE = "sample";
export const VIOLATING = "violating-value";

/** A value matching a pattern of a Like operator (each wildcard stands for a sample). */
function instance(value: string, like: boolean): string {
    return like ? value.replace(/\*/g, SAMPLE).replace(/\?/g, "x") : value;
}

function shift(value: string, base: string, by: number): string {
    if (base.startsWith("Numeric")) return String(Number(value) + by);
    const date = new Date(value);
    return new Date(date.getTime() + by * 86_400_000).toISOString();
}

/** One value that satisfies `base` against `value`. */
function satisfyingValue(base: string, value: string): string {
    if (NEGATED.has(base)) return base.startsWith("Numeric") ? String(Number(value) + 1) : base === "NotIpAddress" ? "192.0.2.1" : `${SAMPLE}-other`;
    if (/LessThan$/.test(base)) return shift(value, base, -1);
    if (/GreaterThan$/.test(base)) return shift(value, base, 1);
    if (base === "IpAddress") return value.split("/")[0];
    return instance(value, /Like$/.test(base));
}

/** One value that fails `base` against every listed value. */
function violatingValue(base: string, values: string[]): string {
    if (NEGATED.has(base)) return instance(values[0], /Like$/.test(base));
    if (base === "Bool") return values[0] === "true" ? "false" : "true";
    if (/LessThan(Equals)?$/.test(base)) return shift(values[0], base, 1000);
    if (/GreaterThan(Equals)?$/.test(base)) return shift(values[0], base, -1000);
    if (base.startsWith("Numeric")) return String(Number(values[0]) + 1000);
    if (base === "IpAddress") return "192.0.2.1";
    return VIOLATING;
}

const list = (value: Values | boolean): string[] => (Array.isArray(value) ? value : [value]).map(String);

export type Context = Record<string, string | string[]>;

/** A request context in which every condition of the statement holds. */
export function satisfyingContext(condition: Statement["Condition"]): Context {
    const context: Context = {};
    for (const [text, keys] of Object.entries(condition ?? {})) {
        const operator = parseOperator(text);
        if (!operator) continue;
        for (const [key, raw] of Object.entries(keys)) {
            const values = list(raw);
            if (operator.base === "Null") {
                if (values[0] === "false") context[key] = SAMPLE;
                continue;
            }
            if (operator.set === "ForAllValues") context[key] = values.map((v) => satisfyingValue(operator.base, v));
            else if (operator.set === "ForAnyValue") context[key] = [satisfyingValue(operator.base, values[0])];
            else context[key] = satisfyingValue(operator.base, values[0]);
        }
    }
    return context;
}

export interface Violation {
    /** operator and key, e.g. `Bool kms:GrantIsForAWSResource`. */
    condition: string;
    context: Context;
}

/** For each condition of the statement, a context where it alone fails (the others still hold). */
export function violations(condition: Statement["Condition"]): Violation[] {
    const satisfied = satisfyingContext(condition);
    const out: Violation[] = [];
    for (const [text, keys] of Object.entries(condition ?? {})) {
        const operator = parseOperator(text);
        if (!operator) continue;
        for (const [key, raw] of Object.entries(keys)) {
            const values = list(raw);
            const context = { ...satisfied };
            if (operator.base === "Null") {
                if (values[0] === "true") context[key] = SAMPLE;
                else delete context[key];
            } else if (operator.set === "ForAllValues") {
                // One element outside the allowed set (a missing key would pass ForAllValues).
                context[key] = [...[context[key]].flat(), violatingValue(operator.base, values)];
            } else if (operator.set === "ForAnyValue") {
                context[key] = [violatingValue(operator.base, values)];
            } else {
                context[key] = violatingValue(operator.base, values);
            }
            out.push({ condition: `${text} ${key}`, context });
        }
    }
    return out;
}
