/**
 * Reading resource properties safely.
 *
 * During `pulumi preview`, CrossGuard wraps properties in a proxy that throws
 * UnknownValueError when a value is only known after deploy. An uncaught one
 * turns the whole rule into an advisory "can't run during preview" message, so
 * rules read values through these helpers and decide what an unknown means.
 */
import { UnknownValueError } from "@pulumi/policy";

/** Resource properties as CrossGuard passes them: untyped JSON (a preview proxy may sit in front). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resource properties are untyped JSON
export type Props = Record<string, any>;

function isUnknownValueError(err: unknown): boolean {
    return typeof UnknownValueError === "function" && err instanceof UnknownValueError;
}

/** The value, or undefined when it is unknown (preview). Use where "can't tell" must not report. */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (err) {
        if (isUnknownValueError(err)) return undefined;
        throw err;
    }
}

/** True when the value is unknown: it is computed by the cloud and will be set after deploy. */
export function isUnknown(read: () => unknown): boolean {
    try {
        read();
        return false;
    } catch (err) {
        if (isUnknownValueError(err)) return true;
        throw err;
    }
}

/** Set: known and non-empty, or unknown (a computed value, e.g. another resource's id). */
export function isSet(read: () => unknown): boolean {
    if (isUnknown(read)) return true;
    const value = read();
    if (value === undefined || value === null || value === "") return false;
    if (Array.isArray(value)) return value.length > 0;
    return true;
}

/** Elements of an array-valued property that are known (unknown elements are skipped). */
export function knownArray<T = unknown>(read: () => unknown): T[] {
    const value = known(read);
    if (!Array.isArray(value)) return [];
    const out: T[] = [];
    for (let i = 0; i < value.length; i++) {
        const element = known(() => value[i] as T);
        if (element !== undefined) out.push(element);
    }
    return out;
}

/** Known string elements of an array-valued property. */
export function knownStrings(read: () => unknown): string[] {
    return knownArray(read).filter((v): v is string => typeof v === "string");
}

/** A property that may be a single object or (older provider versions) a one-element list. */
export function firstOf<T>(value: T | T[] | undefined): T | undefined {
    return Array.isArray(value) ? value[0] : value;
}

/** Short "type name" label for messages. */
export function label(resource: { type: string; name: string }): string {
    return `${resource.type.split(":").pop()} "${resource.name}"`;
}
