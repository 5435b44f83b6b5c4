/**
 * Admin processes (twelve-factor): the nightly reconciliation runs as a CronJob
 * with exactly the stable track's image reference, user, settings and Vault
 * role, so it always matches the code that is serving.
 */
import * as k8s from "@pulumi/kubernetes";
import { appLabels } from "./layout";
import { PodFoundation, reconciliationPodTemplate } from "./pod-spec";
import { AppContext } from "./types";
import { awaitAnnotations } from "./workload";

export const DEFAULT_RECONCILIATION_COMMAND = ["reconcile"];

export interface ReconciliationArgs {
    /** The stable track's image reference, verbatim. */
    image: string;
    schedule: string;
    command: string[];
    /** false suspends the CronJob (kept, not deleted, so a role flip is an in-place update). */
    enabled: boolean;
    /** false: annotate the CronJob so Pulumi does not wait on it (see FinancialAppArgs.awaitReadiness). */
    awaitReadiness: boolean;
}

export function createReconciliationCronJob(ctx: AppContext, foundation: PodFoundation, args: ReconciliationArgs): k8s.batch.v1.CronJob {
    return new k8s.batch.v1.CronJob(`${ctx.prefix}-reconciliation`, {
        metadata: { name: `${ctx.appName}-reconciliation`, namespace: ctx.namespace, labels: appLabels(ctx.appName), ...awaitAnnotations(args.awaitReadiness) },
        spec: {
            schedule: args.schedule,
            timeZone: "Etc/UTC",
            suspend: !args.enabled,
            // A reconciliation must never overlap the previous one.
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 5,
            jobTemplate: {
                metadata: { labels: appLabels(ctx.appName) },
                spec: {
                    backoffLimit: 2,
                    activeDeadlineSeconds: 4 * 3600,
                    ttlSecondsAfterFinished: 7 * 24 * 3600,
                    template: reconciliationPodTemplate(foundation, args.image, args.command),
                },
            },
        },
    }, ctx.opts);
}
