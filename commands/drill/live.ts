/**
 * Real adapters for `--preview` and `--execute`: the Pulumi Automation API
 * (a LocalWorkspace on this project directory, which drives the `pulumi`
 * CLI), node's DNS resolver, HTTPS GETs and `kubectl` for Velero backups
 * and restores. Nothing here runs under `--simulate`.
 */
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as dns from "dns";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { CLOUDS, CloudName } from "../../components/cluster/contract";
import { PROJECT_ROOT, UnknownStackError, requireStackFile as requireOfflineStackFile } from "../offline/stack-files";
import { DrillSetupError, isCloud } from "./errors";
import { BackupInfo, BackupProbe, DnsProbe, DrillStack, HttpProbe, SavedPlan, StackPreviewResult, StackUpResult } from "./orchestrator";
import { PEER_LOCATION, RestoreManifest, VELERO_NAMESPACE, VeleroBackup, VeleroRestoreApi, VeleroRestoreStatus } from "./restore";
import { plannedStepsFromEvents } from "./update-plan";

// ---------------------------------------------------------------- prerequisites

/** True when `command` can be spawned from PATH. */
export function commandExists(command: string, args: string[] = ["version"]): boolean {
    const result = spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
    return !(result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT");
}

export function requirePulumiCli(exists: (command: string) => boolean = commandExists): void {
    if (!exists("pulumi")) {
        throw new DrillSetupError(
            "the pulumi CLI is not installed or not on PATH; --preview and --execute drive it through the Automation API (install: https://www.pulumi.com/docs/install/; --simulate works without it)",
        );
    }
}

export function requireKubectl(exists: (command: string) => boolean = (command) => commandExists(command, ["version", "--client"])): void {
    if (!exists("kubectl")) {
        throw new DrillSetupError(
            "kubectl is not installed or not on PATH; the drill drives Velero and CloudNativePG with it (install: https://kubernetes.io/docs/tasks/tools/; AKS kubeconfigs also need kubelogin, EKS ones the aws CLI)",
        );
    }
}

export interface CredentialContext {
    env: NodeJS.ProcessEnv;
    homeDir: string;
    exists: (file: string) => boolean;
    /** `az account show` succeeds (an Azure CLI login). */
    azLoggedIn: () => boolean;
}

/** Best-effort: one message per cloud (of `clouds`, default both) whose credentials are visibly absent. */
export function credentialProblems(ctx: CredentialContext, clouds: readonly CloudName[] = CLOUDS): string[] {
    const problems: string[] = [];
    const has = (...names: string[]) => names.some((n) => !!ctx.env[n]);
    const awsFiles = [path.join(ctx.homeDir, ".aws", "credentials"), path.join(ctx.homeDir, ".aws", "config")];
    if (
        clouds.includes("aws") &&
        !has("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") &&
        !(ctx.env.AWS_SHARED_CREDENTIALS_FILE && ctx.exists(ctx.env.AWS_SHARED_CREDENTIALS_FILE)) &&
        !awsFiles.some(ctx.exists)
    ) {
        problems.push("no AWS credentials: set AWS_PROFILE (with ~/.aws/config), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN");
    }
    if (clouds.includes("azure") && !has("ARM_CLIENT_ID", "ARM_USE_MSI", "ARM_USE_OIDC", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE") && !ctx.azLoggedIn()) {
        problems.push("no Azure credentials: run `az login`, or set ARM_CLIENT_ID/ARM_CLIENT_SECRET/ARM_TENANT_ID/ARM_SUBSCRIPTION_ID (or ARM_USE_OIDC / ARM_USE_MSI)");
    }
    return problems;
}

export function defaultCredentialContext(): CredentialContext {
    return {
        env: process.env,
        homeDir: os.homedir(),
        exists: (file) => fs.existsSync(file),
        azLoggedIn: () => {
            const result = spawnSync("az", ["account", "show", "--output", "none"], { stdio: "ignore", timeout: 30_000 });
            return !result.error && result.status === 0;
        },
    };
}

/** Throws when a cloud's credentials are visibly absent; `clouds`: only these (a restore talks to one cluster). */
export function requireCredentials(ctx: CredentialContext = defaultCredentialContext(), clouds: readonly CloudName[] = CLOUDS): void {
    const problems = credentialProblems(ctx, clouds);
    if (problems.length) throw new DrillSetupError(problems.join("; "));
}

/** An unknown stack is a DrillSetupError (exit 2). */
export function requireStackFile(stack: string, root = PROJECT_ROOT): void {
    try {
        requireOfflineStackFile(stack, root);
    } catch (err) {
        if (err instanceof UnknownStackError) throw new DrillSetupError(err.message);
        throw err;
    }
}

// ---------------------------------------------------------------- the stack

const ACTIVE_CLOUD_KEY = "activeCloud";

/** The config path of a side's archive generation (README "Data tier"). */
export function archiveGenerationKey(cloud: CloudName): string {
    return `database.archive.generation.${cloud}`;
}

/**
 * database.archive.generation.<cloud> from a stack's whole config (`<project>:database` holds
 * the section as JSON); 1, the default, when unset. Anything but a positive integer is refused.
 */
export function archiveGenerationFromConfig(config: Record<string, { value: string; secret?: boolean }>, cloud: CloudName): number {
    const entry = Object.entries(config).find(([key]) => key.endsWith(":database"));
    if (!entry) return 1;
    let section: { archive?: { generation?: Record<string, unknown> } };
    try {
        section = JSON.parse(entry[1].value) as typeof section;
    } catch {
        throw new DrillSetupError(`config ${entry[0]} is not an object; cannot read ${archiveGenerationKey(cloud)}`);
    }
    const value = section?.archive?.generation?.[cloud];
    if (value === undefined) return 1;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        throw new DrillSetupError(`config ${archiveGenerationKey(cloud)} is ${JSON.stringify(value)}, expected a positive integer`);
    }
    return value;
}

function opCounts(map: Record<string, number | undefined> | undefined): Record<string, number> {
    return Object.fromEntries(Object.entries(map ?? {}).filter(([, n]) => typeof n === "number")) as Record<string, number>;
}

/** URNs of the resources whose operation failed, from an update's engine events. */
export function failedResourcesFromEvents(events: readonly EngineEvent[]): string[] {
    return [...new Set(events.flatMap((e) => (e.resOpFailedEvent ? [e.resOpFailedEvent.metadata.urn] : [])))];
}

interface StateResource {
    urn?: string;
    type?: string;
    outputs?: { metadata?: { name?: unknown; namespace?: unknown } };
}

/** The URN of a Kubernetes object (type, metadata.name, metadata.namespace) in an exported deployment. */
export function findResourceInDeployment(deployment: { resources?: StateResource[] } | undefined, type: string, name: string, namespace: string): string | undefined {
    return (deployment?.resources ?? []).find((r) => r.type === type && r.outputs?.metadata?.name === name && r.outputs?.metadata?.namespace === namespace)?.urn;
}

/**
 * A DrillStack over an Automation API stack. Saved plans go to a private
 * temporary directory (a plan holds the resources' planned inputs) and are
 * deleted once applied.
 */
export class AutomationStack implements DrillStack {
    private planDir?: string;

    constructor(
        private readonly stack: Stack,
        private readonly onOutput: (out: string) => void = (out) => process.stdout.write(out),
    ) {}

    get name(): string {
        return this.stack.name;
    }

    async getActiveCloud(): Promise<CloudName> {
        const value = (await this.stack.getConfig(ACTIVE_CLOUD_KEY)).value;
        if (!isCloud(value)) throw new DrillSetupError(`stack "${this.name}": config activeCloud is ${JSON.stringify(value)}, expected aws or azure`);
        return value;
    }

    async setActiveCloud(cloud: CloudName): Promise<void> {
        await this.stack.setConfig(ACTIVE_CLOUD_KEY, { value: cloud });
    }

    async getArchiveGeneration(cloud: CloudName): Promise<number> {
        return archiveGenerationFromConfig(await this.stack.getAllConfig(), cloud);
    }

    async setArchiveGeneration(cloud: CloudName, generation: number): Promise<void> {
        // A path key: the CLI stores an integer as a number inside the `database` object.
        await this.stack.setConfig(archiveGenerationKey(cloud), { value: String(generation) }, true);
    }

    async preview(options: { savePlan?: boolean } = {}): Promise<StackPreviewResult> {
        const events: EngineEvent[] = [];
        let file: string | undefined;
        if (options.savePlan) {
            if (!this.planDir) {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-plan-"));
                // A refused plan is never applied: the directory goes when the drill exits.
                process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
                this.planDir = dir;
            }
            file = path.join(this.planDir, `plan-${Date.now()}.json`);
        }
        const result = await this.stack.preview({ diff: true, onOutput: this.onOutput, onEvent: (e) => events.push(e), ...(file ? { plan: file } : {}) });
        const preview: StackPreviewResult = { changes: opCounts(result.changeSummary), stdout: result.stdout, steps: plannedStepsFromEvents(events) };
        if (file && fs.existsSync(file)) preview.plan = { file, sha256: createHash("sha256").update(fs.readFileSync(file)).digest("hex") };
        return preview;
    }

    async up(options: { plan?: SavedPlan; continueOnError?: boolean } = {}): Promise<StackUpResult> {
        const events: EngineEvent[] = [];
        try {
            const result = await this.stack.up({
                onOutput: this.onOutput,
                onEvent: (e) => events.push(e),
                message: "failover drill (npm run drill)",
                ...(options.plan ? { plan: options.plan.file } : {}),
                ...(options.continueOnError ? { continueOnError: true } : {}),
            });
            return {
                result: result.summary.result === "succeeded" ? "succeeded" : "failed",
                changes: opCounts(result.summary.resourceChanges),
                failedResources: failedResourcesFromEvents(events),
            };
        } catch (err) {
            // With continueOnError the CLI exits non-zero after updating what it could: report, not throw.
            if (options.continueOnError && events.some((e) => e.summaryEvent)) {
                const summary = events.find((e) => e.summaryEvent)!.summaryEvent!;
                return { result: "failed", changes: opCounts(summary.resourceChanges), failedResources: failedResourcesFromEvents(events) };
            }
            throw err;
        } finally {
            if (options.plan) fs.rmSync(options.plan.file, { force: true });
        }
    }

    async refresh(urns: string[]): Promise<void> {
        await this.stack.refresh({ onOutput: this.onOutput, target: urns, message: "failback re-seed (npm run drill)" });
    }

    async findResource(type: string, name: string, namespace: string): Promise<string | undefined> {
        const exported = await this.stack.exportStack();
        return findResourceInDeployment(exported.deployment as { resources?: StateResource[] }, type, name, namespace);
    }

    async outputs(): Promise<Record<string, unknown>> {
        const outputs = await this.stack.outputs();
        return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
    }
}

/** Selects an existing stack of this project; an unknown stack is a DrillSetupError. */
export async function openStack(stackName: string, workDir = PROJECT_ROOT): Promise<AutomationStack> {
    // Loaded lazily: --simulate must not need the Automation API machinery.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const automation = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
    try {
        return new AutomationStack(await automation.LocalWorkspace.selectStack({ stackName, workDir }));
    } catch (err) {
        if (err instanceof automation.StackNotFoundError || /no stack named|not found/i.test((err as Error).message)) {
            throw new DrillSetupError(`unknown stack "${stackName}" in the current Pulumi backend (pulumi stack ls lists the stacks; pulumi login selects the backend)`);
        }
        if (/ENOENT|spawn pulumi|not find pulumi|pulumi.*not found/i.test((err as Error).message)) requirePulumiCli(() => false);
        if (/pulumi login|PULUMI_ACCESS_TOKEN|not logged in/i.test((err as Error).message)) {
            throw new DrillSetupError("not logged in to a Pulumi backend: run `pulumi login` (or set PULUMI_ACCESS_TOKEN)");
        }
        throw err;
    }
}

// ---------------------------------------------------------------- probes

export const liveDns: DnsProbe = {
    async resolveCname(hostname: string): Promise<string[]> {
        try {
            return await dns.promises.resolveCname(hostname);
        } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === "ENODATA") {
                // Not a CNAME: say what it does resolve to, for the report.
                const addresses = await dns.promises.resolve(hostname).catch(() => [] as string[]);
                throw new Error(`no CNAME (addresses: ${addresses.join(", ") || "none"})`);
            }
            throw new Error(code ?? (err as Error).message);
        }
    },
};

export const liveHttp: HttpProbe = {
    get(url: string, timeoutMs: number, serverName?: string): Promise<{ status: number; error?: string }> {
        return new Promise((resolve) => {
            const headers = { "user-agent": "finplat-drill", ...(serverName ? { host: serverName } : {}) };
            const request = https.get(url, { timeout: timeoutMs, headers, servername: serverName }, (response) => {
                response.resume();
                resolve({ status: response.statusCode ?? 0 });
            });
            request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
            request.on("error", (err) => resolve({ status: 0, error: err.message }));
        });
    },
};

interface VeleroBackupList {
    items?: { metadata?: { name?: string }; spec?: { storageLocation?: string }; status?: { phase?: string; completionTimestamp?: string } }[];
}

/**
 * The newest Completed backup of the *peer* location in a `kubectl get backups.velero.io -o json`
 * list: the failover pre-check asks whether the data the target would restore is fresh, and the
 * target's own recent backups say nothing about that.
 */
export function latestCompleted(list: VeleroBackupList): BackupInfo | undefined {
    return (list.items ?? [])
        .filter((b) => b.spec?.storageLocation === PEER_LOCATION)
        .filter((b) => b.status?.phase === "Completed" && b.status.completionTimestamp)
        .map((b) => ({ name: b.metadata?.name ?? "(unnamed)", completedAt: new Date(b.status!.completionTimestamp!) }))
        .sort((a, b) => b.completedAt.getTime() - a.completedAt.getTime())[0];
}

/** A command that ran and exited non-zero; `stderr` in full, for callers that tell errors apart. */
export class CommandError extends Error {
    constructor(message: string, readonly stderr: string) {
        super(message);
    }
}

/** Runs a command; resolves with stdout, rejects with the last lines of stderr. `input` is piped to stdin. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
        child.stdout!.on("data", (chunk) => (stdout += chunk));
        child.stderr!.on("data", (chunk) => (stderr += chunk));
        if (input !== undefined) {
            child.stdin!.on("error", () => undefined); // the child's exit code says what went wrong
            child.stdin!.end(input);
        }
        child.on("error", (err) => {
            clearTimeout(timer);
            reject((err as NodeJS.ErrnoException).code === "ENOENT" ? new Error(`${command} is not installed or not on PATH`) : err);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            if (code === 0) resolve(stdout);
            else reject(new CommandError(`${command} ${args.join(" ")} exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" ")}`, stderr));
        });
    });
}

/** Runs kubectl against a cluster: the kubeconfig (from the stack outputs) goes to a private temp file for the call. */
export async function kubectl(kubeconfig: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-kube-"));
    const file = path.join(dir, "kubeconfig");
    try {
        fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
        return await run("kubectl", args, { ...process.env, KUBECONFIG: file }, options.timeoutMs ?? 60_000, options.input);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

interface KubeBackup {
    metadata?: { name?: string; labels?: Record<string, string> };
    spec?: { storageLocation?: string };
    status?: { phase?: string; completionTimestamp?: string };
}

/** `kubectl get backups.velero.io -o json` → backups (every location and phase). */
export function parseVeleroBackups(list: { items?: KubeBackup[] }): VeleroBackup[] {
    return (list.items ?? []).map((b) => {
        const completed = b.status?.completionTimestamp ? new Date(b.status.completionTimestamp) : undefined;
        const backup: VeleroBackup = { name: b.metadata?.name ?? "(unnamed)" };
        if (b.spec?.storageLocation !== undefined) backup.storageLocation = b.spec.storageLocation;
        if (b.status?.phase !== undefined) backup.phase = b.status.phase;
        if (completed && !Number.isNaN(completed.getTime())) backup.completedAt = completed;
        const schedule = b.metadata?.labels?.["velero.io/schedule-name"];
        if (schedule) backup.scheduleName = schedule;
        return backup;
    });
}

interface KubeRestore {
    status?: {
        phase?: string;
        warnings?: number;
        errors?: number;
        failureReason?: string;
        validationErrors?: string[];
        progress?: { totalItems?: number; itemsRestored?: number };
        startTimestamp?: string;
        completionTimestamp?: string;
    };
}

/** `kubectl get restores.velero.io NAME -o json` → its status (Velero omits zero counts). */
export function parseRestoreStatus(restore: KubeRestore): VeleroRestoreStatus {
    const s = restore.status ?? {};
    const status: VeleroRestoreStatus = { warnings: s.warnings ?? 0, errors: s.errors ?? 0 };
    if (s.phase) status.phase = s.phase;
    if (s.failureReason) status.failureReason = s.failureReason;
    if (s.validationErrors?.length) status.validationErrors = s.validationErrors;
    if (s.progress?.totalItems !== undefined) {
        status.totalItems = s.progress.totalItems;
        status.itemsRestored = s.progress.itemsRestored ?? 0;
    }
    if (s.startTimestamp) status.startedAt = s.startTimestamp;
    if (s.completionTimestamp) status.completedAt = s.completionTimestamp;
    return status;
}

async function getBackups(kubeconfig: string): Promise<{ items?: KubeBackup[] }> {
    return JSON.parse(await kubectl(kubeconfig, ["get", "backups.velero.io", "-n", VELERO_NAMESPACE, "-o", "json"])) as { items?: KubeBackup[] };
}

/**
 * Velero on a cluster through kubectl and the cluster's kubeconfig (from the
 * stack outputs; AKS kubeconfigs need kubelogin, EKS ones the aws CLI).
 */
export const liveVelero: BackupProbe & VeleroRestoreApi = {
    async latestSuccessfulBackup(_cloud: CloudName, kubeconfig: string): Promise<BackupInfo | undefined> {
        return latestCompleted(await getBackups(kubeconfig));
    },

    async listBackups(_cloud: CloudName, kubeconfig: string): Promise<VeleroBackup[]> {
        return parseVeleroBackups(await getBackups(kubeconfig));
    },

    async applyRestore(_cloud: CloudName, kubeconfig: string, manifest: RestoreManifest): Promise<string> {
        return kubectl(kubeconfig, ["apply", "-f", "-"], { input: JSON.stringify(manifest) });
    },

    async getRestore(_cloud: CloudName, kubeconfig: string, name: string): Promise<VeleroRestoreStatus | undefined> {
        try {
            return parseRestoreStatus(JSON.parse(await kubectl(kubeconfig, ["get", "restores.velero.io", name, "-n", VELERO_NAMESPACE, "-o", "json"])) as KubeRestore);
        } catch (err) {
            if (err instanceof CommandError && /NotFound|not found/.test(err.stderr)) return undefined;
            throw err;
        }
    },
};

/** Lists Velero backups with kubectl (the failover's backup-age pre-check). */
export const liveBackups: BackupProbe = liveVelero;
