/**
 * `--restore --pitr <time>`: point-in-time recovery of the database, for
 * verification. A new CloudNativePG Cluster is bootstrapped from one side's
 * WAL archive to the target time (bootstrap.recovery with the Barman Cloud
 * plugin, recoveryTarget.targetTime) in that side's restore slot: its own
 * namespace, a fixed Cluster name whose ServiceAccount the archive trusts
 * read-only (the `database.clusters.<side>.restore` stack output). The drill
 * waits until it is up, reports what was recovered (where recovery stopped,
 * the databases, an optional query of yours) and deletes it again unless
 * `--keep`. It never touches the live Clusters.
 *
 * Without `execute` it reads the stack outputs and the source Cluster and
 * prints the manifest; it creates nothing.
 */
import { CloudName } from "../../components/cluster/contract";
import { BARMAN_PLUGIN, CnpgCluster, DatabaseApi, DatabaseTopology, HEALTHY_PHASE, KubeTarget, RestoreSlot, databaseFromOutputs, describePhase, waitVolumesGone } from "./database";
import { Clock, DrillStack } from "./orchestrator";
import { PollOptions, RecordedStep, StepFailure, createStepRunner, pollUntil } from "./steps";

export const DEFAULT_PITR_TIMING = { waitTimeoutSeconds: 3600, pollSeconds: 15 };
/** The externalClusters entry the recovery reads from. */
export const PITR_SOURCE = "origin";
export const PITR_LABELS = { "app.kubernetes.io/managed-by": "finplat-drill", "finplat.io/drill": "pitr" };

/**
 * An RFC 3339 time with an explicit offset ("2025-03-01T09:45:00Z",
 * "2025-03-01T10:45:00+01:00"), not in the future; returned in UTC. CloudNativePG
 * reads a time without an offset as UTC, which is the ambiguity this refuses.
 */
export function parsePitrTime(text: string, nowMs: number): string {
    const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
    const ms = Date.parse(text.replace(" ", "T"));
    if (!rfc3339.test(text) || Number.isNaN(ms)) {
        throw new Error(`--pitr expects an RFC 3339 time with an offset, e.g. 2025-03-01T09:45:00Z or 2025-03-01T10:45:00+01:00; got "${text}"`);
    }
    if (ms > nowMs) throw new Error(`--pitr ${text} is in the future (now ${new Date(nowMs).toISOString()}): recovery can only stop at a time the archive has passed`);
    return new Date(ms).toISOString();
}

/** The archive's server name: the Barman plugin's serverName parameter, else the Cluster's name (as the plugin does). */
export function archiveServerName(source: CnpgCluster): string {
    const plugins = (source.spec.plugins ?? []) as { name?: string; parameters?: Record<string, string> }[];
    return plugins.find((p) => p.name === BARMAN_PLUGIN)?.parameters?.serverName ?? source.name;
}

/** The application database the source was bootstrapped with (CloudNativePG's default "app"). */
export function appDatabase(source: CnpgCluster): { database: string; owner: string } {
    const bootstrap = (source.spec.bootstrap ?? {}) as Record<string, { database?: string; owner?: string } | undefined>;
    const method = bootstrap.initdb ?? bootstrap.recovery ?? bootstrap.pg_basebackup ?? {};
    const database = method.database ?? "app";
    return { database, owner: method.owner ?? database };
}

/**
 * The PITR Cluster: one instance in the restore slot, recovered from the side's
 * archive to `targetTime`, with the source's image and Postgres parameters (a
 * recovering server needs settings at least as large as the primary's) and
 * storage size, the slot's workload identity, no archiving, no superuser.
 */
export function pitrManifest(slot: RestoreSlot, source: CnpgCluster, targetTime: string): object {
    const spec = source.spec as {
        imageName?: string;
        imageCatalogRef?: unknown;
        postgresql?: { parameters?: Record<string, string> };
        storage?: { size?: string; storageClass?: string };
        resources?: unknown;
    };
    if (!spec.storage?.size) throw new Error(`the source Cluster ${source.namespace}/${source.name} has no spec.storage.size to size the recovery with`);
    const { database, owner } = appDatabase(source);
    return {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: {
            name: slot.clusterName,
            namespace: slot.namespace,
            labels: { ...PITR_LABELS },
            annotations: { "finplat.io/pitr-target-time": targetTime, "finplat.io/pitr-source": `${source.namespace}/${source.name}` },
        },
        spec: {
            instances: 1,
            enableSuperuserAccess: false,
            ...(spec.imageName ? { imageName: spec.imageName } : {}),
            ...(spec.imageCatalogRef ? { imageCatalogRef: spec.imageCatalogRef } : {}),
            ...(spec.postgresql?.parameters ? { postgresql: { parameters: { ...spec.postgresql.parameters } } } : {}),
            storage: { size: spec.storage.size, ...(spec.storage.storageClass ? { storageClass: spec.storage.storageClass } : {}) },
            ...(spec.resources ? { resources: spec.resources } : {}),
            serviceAccountTemplate: { metadata: { annotations: { ...slot.serviceAccountAnnotations } } },
            ...(Object.keys(slot.podLabels).length ? { inheritedMetadata: { labels: { ...slot.podLabels } } } : {}),
            bootstrap: { recovery: { source: PITR_SOURCE, database, owner, recoveryTarget: { targetTime } } },
            externalClusters: [{ name: PITR_SOURCE, plugin: { name: BARMAN_PLUGIN, parameters: { barmanObjectName: slot.objectStore, serverName: archiveServerName(source) } } }],
        },
    };
}

/** What the recovered instance says about itself: timeline, databases, and the new timeline's history file. */
export const RECOVERED_STATE_SQL = [
    "SELECT json_build_object(",
    "'timeline', c.timeline_id,",
    "'databases', (SELECT json_agg(datname ORDER BY datname) FROM pg_database WHERE NOT datistemplate),",
    "'history', CASE WHEN c.timeline_id > 1 THEN pg_read_file('pg_wal/' || lpad(upper(to_hex(c.timeline_id)), 8, '0') || '.history') END",
    ") FROM pg_control_checkpoint() c",
].join(" ");

export interface RecoveredState {
    timeline?: number;
    databases: string[];
    /** Where recovery ended, from the last line of the timeline history ("before 2025-03-01 09:45:02.1+00"). */
    stopReason?: string;
    /** The WAL position where the new timeline starts. */
    switchpoint?: string;
}

/** psql's answer to RECOVERED_STATE_SQL → RecoveredState. */
export function parseRecoveredState(stdout: string): RecoveredState {
    const row = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { timeline?: number; databases?: string[] | null; history?: string | null };
    const state: RecoveredState = { databases: row.databases ?? [] };
    if (typeof row.timeline === "number") state.timeline = row.timeline;
    const last = (row.history ?? "").trim().split("\n").filter((l) => l.trim() && !l.startsWith("#")).pop();
    if (last) {
        const [, switchpoint, ...reason] = last.split("\t");
        if (switchpoint) state.switchpoint = switchpoint.trim();
        if (reason.length) state.stopReason = reason.join("\t").trim();
    }
    return state;
}

// ---------------------------------------------------------------- the run

export type PitrStepName = "read-stack" | "read-source" | "create-cluster" | "wait-recovered" | "verify" | "clean-up";

export interface PitrOptions {
    stackName: string;
    /** The side whose archive is recovered (in its restore slot); default: the primary side. */
    cloud?: CloudName;
    /** RFC 3339, UTC (parsePitrTime). */
    targetTime: string;
    execute: boolean;
    /** --keep: leave the recovered Cluster for inspection. */
    keep: boolean;
    /** --verify-sql: a read-only query run in the application database. */
    verifySql?: string;
    waitTimeoutSeconds: number;
    pollSeconds: number;
}

export interface PitrDeps {
    stack: Pick<DrillStack, "outputs">;
    database: DatabaseApi;
    clock: Clock;
    log?: (line: string) => void;
}

export interface PitrReport {
    kind: "finplat-pitr-report";
    version: 1;
    stack: string;
    mode: "execute" | "dry-run";
    cloud?: CloudName;
    /** planned: a dry run that would go ahead. */
    status: "planned" | "succeeded" | "failed";
    startedAt: string;
    finishedAt: string;
    targetTime: string;
    source?: { namespace: string; cluster: string; archive: string; serverName: string };
    slot?: { namespace: string; clusterName: string; objectStore: string };
    manifest?: object;
    recovered?: RecoveredState & { pod: string; verification?: { database: string; sql: string; output: string } };
    /** The recovered Cluster was left in place (--keep, or its deletion failed). */
    kept: boolean;
    steps: RecordedStep<PitrStepName>[];
    measured: { createSeconds?: number; recoverySeconds?: number; totalSeconds?: number };
    problems: string[];
    notes: string[];
}

export const PITR_TITLES: Record<PitrStepName, string> = {
    "read-stack": "Read the database topology and the restore slot from the stack outputs",
    "read-source": "Read the source Cluster and check the restore slot is free",
    "create-cluster": "Create the recovery Cluster (kubectl create)",
    "wait-recovered": "Wait until the recovery Cluster is up",
    verify: "Verify what was recovered",
    "clean-up": "Delete the recovery Cluster",
};

export const PITR_STEP_ORDER: PitrStepName[] = ["read-stack", "read-source", "create-cluster", "wait-recovered", "verify", "clean-up"];

/** Runs (or, without execute, plans) a point-in-time recovery. Always returns a report. */
export async function runPitr(options: PitrOptions, deps: PitrDeps): Promise<PitrReport> {
    const { clock, database: api } = deps;
    const log = deps.log ?? (() => undefined);
    const iso = (ms: number) => new Date(ms).toISOString();
    const poll: PollOptions = { clock, timeoutSeconds: options.waitTimeoutSeconds, pollSeconds: options.pollSeconds };
    const startedMs = clock.now();
    const notes: string[] = [];
    let topology: DatabaseTopology | undefined;
    let cloud = options.cloud;
    let slot: RestoreSlot | undefined;
    let slotTarget: KubeTarget | undefined;
    let manifest: object | undefined;
    let source: PitrReport["source"];
    let recovered: PitrReport["recovered"];
    let created = false;
    let kept = false;
    let appDb = "app";

    const { step, times, problems, fillSkipped } = createStepRunner<PitrStepName>({ titles: PITR_TITLES, order: PITR_STEP_ORDER, clock, log, force: false });

    const finish = (status: PitrReport["status"]): PitrReport => {
        const steps = fillSkipped((name) => (!options.execute && PITR_STEP_ORDER.indexOf(name) >= 2 ? "dry run: not run (use --execute)" : "not run"));
        const measured: PitrReport["measured"] = {};
        const create = times["create-cluster"];
        const wait = times["wait-recovered"];
        if (create) measured.createSeconds = (create.end - create.start) / 1000;
        if (create && wait && steps.find((s) => s.name === "wait-recovered")?.status === "ok") {
            measured.recoverySeconds = (wait.end - create.end) / 1000;
            measured.totalSeconds = (wait.end - create.start) / 1000;
        }
        return {
            kind: "finplat-pitr-report",
            version: 1,
            stack: options.stackName,
            mode: options.execute ? "execute" : "dry-run",
            ...(cloud ? { cloud } : {}),
            status,
            startedAt: iso(startedMs),
            finishedAt: iso(clock.now()),
            targetTime: options.targetTime,
            ...(source ? { source } : {}),
            ...(slot ? { slot: { namespace: slot.namespace, clusterName: slot.clusterName, objectStore: slot.objectStore } } : {}),
            ...(manifest ? { manifest } : {}),
            ...(recovered ? { recovered } : {}),
            kept,
            steps,
            measured,
            problems,
            notes,
        };
    };

    const cleanUp = async () => {
        if (!created || !slotTarget || !slot) return;
        if (options.keep) {
            kept = true;
            notes.push(`--keep: the recovery Cluster stays: \`kubectl -n ${slot.namespace} get cluster ${slot.clusterName}\`; delete it with \`kubectl -n ${slot.namespace} delete cluster ${slot.clusterName}\`.`);
            return;
        }
        const s = slot;
        const t = slotTarget;
        try {
            await step("clean-up", async () => {
                await api.deleteCluster(t, s.clusterName);
                const detail = await waitVolumesGone(api, t, s.clusterName, poll);
                return `deleted Cluster ${s.namespace}/${s.clusterName}; ${detail}`;
            });
        } catch {
            kept = true;
            notes.push(`The recovery Cluster may still exist: \`kubectl -n ${s.namespace} delete cluster ${s.clusterName}\`.`);
        }
    };

    try {
        await step("read-stack", async () => {
            const outputs = await deps.stack.outputs();
            topology = databaseFromOutputs(outputs);
            if (!topology) throw new Error(`the stack has no "database" output (app.database.mode external?): point-in-time recovery needs the in-cluster database`);
            cloud ??= topology.primaryCloud;
            const kubeconfig = ((outputs.kubeconfigs ?? {}) as Record<string, unknown>)[cloud];
            if (typeof kubeconfig !== "string" || !kubeconfig) throw new Error(`the stack outputs lack kubeconfigs.${cloud}`);
            slot = topology.clusters[cloud].restore;
            slotTarget = { cloud, kubeconfig, namespace: slot.namespace };
            const side = topology.clusters[cloud];
            return `the ${cloud} side's archive ${side.archive} (Cluster ${topology.namespace}/${side.name}, ${side.role}), recovered into ${slot.namespace}/${slot.clusterName}`;
        });
        const side = topology!.clusters[cloud!];
        const sourceTarget: KubeTarget = { ...slotTarget!, namespace: topology!.namespace };

        await step("read-source", async () => {
            const live = await api.getCluster(sourceTarget, side.name);
            if (!live) throw new Error(`the source Cluster ${topology!.namespace}/${side.name} does not exist on the ${cloud} cluster`);
            const existing = await api.getCluster(slotTarget!, slot!.clusterName);
            if (existing) {
                throw new Error(
                    `a Cluster ${slot!.namespace}/${slot!.clusterName} already exists (an earlier --keep?): delete it first with \`kubectl -n ${slot!.namespace} delete cluster ${slot!.clusterName}\``,
                );
            }
            manifest = pitrManifest(slot!, live, options.targetTime);
            appDb = appDatabase(live).database;
            source = { namespace: topology!.namespace, cluster: side.name, archive: side.archive, serverName: archiveServerName(live) };
            return `source ${side.name} (server name ${source.serverName} in ${side.archive}); the slot ${slot!.namespace}/${slot!.clusterName} is free`;
        });

        if (!options.execute) {
            notes.push("Dry run: nothing was created.");
            return finish("planned");
        }

        await step("create-cluster", async () => {
            await api.createCluster(slotTarget!, manifest!);
            created = true;
            return `created Cluster ${slot!.namespace}/${slot!.clusterName}: recovery to ${options.targetTime}`;
        });

        let pod = "";
        await step("wait-recovered", () =>
            pollUntil(poll, `${slot!.clusterName} to finish its recovery`, async () => {
                const cluster = await api.getCluster(slotTarget!, slot!.clusterName);
                const phase = describePhase(cluster);
                if (cluster?.phase === HEALTHY_PHASE && cluster.currentPrimary && (cluster.readyInstances ?? 0) >= 1) {
                    pod = cluster.currentPrimary;
                    return { done: true, last: `${pod} is up (${phase})` };
                }
                return { done: false, last: cluster ? phase : "not found" };
            }),
        );

        await step("verify", async () => {
            const state = parseRecoveredState(await api.query(slotTarget!, pod, "postgres", RECOVERED_STATE_SQL));
            recovered = { pod, ...state };
            const facts = [
                `timeline ${state.timeline ?? "?"}`,
                state.stopReason ? `recovery stopped ${state.stopReason}` : "no recovery stop recorded",
                `databases: ${state.databases.join(", ") || "none"}`,
            ];
            if (options.verifySql) {
                const output = await api.query(slotTarget!, pod, appDb, options.verifySql);
                recovered.verification = { database: appDb, sql: options.verifySql, output };
                facts.push(`--verify-sql in ${appDb}: ${output.split("\n").slice(0, 3).join(" | ")}${output.split("\n").length > 3 ? " …" : ""}`);
            }
            if (!state.stopReason || /no recovery target/.test(state.stopReason)) {
                throw new Error(`recovery did not stop at the target time (${facts.join("; ")}): the archive holds no transaction after ${options.targetTime}`);
            }
            return facts.join("; ");
        });
        await cleanUp();
        return finish(problems.length ? "failed" : "succeeded");
    } catch (err) {
        if (!(err instanceof StepFailure)) problems.push((err as Error).message);
        await cleanUp();
        return finish("failed");
    }
}

/** What `--restore --pitr` without `--execute` prints. */
export function renderPitrPlan(report: PitrReport): string {
    const lines: string[] = [];
    lines.push(`Point-in-time recovery dry run for stack "${report.stack}" (reads only: nothing is created)`);
    lines.push("");
    if (report.source) lines.push(`  from:   the ${report.cloud} archive ${report.source.archive} (server name ${report.source.serverName}, Cluster ${report.source.namespace}/${report.source.cluster})`);
    lines.push(`  to:     ${report.targetTime}`);
    if (report.slot) lines.push(`  into:   Cluster ${report.slot.namespace}/${report.slot.clusterName} (ObjectStore ${report.slot.objectStore}, read-only), deleted afterwards unless --keep`);
    if (report.manifest) {
        lines.push("");
        lines.push("With --execute it would pipe this manifest to `kubectl create -f -`:");
        lines.push("");
        lines.push(JSON.stringify(report.manifest, null, 2));
    }
    lines.push("");
    lines.push(report.status === "planned" ? "Checks passed: run again with --execute to recover." : "Cannot recover:");
    report.problems.forEach((p) => lines.push(`  - ${p}`));
    report.notes.forEach((n) => lines.push(`  note: ${n}`));
    return lines.join("\n");
}
