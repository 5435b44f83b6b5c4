/**
 * Fakes for the drill's ports: a stack whose `up` takes a minute, a DNS that
 * flips to the new primary some seconds after `up`, HTTP answers by URL, a
 * Velero backup of a given age, and a clock that only moves when told to.
 */
import { CloudName } from "../../components/cluster/contract";
import { computeDrBudget } from "../../stacks/dr-budget";
import { BackupInfo, Clock, DrillDeps, DrillStack, ExecuteOptions, StackPreviewResult, StackUpResult } from "../../tools/drill/orchestrator";

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
    deps: DrillDeps;
}

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
}

export function world(options: WorldOptions = {}): World {
    const clock = new FakeClock();
    const calls: string[] = [];
    const state: World = { clock, calls, active: options.active ?? "aws", deps: undefined as unknown as DrillDeps };
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
        async preview(): Promise<StackPreviewResult> {
            calls.push(`stack.preview activeCloud=${state.active}`);
            if (options.previewThrows) throw new Error(options.previewThrows);
            return { changes: { update: 4, same: 120 }, stdout: "preview output" };
        },
        async up(): Promise<StackUpResult> {
            calls.push(`stack.up activeCloud=${state.active}`);
            clock.advance(options.upSeconds ?? 60);
            if (options.upThrows) throw new Error(options.upThrows);
            state.upEndedAt = clock.now();
            return { result: options.upResult ?? "succeeded", changes: { update: 4, same: 120 } };
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
            async get(url) {
                calls.push(`http ${url}`);
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

export const BUDGET = computeDrBudget({ intervalSeconds: 10, failureThreshold: 3, ttlSeconds: 60, scaleUpAllowanceSeconds: 180, backupScheduleCron: "0 * * * *" });

export function executeOptions(overrides: Partial<ExecuteOptions> = {}): ExecuteOptions {
    return {
        stackName: "prod",
        to: "azure",
        direction: "failover",
        force: false,
        budget: BUDGET,
        targets: { rtoSeconds: 300, rpoMinutes: 60 },
        waitTimeoutSeconds: 120,
        pollSeconds: 5,
        probeTimeoutMs: 1000,
        ...overrides,
    };
}
