/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI does, so offline
 * evaluations see the same config a real `pulumi up` would.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface StackFile {
    project: string;
    stack: string;
    /** Fully-qualified key → value as the CLI passes it (objects JSON-encoded). */
    config: Record<string, string>;
    /** Keys whose values are `secure:` ciphertext in the stack file. */
    encryptedKeys: string[];
    /** This project's plain keys as objects (without the project prefix), before encoding. */
    raw: Record<string, unknown>;
}

export function projectName(root = PROJECT_ROOT): string {
    const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: string };
    return project.name;
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Sets a dotted key path (`aws.region`) inside a config object, creating maps on the way. */
export function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
    const keys = dotted.split(".");
    let node = target;
    keys.slice(0, -1).forEach((key) => {
        if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
        node = node[key] as Record<string, unknown>;
    });
    node[keys[keys.length - 1]] = value;
}

/** Parses a `--set` value: JSON when it parses (numbers, booleans, lists), else a string. */
export function parseSetValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** No Pulumi.<stack>.yaml: the message names the stacks there are. */
export class UnknownStackError extends Error {
    constructor(stack: string, root: string) {
        const known = fs.readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.split(".")[1]);
        super(`unknown stack "${stack}": no Pulumi.${stack}.yaml in ${root} (known stacks: ${known.join(", ") || "none"})`);
        this.name = "UnknownStackError";
    }
}

/** Throws UnknownStackError unless the stack has a Pulumi.<stack>.yaml in `root`. */
export function requireStackFile(stack: string, root = PROJECT_ROOT): void {
    if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) throw new UnknownStackError(stack, root);
}

/**
 * Loads a stack's config. `overrides` are `key.path=value` strings, applied on
 * top of the file (e.g. `activeCloud=azure`, `aws.nodePools.system.minSize=2`).
 */
export function loadStackFile(stack: string, overrides: string[] = [], root = PROJECT_ROOT): StackFile {
    const project = projectName(root);
    requireStackFile(stack, root);
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const raw: Record<string, unknown> = {};
    const encryptedKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
        const key = fullKey.startsWith(`${project}:`) ? fullKey.slice(project.length + 1) : fullKey;
        if (value && typeof value === "object" && "secure" in (value as object)) {
            encryptedKeys.push(key);
            continue;
        }
        raw[key] = value;
    }
    for (const override of overrides) {
        const eq = override.indexOf("=");
        if (eq <= 0) throw new Error(`--set expects key=value, got "${override}"`);
        setPath(raw, override.slice(0, eq), parseSetValue(override.slice(eq + 1)));
    }
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
        config[key.includes(":") ? key : `${project}:${key}`] = encode(value);
    }
    return { project, stack, config, encryptedKeys, raw };
}
