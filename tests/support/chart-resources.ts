/**
 * Values a chart renders verbatim into a custom resource of its own. The values-key check
 * (./chart-keys.ts) lets them through as free-form (FREE_FORM), so they are checked here
 * instead: as the object the chart's template makes of them, against the pinned CRD's field
 * list (./k8s-schema.ts), and with only the keys the template reads (Helm drops the rest).
 */

/** The keys velero chart 12.1.0's templates/schedule.yaml reads from each `schedules` entry. */
const VELERO_SCHEDULE_KEYS = new Set(["disabled", "annotations", "labels", "paused", "useOwnerReferencesInBackup", "skipImmediately", "schedule", "template"]);

export interface RenderedSchedule {
    /** The entry's key under `schedules`. */
    key: string;
    /** Entry keys the template does not read: silently dropped by Helm. */
    unknownKeys: string[];
    /** The velero.io/v1 Schedule the template renders (metadata.name without the release prefix). */
    object: { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> };
}

/** The Schedules velero chart 12.1.0 renders from `values.schedules`, as its templates/schedule.yaml does. */
export function veleroSchedules(values: { schedules?: Record<string, Record<string, unknown>> }): RenderedSchedule[] {
    return Object.entries(values.schedules ?? {})
        .filter(([, entry]) => !entry.disabled)
        .map(([key, entry]) => {
            const spec: Record<string, unknown> = {};
            for (const flag of ["paused", "useOwnerReferencesInBackup", "skipImmediately"]) if (entry[flag]) spec[flag] = entry[flag];
            spec.schedule = String(entry.schedule);
            if (entry.template) spec.template = entry.template;
            const metadata: Record<string, unknown> = { name: `velero-${key}`, ...(entry.labels ? { labels: entry.labels } : {}), ...(entry.annotations ? { annotations: entry.annotations } : {}) };
            return {
                key,
                unknownKeys: Object.keys(entry).filter((k) => !VELERO_SCHEDULE_KEYS.has(k)),
                object: { apiVersion: "velero.io/v1", kind: "Schedule", metadata, spec },
            };
        });
}
