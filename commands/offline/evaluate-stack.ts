/**
 * Evaluates the real program (index.ts) for a stack, offline, under the mock runtime.
 */
import * as path from "path";
import { SECRET_KEYS, parseStackConfig, requiredSecrets } from "../../stacks/config";
import { CloudName } from "../../components/cluster/contract";
import { Evaluation, RecordedResource, evaluate } from "./harness";
import { PROJECT_ROOT, loadStackFile } from "./stack-files";

export interface StackEvaluationOptions {
    /** `key.path=value` overrides applied on top of Pulumi.<stack>.yaml. */
    overrides?: string[];
    /** Secret config values (plain text here; they are marked secret like `--secret`). */
    secrets?: Record<string, string>;
    /** Stand in for the secrets this config requires but the stack file lacks (their ciphertext lives in the real stack). */
    placeholderSecrets?: boolean;
    preview?: boolean;
}

export const PLACEHOLDER_SECRET = "offline-placeholder-secret";

/** Evaluates one stack with these overrides (placeholder secrets); tests pass one that shares cached evaluations. */
export type StackEvaluator = (overrides: string[]) => Promise<Evaluation>;

/** The default evaluator of a stack: a fresh offline evaluation each time. */
export function stackEvaluator(stack: string): StackEvaluator {
    return (overrides) => evaluateStack(stack, { placeholderSecrets: true, overrides });
}

/**
 * Which of the stack's clusters a recorded resource is on, by its Kubernetes provider
 * (the pair's clusters name theirs `pair-<cloud>-k8s`); undefined for cloud resources.
 */
export function clusterOf(resource: RecordedResource): CloudName | undefined {
    return /::pair-(aws|azure)-k8s::/.exec(resource.provider)?.[1] as CloudName | undefined;
}

/**
 * Secrets the config needs. When the config is invalid, all of them: the evaluation then
 * reports the config's real problems, not a missing secret the stack file cannot hold.
 */
function neededSecrets(raw: Record<string, unknown>): readonly string[] {
    try {
        return requiredSecrets(parseStackConfig(raw, new Set(SECRET_KEYS)));
    } catch {
        return SECRET_KEYS;
    }
}

export interface StackRunConfig {
    project: string;
    /** Fully-qualified config as the CLI passes it to the program. */
    config: Record<string, string>;
    secretKeys: string[];
    /** Secret keys stood in for with PLACEHOLDER_SECRET. */
    placeholders: string[];
}

/** The config a `pulumi up` of this stack would hand the program, secrets marked. */
export function stackRunConfig(stack: string, options: StackEvaluationOptions = {}): StackRunConfig {
    const file = loadStackFile(stack, options.overrides);
    const config = { ...file.config };
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    const needed = options.placeholderSecrets ? neededSecrets(file.raw) : [];
    for (const key of SECRET_KEYS) {
        const value = options.secrets?.[key] ?? (needed.includes(key) || file.encryptedKeys.includes(key) ? PLACEHOLDER_SECRET : undefined);
        if (value === undefined) continue;
        if (options.secrets?.[key] === undefined) placeholders.push(key);
        config[`${file.project}:${key}`] = value;
        secretKeys.push(`${file.project}:${key}`);
    }
    return { project: file.project, config, secretKeys, placeholders };
}

export async function evaluateStack(stack: string, options: StackEvaluationOptions = {}): Promise<Evaluation & { placeholders: string[] }> {
    const { project, config, secretKeys, placeholders } = stackRunConfig(stack, options);
    const entry = path.join(PROJECT_ROOT, "index.ts");
    const evaluation = await evaluate({
        project,
        stack,
        config,
        secretKeys,
        preview: options.preview,
        program: () => {
            // A fresh module each time, as a new `pulumi up` process would load it.
            delete require.cache[require.resolve(entry)];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return require(entry);
        },
    });
    return Object.assign(evaluation, { placeholders });
}
