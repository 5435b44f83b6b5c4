/**
 * What every user command shares on the command line: `--flag value` options,
 * repeatable ones (`--set`), switches, usage errors (exit code 2, with the usage),
 * errors that are the user's to fix (exit code 1, the message alone), and the
 * entry point a file runs when node starts it.
 */
import { ConfigError } from "../stacks/config";
import { UnknownStackError } from "./offline/stack-files";

/** The command line is wrong: print the message and the usage, exit 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** `value`: `--flag VALUE` (the last one wins); `list`: repeatable `--flag VALUE`; `switch`: `--flag` alone. */
export type FlagKind = "value" | "list" | "switch";
export type FlagSpec = Readonly<Record<string, FlagKind>>;

/** Each flag of a spec with what it parses to: a value or undefined, a list, a boolean. */
export type ParsedFlags<S extends FlagSpec> = {
    [F in keyof S]: S[F] extends "list" ? string[] : S[F] extends "switch" ? boolean : string | undefined;
};

/**
 * Parses argv against a spec of flags. A value never starts with `--` (so a forgotten
 * value does not swallow the next flag). `given` is every flag that appeared;
 * `positionals` the other arguments, when `options.positionals` allows them (files of a tool).
 */
export function parseFlags<S extends FlagSpec>(
    argv: readonly string[],
    spec: S,
    options: { positionals?: boolean } = {},
): { flags: ParsedFlags<S>; given: Set<string>; positionals: string[] } {
    const flags: Record<string, string | string[] | boolean | undefined> = {};
    for (const [flag, kind] of Object.entries(spec)) flags[flag] = kind === "list" ? [] : kind === "switch" ? false : undefined;
    const given = new Set<string>();
    const positionals: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const kind = Object.hasOwn(spec, flag) ? spec[flag] : undefined;
        if (!kind && options.positionals && !flag.startsWith("-")) {
            positionals.push(flag);
            continue;
        }
        if (!kind) throw new UsageError(`unknown option ${flag}`);
        given.add(flag);
        if (kind === "switch") {
            flags[flag] = true;
            continue;
        }
        const value = argv[i + 1];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
        i++;
        if (kind === "list") (flags[flag] as string[]).push(value);
        else flags[flag] = value;
    }
    return { flags: flags as ParsedFlags<S>, given, positionals };
}

/** `--set key.path=value` overrides (and the drill's `--with`): each needs a key before its `=`. */
export function checkOverrides(flag: string, overrides: readonly string[]): string[] {
    for (const override of overrides) {
        if (override.indexOf("=") <= 0) throw new UsageError(`${flag} expects key.path=value, got "${override}"`);
    }
    return [...overrides];
}

/** The flags of every command that evaluates one stack: `--stack NAME`, repeatable `--set key.path=value`, `--json FILE`. */
export const STACK_FLAGS = { "--stack": "value", "--set": "list", "--json": "value" } as const;

export interface StackCommandArgs {
    stack: string;
    overrides: string[];
    json?: string;
}

/**
 * Parses the argv of a stack command (plan, images): STACK_FLAGS plus the command's
 * own `extra` flags, returned as `flags`. Each `--set` needs a key; `--stack` is required.
 */
export function parseStackCommand<E extends FlagSpec>(argv: readonly string[], extra: E): StackCommandArgs & { flags: ParsedFlags<E> } {
    const { flags } = parseFlags(argv, { ...extra, ...STACK_FLAGS });
    const common = flags as unknown as ParsedFlags<typeof STACK_FLAGS>;
    const overrides = checkOverrides("--set", common["--set"]);
    if (!common["--stack"]) throw new UsageError("--stack is required");
    return { stack: common["--stack"], overrides, json: common["--json"], flags: flags as unknown as ParsedFlags<E> };
}

/** Errors a user fixes in their stack, not in the code: bad config, an unknown stack. */
export function isUserError(err: unknown): err is Error {
    return err instanceof ConfigError || err instanceof UnknownStackError;
}

export interface Command<A> {
    usage: string;
    parse(argv: string[]): A;
    run(args: A): Promise<number>;
    /** Further errors that are the user's to fix (printed alone, exit 1); config errors and unknown stacks always are. */
    userError?(err: unknown): boolean;
}

/**
 * Runs a command: a usage error prints the message and the usage (exit 2); a user's
 * error prints the message alone, without a stack trace (exit 1); anything else is a bug
 * and propagates.
 */
export async function runCommand<A>(command: Command<A>, argv: string[], io: Pick<Console, "error"> = console): Promise<number> {
    let args: A;
    try {
        args = command.parse(argv);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        io.error(`${err.message}\n${command.usage}`);
        return 2;
    }
    try {
        return await command.run(args);
    } catch (err) {
        if (isUserError(err) || command.userError?.(err)) {
            io.error((err as Error).message);
            return 1;
        }
        throw err;
    }
}

export interface MainOptions {
    /** Print any failure as its message alone (tools whose errors are about their input), not with a stack trace. */
    messageOnly?: boolean;
    /** Exit code of a failure that is neither a usage error (2) nor the user's (1); default 1. */
    failureCode?: number;
}

/**
 * Runs `main` when node started this module (not when a test imports it); its result is
 * the exit code (none: 0). A usage error exits 2 and a user's error 1, each with its
 * message alone; anything else prints with its stack trace unless `messageOnly`.
 */
export function runIfMain(module: NodeModule, main: () => number | void | Promise<number | void>, options: MainOptions = {}): void {
    if (require.main !== module) return;
    Promise.resolve()
        .then(main)
        .then(
            (code) => process.exit(code ?? 0),
            (err) => {
                const known = err instanceof UsageError || isUserError(err);
                console.error(known || options.messageOnly ? (err as Error).message : err);
                process.exit(err instanceof UsageError ? 2 : isUserError(err) ? 1 : options.failureCode ?? 1);
            },
        );
}
