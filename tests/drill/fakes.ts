/**
 * Fakes for the drill's ports: a stack whose `up` takes a minute, a DNS that
 * flips to the new primary some seconds after `up`, HTTP answers by URL, a
 * Velero backup of a given age, a clock that only moves when told to, and
 * for `--restore` a Velero with a list of backups and a Restore that moves
 * through given phases.
 */
import { CloudName } from "../../components/cluster/contract";
import { computeDrBudget } from "../../stacks/config/dr-budget";
import { BackupInfo, Clock, DrillDeps, DrillStack, ExecuteOptions, SavedPlan, StackPreviewResult, StackUpResult } from "../../commands/drill/orchestrator";
import { PlannedStep } from "../../commands/drill/update-plan";
import { RestoreDeps, RestoreManifest, RestoreOptions, VeleroBackup, VeleroRestoreApi, VeleroRestoreStatus } from "../../commands/drill/restore";

export const T0 = Date.parse("2025-03-01T10:00:00.000Z");

export const OUTPUTS = {
    activeCloud: "aws",
    failover: {
        globalHostname: "app.fin.example.com",
        healthCheckPath: "/healthz",
        targets: { aws: { hostname: "app.aws.fin.example.com" }, azure: { hostname: "app.azure.fin.example.com" } },
    },
    kubeconfigs: { aws: "aws-kubeconfig", azure: "azure-kubeconfig" },
};

export class FakeClock implements Clock {
    constructor(public ms = T0) {}
    now(): number {
        return this.ms;
    }
    async sleep(ms: number): Promise<void> {
        this.ms += ms;
    }
    advance(seconds: number): void {
        this.ms += seconds * 1000;
    }
}

export interface World {
    clock: FakeClock;
    calls: string[];
    active: CloudName;
    /** When `up` finished (ms), once it has. */
    upEndedAt?: number;
    /** What `up` does besides DNS (the database fakes apply replica.primary there, as Pulumi would). */
    onUp?: () => void;
    /** database.archive.generation in the stack config. */
    archiveGeneration: Record<CloudName, number>;
    /** The plans the stack saved and was asked to apply. */
    savedPlans: SavedPlan[];
    appliedPlans: (SavedPlan | undefined)[];
    deps: DrillDeps;
}

const STACK = "urn:pulumi:prod::finplat-dr::finplat:stack:ClusterPair";
/** A preview step as the engine reports it. */
export function plannedStep(op: string, type: string, name: string, keys: string[] = [], diffs: string[] = []): PlannedStep {
    return { urn: `${STACK}$${type}::${name}`, type, name, op, replaceKeys: keys, diffs };
}

/** What a flip previews: DNS records, sizes, role labels, and both Clusters' replica.primary, all in place. */
export const FLIP_STEPS: PlannedStep[] = [
    plannedStep("update", "aws:route53/record:Record", "global-primary", [], ["records"]),
    plannedStep("update", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "pair-azure-app-hpa", [], ["spec"]),
    plannedStep("update", "kubernetes:postgresql.cnpg.io/v1:Cluster", "pair-aws-database-cluster", [], ["spec"]),
    plannedStep("update", "kubernetes:postgresql.cnpg.io/v1:Cluster", "pair-azure-database-cluster", [], ["spec"]),
];

export interface WorldOptions {
    active?: CloudName;
    upSeconds?: number;
    upResult?: "succeeded" | "failed";
    upThrows?: string;
    /** Seconds after the end of `up` when DNS answers with the new primary; Infinity: never. */
    dnsFlipAfterSeconds?: number;
    /** HTTP status per URL (default 200). */
    status?: Record<string, number>;
    /** Age of the latest Completed backup in minutes; undefined: no backup. */
    backupAgeMinutes?: number | null;
    previewThrows?: string;
    outputs?: Record<string, unknown>;
    /** What the preview reports (default FLIP_STEPS). */
    previewSteps?: PlannedStep[];
    /** URNs whose operation fails in `up`. */
    upFailedResources?: string[];
    /** database.archive.generation in the stack config (default 1 on both sides). */
    archiveGeneration?: Partial<Record<CloudName, number>>;
}

export function world(options: WorldOptions = {}): World {
    const clock = new FakeClock();
    const calls: string[] = [];
    const state: World = {
        clock,
        calls,
        active: options.active ?? "aws",
        archiveGeneration: { aws: 1, azure: 1, ...options.archiveGeneration },
        savedPlans: [],
        appliedPlans: [],
        deps: undefined as unknown as DrillDeps,
    };
    const stack: DrillStack = {
        name: "prod",
        async getActiveCloud() {
            calls.push("stack.getActiveCloud");
            return state.active;
        },
        async setActiveCloud(cloud) {
            calls.push(`stack.setActiveCloud ${cloud}`);
            state.active = cloud;
        },
        async preview(previewOptions = {}): Promise<StackPreviewResult> {
            calls.push(`stack.preview activeCloud=${state.active}${previewOptions.savePlan ? " --save-plan" : ""}`);
            if (options.previewThrows) throw new Error(options.previewThrows);
            const steps = options.previewSteps ?? FLIP_STEPS;
            const changes: Record<string, number> = { same: 120 };
            for (const step of steps) changes[step.op] = (changes[step.op] ?? 0) + 1;
            const result: StackPreviewResult = { changes, stdout: "preview output", steps };
            if (previewOptions.savePlan) {
                result.plan = { file: `/tmp/drill-plan/plan-${state.savedPlans.length + 1}.json`, sha256: `${String(state.savedPlans.length + 1).repeat(8)}${"ab".repeat(28)}` };
                state.savedPlans.push(result.plan);
            }
            return result;
        },
        async up(upOptions = {}): Promise<StackUpResult> {
            calls.push(`stack.up activeCloud=${state.active}${upOptions.plan ? ` --plan ${upOptions.plan.file}` : ""}${upOptions.continueOnError ? " --continue-on-error" : ""}`);
            state.appliedPlans.push(upOptions.plan);
            clock.advance(options.upSeconds ?? 60);
            if (options.upThrows) throw new Error(options.upThrows);
            state.onUp?.();
            state.upEndedAt = clock.now();
            const failed = options.upFailedResources ?? [];
            return { result: failed.length ? "failed" : (options.upResult ?? "succeeded"), changes: { update: 4, same: 120 }, failedResources: failed };
        },
        async refresh(urns) {
            calls.push(`stack.refresh ${urns.join(" ")}`);
        },
        async getArchiveGeneration(cloud) {
            calls.push(`stack.getArchiveGeneration ${cloud}`);
            return state.archiveGeneration[cloud];
        },
        async setArchiveGeneration(cloud, generation) {
            calls.push(`stack.setArchiveGeneration ${cloud} ${generation}`);
            state.archiveGeneration[cloud] = generation;
        },
        async findResource(type, name, namespace) {
            calls.push(`stack.findResource ${type} ${namespace}/${name}`);
            return `${STACK}$${type}::${name}`;
        },
        async outputs() {
            calls.push("stack.outputs");
            return options.outputs ?? OUTPUTS;
        },
    };
    const flipAfter = options.dnsFlipAfterSeconds ?? 30;
    state.deps = {
        stack,
        clock,
        dns: {
            async resolveCname(hostname) {
                calls.push(`dns ${hostname}`);
                const flipped = state.upEndedAt !== undefined && clock.now() >= state.upEndedAt + flipAfter * 1000;
                return [flipped ? `app.${state.active}.fin.example.com.` : "app.aws.fin.example.com."];
            },
        },
        http: {
            async get(url, _timeoutMs, serverName) {
                calls.push(`http ${url}${serverName ? ` as ${serverName}` : ""}`);
                return { status: options.status?.[url] ?? 200 };
            },
        },
        backups: {
            async latestSuccessfulBackup(cloud, kubeconfig): Promise<BackupInfo | undefined> {
                calls.push(`backups ${cloud} ${kubeconfig}`);
                if (options.backupAgeMinutes === null || options.backupAgeMinutes === undefined) return undefined;
                return { name: "velero-hourly-20250301093000", completedAt: new Date(clock.now() - options.backupAgeMinutes * 60_000) };
            },
        },
    };
    return state;
}

export const BUDGET = computeDrBudget({ intervalSeconds: 10, failureThreshold: 3, ttlSeconds: 60, scaleUpAllowanceSeconds: 180, promotionAllowanceSeconds: 180, backupScheduleCron: "0 * * * *" });

export function executeOptions(overrides: Partial<ExecuteOptions> = {}): ExecuteOptions {
    return {
        stackName: "prod",
        to: "azure",
        direction: "failover",
        disaster: false,
        reseedOnly: false,
        force: false,
        budget: BUDGET,
        targets: { rtoSeconds: 300, fullCapacitySeconds: 600, rpoMinutes: 60, databaseRpoSeconds: 60 },
        waitTimeoutSeconds: 120,
        pollSeconds: 5,
        probeTimeoutMs: 1000,
        ...overrides,
    };
}

// ---------------------------------------------------------------- restore

/** A backup `minutesOld` before T0. */
export function backup(name: string, storageLocation: string, phase: string, minutesOld?: number): VeleroBackup {
    const b: VeleroBackup = { name, storageLocation, phase, scheduleName: "velero-platform" };
    if (minutesOld !== undefined) b.completedAt = new Date(T0 - minutesOld * 60_000);
    return b;
}

/**
 * What the azure cluster's Velero lists: its own backups (location "default",
 * the newest of all) and the aws cluster's, synced read-only as "peer".
 */
export const BACKUPS: VeleroBackup[] = [
    backup("velero-platform-20250301084000", "peer", "Completed", 80),
    backup("velero-platform-20250301094000", "peer", "Completed", 20),
    backup("velero-platform-20250301095500", "default", "Completed", 5),
    backup("velero-platform-20250301095800", "peer", "Failed", 2),
    backup("velero-platform-20250301095000", "peer", "PartiallyFailed", 10),
    backup("velero-platform-20250301095900", "peer", "InProgress"),
];

export interface RestoreWorld extends World {
    applied: RestoreManifest[];
    restoreDeps: RestoreDeps;
}

export interface RestoreWorldOptions extends WorldOptions {
    backups?: VeleroBackup[];
    listThrows?: string;
    /** What `kubectl apply` answers; default `restore.velero.io/<name> created`. */
    applyOutput?: string;
    /** Seconds `kubectl apply` takes. */
    applySeconds?: number;
    /** The Restore's status at each poll (undefined: not found yet; an Error: kubectl fails); the last one repeats. */
    statuses?: (Partial<VeleroRestoreStatus> | undefined | Error)[];
}

export function restoreWorld(options: RestoreWorldOptions = {}): RestoreWorld {
    const base = world(options);
    const applied: RestoreManifest[] = [];
    const statuses = options.statuses ?? [{ phase: "Completed" }];
    let polls = 0;
    const velero: VeleroRestoreApi = {
        async listBackups(cloud, kubeconfig) {
            base.calls.push(`velero.listBackups ${cloud} ${kubeconfig}`);
            if (options.listThrows) throw new Error(options.listThrows);
            return options.backups ?? BACKUPS;
        },
        async applyRestore(cloud, kubeconfig, manifest) {
            base.calls.push(`velero.applyRestore ${cloud} ${kubeconfig} ${manifest.metadata.name}`);
            applied.push(manifest);
            base.clock.advance(options.applySeconds ?? 1);
            return `${options.applyOutput ?? `restore.velero.io/${manifest.metadata.name} created`}\n`;
        },
        async getRestore(cloud, kubeconfig, name) {
            base.calls.push(`velero.getRestore ${cloud} ${kubeconfig} ${name}`);
            const status = statuses[Math.min(polls++, statuses.length - 1)];
            if (status instanceof Error) throw status;
            return status === undefined ? undefined : { warnings: 0, errors: 0, ...status };
        },
    };
    return { ...base, applied, restoreDeps: { stack: base.deps.stack, velero, clock: base.clock } };
}

export function restoreOptions(overrides: Partial<RestoreOptions> = {}): RestoreOptions {
    return {
        stackName: "prod",
        to: "azure",
        execute: true,
        force: false,
        budget: BUDGET,
        targets: { rtoSeconds: 300, fullCapacitySeconds: 600, rpoMinutes: 60, databaseRpoSeconds: 60 },
        waitTimeoutSeconds: 600,
        pollSeconds: 10,
        ...overrides,
    };
}
