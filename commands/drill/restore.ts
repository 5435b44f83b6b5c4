/**
 * `--restore`: restores the PEER cluster's newest Velero backup into one
 * cluster, after (or to rehearse) a failover.
 *
 * Each cluster's Velero has its own store as location "default" (ReadWrite)
 * and the other cluster's store as location "peer" (ReadOnly); Velero's backup
 * sync copies the peer's backups into the cluster as Backup objects with
 * `spec.storageLocation: peer` (components/addons/velero.ts). This step picks
 * one of those, checks its age against the RPO, creates a Restore and waits
 * for it. Every effect goes through an injected port (stack, Velero, clock),
 * as in orchestrator.ts, so the tests run it against fakes.
 *
 * Without `execute` it stops after the checks and returns the plan (the
 * backup, the location, the cluster and the exact Restore manifest): it reads
 * the stack outputs and lists backups, and writes nothing.
 */
import { CloudName } from "../../components/cluster/contract";
import { DrBudget, DrTargets } from "../../stacks/config/dr-budget";
import { otherCloud } from "./errors";
import { Clock, DrillStack } from "./orchestrator";
import { CheckFailure, RecordedStep, StepFailure, createStepRunner } from "./steps";

// ---------------------------------------------------------------- Velero as the restore sees it

/** Velero's namespace (NAMESPACES.velero in components/addons/well-known.ts). */
export const VELERO_NAMESPACE = "velero";
/** The BackupStorageLocation that points at the other cluster's store, read-only (components/addons/velero.ts). */
export const PEER_LOCATION = "peer";
/**
 * Never restored: Velero itself and the cloud-specific system namespaces. The
 * platform's schedule excludes the same ones from its backups (velero.ts); a
 * restore excludes them again so a hand-made backup cannot bring them along.
 */
export const RESTORE_EXCLUDED_NAMESPACES: readonly string[] = [VELERO_NAMESPACE, "kube-system", "kube-public", "kube-node-lease"];
/**
 * Velero 1.18 accepts "none" and "update" (anything else fails validation).
 * "none": an object that already exists in the target cluster is left as it
 * is and reported as a warning. The target cluster runs the same platform and
 * app (warm standby), deployed by Pulumi and Helm; "update" would patch those
 * live objects with the other cloud's copies (workload-identity annotations,
 * ingress and storage settings, replica counts), breaking them and making the
 * stack drift. The restore should only add what is missing (data volumes,
 * objects created at run time), so it never overwrites a live object.
 */
export const EXISTING_RESOURCE_POLICY = "none";

export const DEFAULT_RESTORE_TIMING = { waitTimeoutSeconds: 3600, pollSeconds: 10 };

/** Phases after which a Restore does not change any more. */
export const TERMINAL_RESTORE_PHASES = ["Completed", "PartiallyFailed", "Failed", "FailedValidation"] as const;
export type TerminalRestorePhase = (typeof TERMINAL_RESTORE_PHASES)[number];

export function isTerminalPhase(phase: string | undefined): phase is TerminalRestorePhase {
    return (TERMINAL_RESTORE_PHASES as readonly string[]).includes(phase ?? "");
}

/** A `backups.velero.io` object, reduced to what the restore needs. */
export interface VeleroBackup {
    name: string;
    /** spec.storageLocation: "default" (own store) or "peer" (the other cluster's, synced read-only). */
    storageLocation?: string;
    /** status.phase */
    phase?: string;
    /** status.completionTimestamp */
    completedAt?: Date;
    /** The velero.io/schedule-name label. */
    scheduleName?: string;
}

/** `restores.velero.io` status. */
export interface VeleroRestoreStatus {
    phase?: string;
    warnings: number;
    errors: number;
    failureReason?: string;
    validationErrors?: string[];
    itemsRestored?: number;
    totalItems?: number;
    /** status.startTimestamp / completionTimestamp (the Velero server's clock). */
    startedAt?: string;
    completedAt?: string;
}

export interface RestoreManifest {
    apiVersion: "velero.io/v1";
    kind: "Restore";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: {
        backupName: string;
        includedNamespaces: string[];
        excludedNamespaces: string[];
        restorePVs: boolean;
        existingResourcePolicy: "none" | "update";
    };
}

/** Velero on one cluster, through kubectl and the cluster's kubeconfig (live.ts), or a fake. */
export interface VeleroRestoreApi {
    /** Every `backups.velero.io` in namespace velero, whatever its location and phase. */
    listBackups(cloud: CloudName, kubeconfig: string): Promise<VeleroBackup[]>;
    /** `kubectl apply -f -` of the manifest; resolves with kubectl's output (e.g. `restore.velero.io/x created`). */
    applyRestore(cloud: CloudName, kubeconfig: string, manifest: RestoreManifest): Promise<string>;
    /** The Restore's status; undefined while it does not exist (yet). */
    getRestore(cloud: CloudName, kubeconfig: string, name: string): Promise<VeleroRestoreStatus | undefined>;
}

export interface RestoreDeps {
    stack: DrillStack;
    velero: VeleroRestoreApi;
    clock: Clock;
    log?: (line: string) => void;
}

export interface RestoreOptions {
    stackName: string;
    /** The cluster to restore into; the backups come from the other cloud's store. */
    to: CloudName;
    /** A backup name (must be Completed, in location "peer"); default: the newest Completed one there. */
    backupName?: string;
    /** Namespaces to restore; default: all ("*"), minus RESTORE_EXCLUDED_NAMESPACES. */
    namespaces?: string[];
    /** false: a dry run (plan only, nothing is created). */
    execute: boolean;
    /** Restore a backup older than the RPO. */
    force: boolean;
    budget: DrBudget;
    targets?: DrTargets;
    waitTimeoutSeconds: number;
    pollSeconds: number;
}

// ---------------------------------------------------------------- pure parts

/** `drill-restore-20250301100000` (UTC; Kubernetes names are lower-case, so no ISO `T`/`Z`). */
export function restoreName(ms: number): string {
    return `drill-restore-${new Date(ms).toISOString().replace(/\.\d+Z$/, "").replace(/[-:T]/g, "")}`;
}

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks `--namespaces a,b`; returns the list or throws with the reason. */
export function parseNamespaces(text: string): string[] {
    const names = text.split(",").map((n) => n.trim());
    if (names.some((n) => n === "")) throw new Error(`--namespaces expects a comma-separated list of namespaces, got "${text}"`);
    const bad = names.filter((n) => !NAMESPACE_NAME.test(n) || n.length > 63);
    if (bad.length) throw new Error(`--namespaces: not a namespace name: ${bad.map((n) => `"${n}"`).join(", ")} (lower-case letters, digits and "-")`);
    const excluded = names.filter((n) => RESTORE_EXCLUDED_NAMESPACES.includes(n));
    if (excluded.length) throw new Error(`--namespaces: ${excluded.join(", ")} is never restored (excluded: ${RESTORE_EXCLUDED_NAMESPACES.join(", ")})`);
    return [...new Set(names)];
}

export function restoreManifest(name: string, backupName: string, namespaces?: string[]): RestoreManifest {
    return {
        apiVersion: "velero.io/v1",
        kind: "Restore",
        metadata: { name, namespace: VELERO_NAMESPACE, labels: { "app.kubernetes.io/managed-by": "finplat-drill" } },
        spec: {
            backupName,
            includedNamespaces: namespaces && namespaces.length ? [...namespaces] : ["*"],
            excludedNamespaces: [...RESTORE_EXCLUDED_NAMESPACES],
            restorePVs: true,
            existingResourcePolicy: EXISTING_RESOURCE_POLICY,
        },
    };
}

const isCompleted = (b: VeleroBackup) => b.phase === "Completed" && b.completedAt !== undefined && !Number.isNaN(b.completedAt.getTime());
const newestFirst = (a: VeleroBackup, b: VeleroBackup) => b.completedAt!.getTime() - a.completedAt!.getTime();

/** Completed backups in location "peer", newest first. */
export function restorableBackups(backups: VeleroBackup[]): VeleroBackup[] {
    return backups.filter((b) => b.storageLocation === PEER_LOCATION && isCompleted(b)).sort(newestFirst);
}

/**
 * The backup to restore: `wanted` (which must exist, be in location "peer"
 * and be Completed) or the newest Completed one in "peer". Throws a message
 * that says what is there instead.
 */
export function selectBackup(backups: VeleroBackup[], to: CloudName, wanted?: string): VeleroBackup {
    const peer = otherCloud(to);
    const candidates = restorableBackups(backups);
    const offer = () =>
        candidates.length
            ? `Completed backups in location "${PEER_LOCATION}", newest first: ${candidates.slice(0, 5).map((b) => b.name).join(", ")}${candidates.length > 5 ? `, … (${candidates.length} in all)` : ""}`
            : `there is no Completed backup in location "${PEER_LOCATION}"`;
    if (wanted !== undefined) {
        const found = backups.find((b) => b.name === wanted);
        if (!found) throw new Error(`backup "${wanted}" not found in namespace ${VELERO_NAMESPACE} on the ${to} cluster; ${offer()}`);
        if (found.storageLocation !== PEER_LOCATION) {
            throw new Error(
                `backup "${wanted}" is in location "${found.storageLocation ?? "(none)"}" (the ${to} cluster's own store), not "${PEER_LOCATION}" (the ${peer} cluster's store); ` +
                    `the restore brings the ${peer} cluster's data into ${to}; ${offer()}`,
            );
        }
        if (!isCompleted(found)) throw new Error(`backup "${wanted}" is ${found.phase ?? "without a phase"}, not Completed; ${offer()}`);
        return found;
    }
    if (!candidates.length) {
        const own = backups.filter((b) => b.storageLocation !== PEER_LOCATION).length;
        const peerOther = backups.filter((b) => b.storageLocation === PEER_LOCATION).length;
        throw new Error(
            `no Completed backup in location "${PEER_LOCATION}" (the ${peer} cluster's store) on the ${to} cluster ` +
                `(${backups.length} backups listed: ${own} in other locations, ${peerOther} in "${PEER_LOCATION}" not Completed); ` +
                `check that the location is Available (kubectl -n ${VELERO_NAMESPACE} get backupstoragelocations) and that the ${peer} cluster's schedule runs`,
        );
    }
    return candidates[0];
}

// ---------------------------------------------------------------- report model

export type RestoreStepName = "read-stack" | "select-backup" | "precheck-backup-age" | "create-restore" | "wait-restore";

export type RestoreStep = RecordedStep<RestoreStepName>;

export interface RestoreReport {
    kind: "finplat-restore-report";
    version: 1;
    stack: string;
    mode: "execute" | "dry-run";
    /** The cluster restored into. */
    to: CloudName;
    /** The cluster whose backups are restored (the owner of the "peer" store). */
    from: CloudName;
    location: typeof PEER_LOCATION;
    forced: boolean;
    /** planned: a dry run that would go ahead. */
    status: "planned" | "succeeded" | "partially-failed" | "failed" | "refused";
    startedAt: string;
    finishedAt: string;
    backup?: { name: string; storageLocation: string; completedAt: string; ageMinutes: number; limitMinutes: number; scheduleName?: string };
    manifest?: RestoreManifest;
    restore?: VeleroRestoreStatus & { name: string };
    steps: RestoreStep[];
    measured: {
        /** `kubectl apply` of the Restore. */
        createSeconds?: number;
        /** From the end of the apply until the Restore reached its final phase. */
        waitSeconds?: number;
        /** From the start of the apply until the final phase. */
        totalSeconds?: number;
        /** status.completionTimestamp − status.startTimestamp (the Velero server's view). */
        serverSeconds?: number;
    };
    budget: DrBudget;
    targets?: DrTargets;
    problems: string[];
    notes: string[];
}

export const RESTORE_TITLES: Record<RestoreStepName, string> = {
    "read-stack": "Read the target cluster's kubeconfig from the stack outputs",
    "select-backup": `Select a Completed backup in location "${PEER_LOCATION}"`,
    "precheck-backup-age": "Pre-check: the backup is younger than the RPO",
    "create-restore": "Create the Velero Restore (kubectl apply)",
    "wait-restore": "Wait until the Restore finishes",
};

export const RESTORE_STEP_ORDER: RestoreStepName[] = ["read-stack", "select-backup", "precheck-backup-age", "create-restore", "wait-restore"];

const round1 = (n: number) => Math.round(n * 10) / 10;

function describeStatus(status: VeleroRestoreStatus | undefined): string {
    if (!status) return "not found";
    const progress = status.totalItems !== undefined ? ` (${status.itemsRestored ?? 0}/${status.totalItems} items)` : "";
    return `${status.phase || "no phase yet"}${progress}`;
}

/**
 * Restores the peer's backup into `options.to`. Always returns a report, also
 * when it refuses or fails; never throws for a restore failure.
 */
export async function runRestore(options: RestoreOptions, deps: RestoreDeps): Promise<RestoreReport> {
    const { clock, velero } = deps;
    const log = deps.log ?? (() => undefined);
    const iso = (ms: number) => new Date(ms).toISOString();
    const startedMs = clock.now();
    const from = otherCloud(options.to);
    const notes: string[] = [];
    let backup: RestoreReport["backup"];
    let manifest: RestoreManifest | undefined;
    let restore: RestoreReport["restore"];

    const { step, times, problems, fillSkipped } = createStepRunner<RestoreStepName>({ titles: RESTORE_TITLES, order: RESTORE_STEP_ORDER, clock, log, force: options.force });

    const finish = (status: RestoreReport["status"]): RestoreReport => {
        const steps = fillSkipped((name) => (!options.execute && (name === "create-restore" || name === "wait-restore") ? "dry run: not run (use --execute)" : "not run"));
        const measured: RestoreReport["measured"] = {};
        const create = times["create-restore"];
        const wait = times["wait-restore"];
        if (create) measured.createSeconds = (create.end - create.start) / 1000;
        if (create && wait && isTerminalPhase(restore?.phase)) {
            measured.waitSeconds = (wait.end - create.end) / 1000;
            measured.totalSeconds = (wait.end - create.start) / 1000;
        }
        if (restore?.startedAt && restore.completedAt) {
            const server = (Date.parse(restore.completedAt) - Date.parse(restore.startedAt)) / 1000;
            if (Number.isFinite(server) && server >= 0) measured.serverSeconds = server;
        }
        return {
            kind: "finplat-restore-report",
            version: 1,
            stack: options.stackName,
            mode: options.execute ? "execute" : "dry-run",
            to: options.to,
            from,
            location: PEER_LOCATION,
            forced: options.force,
            status,
            startedAt: iso(startedMs),
            finishedAt: iso(clock.now()),
            backup,
            manifest,
            restore,
            steps,
            measured,
            budget: options.budget,
            targets: options.targets,
            problems,
            notes,
        };
    };

    let kubeconfig = "";
    try {
        await step("read-stack", async () => {
            const outputs = await deps.stack.outputs();
            const kubeconfigs = (outputs.kubeconfigs ?? {}) as Record<string, unknown>;
            const value = kubeconfigs[options.to];
            if (typeof value !== "string" || value === "") {
                throw new Error(`the stack outputs lack kubeconfigs.${options.to}; run \`pulumi up\` first (the ${options.to} cluster's kubeconfig is how the restore reaches it)`);
            }
            kubeconfig = value;
            return `kubeconfig of the ${options.to} cluster from stack output kubeconfigs.${options.to}`;
        });

        let chosen: VeleroBackup | undefined;
        await step("select-backup", async () => {
            let backups: VeleroBackup[];
            try {
                backups = await velero.listBackups(options.to, kubeconfig);
            } catch (err) {
                throw new Error(`cannot list Velero backups on the ${options.to} cluster: ${(err as Error).message}`);
            }
            chosen = selectBackup(backups, options.to, options.backupName);
            const how = options.backupName ? "as asked (--backup)" : "the newest Completed one";
            return `${chosen.name} from location "${PEER_LOCATION}" (the ${from} cluster's store), completed ${chosen.completedAt!.toISOString()}: ${how}`;
        });
        const picked = chosen!;
        manifest = restoreManifest(restoreName(clock.now()), picked.name, options.namespaces);

        const limitMinutes = options.targets?.rpoMinutes ?? options.budget.rpoMinutes;
        const fresh = await step(
            "precheck-backup-age",
            async () => {
                const ageMinutes = (clock.now() - picked.completedAt!.getTime()) / 60_000;
                backup = {
                    name: picked.name,
                    storageLocation: picked.storageLocation ?? PEER_LOCATION,
                    completedAt: picked.completedAt!.toISOString(),
                    ageMinutes: round1(ageMinutes),
                    limitMinutes,
                    ...(picked.scheduleName ? { scheduleName: picked.scheduleName } : {}),
                };
                if (ageMinutes > limitMinutes) {
                    throw new CheckFailure(
                        `backup ${picked.name} is ${Math.round(ageMinutes)} min old, older than the ${limitMinutes} min RPO; restoring it loses more data than promised ` +
                            `(check the ${from} cluster's schedule, or pass --force to restore it anyway)`,
                    );
                }
                return `backup ${picked.name} is ${Math.round(ageMinutes)} min old (RPO ${limitMinutes} min)`;
            },
            true,
        );

        if (!fresh) {
            if (!options.force) {
                notes.push(options.execute ? "Refused before creating anything: re-run with --force to restore this backup anyway." : "A run with --execute would refuse; add --force to restore this backup anyway.");
                return finish("refused");
            }
            notes.push("The backup is older than the RPO and --force was given: the restore went ahead anyway.");
        }

        if (!options.execute) {
            notes.push(`Dry run: nothing was created. With --execute the Restore is named after the time it is created (drill-restore-<UTC YYYYMMDDHHMMSS>).`);
            return finish("planned");
        }

        // Named after the time it is created (the dry run's name only shows the form).
        manifest = restoreManifest(restoreName(clock.now()), picked.name, options.namespaces);
        const name = manifest.metadata.name;
        await step("create-restore", async () => {
            const output = (await velero.applyRestore(options.to, kubeconfig, manifest!)).trim();
            // apply on an existing name would "configure" or leave "unchanged" an old Restore, which Velero never re-runs.
            if (!/\bcreated\b/.test(output)) {
                throw new Error(`kubectl apply did not create Restore ${name} (it answered "${output}"): a Restore of that name already exists; wait a second and retry`);
            }
            return `${output} in namespace ${VELERO_NAMESPACE} on the ${options.to} cluster`;
        });

        let last: VeleroRestoreStatus | undefined;
        let lastError: string | undefined;
        await step("wait-restore", async () => {
            const deadline = clock.now() + options.waitTimeoutSeconds * 1000;
            let attempts = 0;
            let lastLogged = "";
            for (;;) {
                attempts++;
                try {
                    last = await velero.getRestore(options.to, kubeconfig, name);
                    lastError = undefined;
                } catch (err) {
                    lastError = (err as Error).message;
                }
                if (last) restore = { name, ...last };
                const now = lastError ? `error: ${lastError}` : describeStatus(last);
                if (now !== lastLogged) log(`  restore ${name}: ${now}`);
                lastLogged = now;
                if (isTerminalPhase(last?.phase)) break;
                if (clock.now() >= deadline) {
                    notes.push(
                        `The Restore keeps running in the cluster: follow it with \`kubectl -n ${VELERO_NAMESPACE} get restore ${name} -w\` or \`velero restore describe ${name}\`.`,
                    );
                    throw new Error(`timed out after ${options.waitTimeoutSeconds} s waiting for Restore ${name} to finish; last answer: ${now}`);
                }
                await clock.sleep(options.pollSeconds * 1000);
            }
            const final = last!;
            const counts = `${final.warnings} warning${final.warnings === 1 ? "" : "s"}, ${final.errors} error${final.errors === 1 ? "" : "s"}`;
            const after = `after ${attempts} poll${attempts === 1 ? "" : "s"}`;
            if (final.phase === "Completed") return `Completed: ${counts}${describeStatus(final).replace(/^Completed/, "")} (${after})`;
            const reason = [final.failureReason, ...(final.validationErrors ?? [])].filter(Boolean).join("; ");
            throw new Error(`Restore ${name} ended ${final.phase}: ${counts}${reason ? `; ${reason}` : ""} (${after})`);
        });

        if (restore && restore.warnings > 0) {
            notes.push(
                `${restore.warnings} warning(s): with existingResourcePolicy "${EXISTING_RESOURCE_POLICY}" every object that already exists in the ${options.to} cluster is kept and counted as a warning; ` +
                    `list them with \`velero restore describe ${name} --details\`.`,
            );
        }
        return finish("succeeded");
    } catch (err) {
        if (!(err instanceof StepFailure)) problems.push((err as Error).message);
        if (!times["create-restore"]) notes.push("Nothing was created in the cluster.");
        if (restore?.phase === "PartiallyFailed") {
            notes.push(`Some items were not restored: \`velero restore describe ${restore.name} --details\` and \`velero restore logs ${restore.name}\` say which.`);
            return finish("partially-failed");
        }
        return finish("failed");
    }
}

// ---------------------------------------------------------------- the dry run, for people

/** What `--restore` without `--execute` prints. */
export function renderRestorePlan(report: RestoreReport, options: Pick<RestoreOptions, "waitTimeoutSeconds" | "pollSeconds">): string {
    const lines: string[] = [];
    lines.push(`Restore dry run for stack "${report.stack}" into the ${report.to} cluster (reads only: nothing is created)`);
    lines.push("");
    if (report.backup) {
        lines.push(`  backup:    ${report.backup.name}${report.backup.scheduleName ? ` (schedule ${report.backup.scheduleName})` : ""}`);
        lines.push(`  from:      location "${report.location}" = the ${report.from} cluster's backup store, read-only`);
        lines.push(`  completed: ${report.backup.completedAt}, ${report.backup.ageMinutes} min ago (RPO limit ${report.backup.limitMinutes} min)`);
    }
    lines.push(`  into:      the ${report.to} cluster (kubeconfig from stack output kubeconfigs.${report.to}), Restore in namespace ${VELERO_NAMESPACE}`);
    if (report.manifest) {
        const spec = report.manifest.spec;
        lines.push(`  restores:  namespaces ${spec.includedNamespaces.join(", ")} except ${spec.excludedNamespaces.join(", ")}; existing objects are kept (existingResourcePolicy "${spec.existingResourcePolicy}")`);
        lines.push("");
        lines.push(`With --execute it would pipe this manifest to \`kubectl apply -f -\`:`);
        lines.push("");
        lines.push(JSON.stringify(report.manifest, null, 2));
        lines.push("");
        lines.push(
            `then poll \`kubectl -n ${VELERO_NAMESPACE} get restore ${report.manifest.metadata.name} -o json\` every ${options.pollSeconds} s ` +
                `until Completed, PartiallyFailed or Failed (at most ${options.waitTimeoutSeconds} s), and write restore-${report.stack}-<timestamp>.json and .md.`,
        );
    }
    lines.push("");
    const verdict: Record<RestoreReport["status"], string> = {
        planned: "Checks passed: run again with --execute to restore.",
        refused: "--execute would REFUSE:",
        failed: "Cannot restore:",
        succeeded: "",
        "partially-failed": "",
    };
    lines.push(verdict[report.status]);
    report.problems.forEach((p) => lines.push(`  - ${p}`));
    report.notes.forEach((n) => lines.push(`  note: ${n}`));
    return lines.join("\n");
}
