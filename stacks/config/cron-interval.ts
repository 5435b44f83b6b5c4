import { CronExpressionParser } from "cron-parser";

/**
 * The worst-case wait between two runs of a cron schedule, for RPO arithmetic.
 *
 * cron-parser (a maintained library) parses and validates the expression; the
 * gap is then computed from its fields, because a schedule is a product: the
 * days that match (day-of-month, month, day-of-week, with cron's OR rule when
 * both day fields are restricted) times the minutes of the day that match
 * (minute, hour). Walking days instead of runs keeps this under a millisecond
 * even for minute-level schedules, so config validation stays fast.
 */

/** What Velero's and CNPG's cron (robfig/cron, standard parser) accept besides five fields. */
const MACROS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

export const CRON_FORMS =
    `five fields "minute hour day-of-month month day-of-week" (lists, ranges and steps allowed), ` +
    `or ${Object.keys(MACROS).join(", ")}, "@every <duration>" (e.g. @every 1h30m)`;

/** Days the gap is computed over: two leap days, so a schedule on 29 February has its real gap. */
const WINDOW_DAYS = 8 * 365 + 2;
const WINDOW_START = Date.UTC(2026, 0, 1);
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTES_PER_DAY = 24 * 60;

export class CronIntervalError extends Error {
    constructor(key: string, cron: string, readonly why: string, forms: string = CRON_FORMS) {
        super(`${key}: cannot derive the worst-case interval between runs from ${JSON.stringify(cron)}: ${why}; expected ${forms}`);
        this.name = "CronIntervalError";
    }
}

/** "@every 1h30m" → 90; Go duration units h, m, s, rounded up to whole minutes. */
function everyMinutes(key: string, cron: string, duration: string): number {
    const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
    if (!match || duration === "") throw new CronIntervalError(key, cron, `"${duration}" is not a duration such as 90m or 1h30m`);
    const seconds = Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
    if (seconds === 0) throw new CronIntervalError(key, cron, "the interval must be longer than zero");
    return Math.ceil(seconds / 60);
}

interface CronFields {
    minutes: number[];
    hours: number[];
    daysOfMonth: Set<number>;
    months: Set<number>;
    daysOfWeek: Set<number>;
    /** Cron's rule: when both day fields are restricted, a day matches either. */
    eitherDay: boolean;
}

function parseFields(key: string, cron: string, expression: string): CronFields {
    const parts = expression.split(/\s+/);
    if (parts.length !== 5) throw new CronIntervalError(key, cron, `expected 5 fields, got ${parts.length}`);
    // cron-parser also reads Quartz extensions (L, W, #) that robfig/cron, which runs the schedule, rejects.
    const withoutNames = parts.slice(2).join(" ").replace(/[a-z]{3}/gi, "");
    if (/[LW#]/i.test(withoutNames)) throw new CronIntervalError(key, cron, "L, W and # are not standard cron");
    let fields;
    try {
        fields = CronExpressionParser.parse(expression, { tz: "UTC", strict: false }).fields;
    } catch (err) {
        throw new CronIntervalError(key, cron, (err as Error).message);
    }
    const numbers = (values: readonly (number | string)[]) => values.filter((v): v is number => typeof v === "number");
    return {
        minutes: numbers(fields.minute.values),
        hours: numbers(fields.hour.values),
        daysOfMonth: new Set(numbers(fields.dayOfMonth.values)),
        months: new Set(numbers(fields.month.values)),
        // cron-parser lists Sunday as 0 and, from "7", also as 7.
        daysOfWeek: new Set(numbers(fields.dayOfWeek.values).map((d) => d % 7)),
        eitherDay: !fields.dayOfMonth.isWildcard && !fields.dayOfWeek.isWildcard,
    };
}

function dayMatches(fields: CronFields, date: Date): boolean {
    if (!fields.months.has(date.getUTCMonth() + 1)) return false;
    const byMonthDay = fields.daysOfMonth.has(date.getUTCDate());
    const byWeekDay = fields.daysOfWeek.has(date.getUTCDay());
    return fields.eitherDay ? byMonthDay || byWeekDay : byMonthDay && byWeekDay;
}

/**
 * The longest time, in minutes, from one run of `cron` to the next. `key` names
 * the config key in errors (e.g. "platform.velero.schedule").
 */
export function worstCaseIntervalMinutes(cron: string, key: string): number {
    const text = cron.trim();
    const every = /^@every\s+(\S*)$/.exec(text);
    if (every) return everyMinutes(key, cron, every[1]);
    if (text.startsWith("@") && !(text in MACROS)) throw new CronIntervalError(key, cron, `unknown macro ${text}`);
    const fields = parseFields(key, cron, MACROS[text] ?? text);

    const times = fields.hours.flatMap((h) => fields.minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
    let worst = 0;
    for (let i = 1; i < times.length; i++) worst = Math.max(worst, times[i] - times[i - 1]);

    // From the last run of one matching day to the first run of the next matching day.
    const overnight = MINUTES_PER_DAY - times[times.length - 1] + times[0];
    let previousDay: number | undefined;
    for (let day = 0; day < WINDOW_DAYS; day++) {
        if (!dayMatches(fields, new Date(WINDOW_START + day * DAY_MS))) continue;
        if (previousDay !== undefined) worst = Math.max(worst, (day - previousDay - 1) * MINUTES_PER_DAY + overnight);
        previousDay = day;
    }
    if (previousDay === undefined) throw new CronIntervalError(key, cron, "it never runs");
    if (worst === 0) throw new CronIntervalError(key, cron, "it runs once in eight years at most");
    return worst;
}

/** What CloudNativePG's ScheduledBackup (robfig/cron v1, seconds first) is given here. */
export const SECONDS_CRON_FORMS =
    `six fields with seconds first, "second minute hour day-of-month month day-of-week" (e.g. "0 0 2 * * *" daily at 02:00), ` +
    `or ${Object.keys(MACROS).join(", ")}, "@every <duration>"`;

/**
 * The worst-case interval, in minutes, of a CloudNativePG ScheduledBackup schedule: robfig/cron's
 * six fields with SECONDS FIRST ("0 0 2 * * *" is 02:00 daily), or a descriptor. Five fields are
 * refused although the operator's parser accepts them (day-of-week optional): "0 2 * * *" there
 * means minute 2 of every hour, which nobody writes on purpose. The seconds field must be one
 * number: a backup every few seconds is a typo, not a schedule.
 */
export function worstCaseIntervalMinutesWithSeconds(cron: string, key: string): number {
    const fail = (why: string) => new CronIntervalError(key, cron, why, SECONDS_CRON_FORMS);
    const text = cron.trim();
    let standard = text;
    if (!text.startsWith("@")) {
        const parts = text.split(/\s+/);
        if (parts.length !== 6) throw fail(`expected 6 fields (seconds first), got ${parts.length}`);
        if (!/^[0-5]?\d$/.test(parts[0])) throw fail(`the seconds field "${parts[0]}" must be one number from 0 to 59`);
        // robfig/cron's "?" (no specific value) is "*" for the interval.
        standard = parts.slice(1).join(" ").replace(/\?/g, "*");
    }
    try {
        return worstCaseIntervalMinutes(standard, key);
    } catch (err) {
        // A problem found in the five trailing fields (or the descriptor): restated for the six-field form.
        if (err instanceof CronIntervalError) throw fail(err.why);
        throw err;
    }
}
