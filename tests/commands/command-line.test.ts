import { strict as assert } from "assert";
import { STACK_FLAGS, UsageError, checkOverrides, parseFlags, parseStackCommand, runCommand } from "../../commands/command-line";
import { UnknownStackError } from "../../commands/offline/stack-files";
import { ConfigError } from "../../stacks/config";

const SPEC = { "--stack": "value", "--set": "list", "--force": "switch" } as const;

describe("command line (shared by plan, images and the drill)", () => {
    it("parses values (the last wins), repeatable lists and switches, and says which flags were given", () => {
        const { flags, given } = parseFlags(["--set", "a=1", "--stack", "dev", "--set", "b=2", "--stack", "prod", "--force"], SPEC);
        assert.deepEqual(flags, { "--stack": "prod", "--set": ["a=1", "b=2"], "--force": true });
        assert.deepEqual([...given].sort(), ["--force", "--set", "--stack"]);
        assert.deepEqual(parseFlags([], SPEC).flags, { "--stack": undefined, "--set": [], "--force": false });
    });

    it("refuses unknown options, a missing value, and a value that is the next flag", () => {
        assert.throws(() => parseFlags(["--bogus"], SPEC), (err: Error) => err instanceof UsageError && err.message === "unknown option --bogus");
        assert.throws(() => parseFlags(["--stack"], SPEC), /^UsageError: --stack needs a value$/);
        assert.throws(() => parseFlags(["--stack", "--force"], SPEC), /--stack needs a value/);
        assert.throws(() => parseFlags(["toString"], SPEC), /unknown option toString/, "only the spec's own flags");
    });

    it("overrides need a key before their =", () => {
        assert.deepEqual(checkOverrides("--set", ["a.b=1", "c=x=y"]), ["a.b=1", "c=x=y"]);
        assert.throws(() => checkOverrides("--with", ["=1"]), /--with expects key\.path=value, got "=1"/);
        assert.throws(() => checkOverrides("--set", ["a.b"]), /--set expects key\.path=value, got "a\.b"/);
    });

    it("stack commands (plan, images) share --stack (required), --set (checked) and --json, plus their own flags", () => {
        assert.deepEqual(parseStackCommand(["--stack", "dev", "--set", "a.b=1", "--json", "out.json", "--values-dir", "v"], { "--values-dir": "value" } as const), {
            stack: "dev",
            overrides: ["a.b=1"],
            json: "out.json",
            flags: { "--values-dir": "v", "--stack": "dev", "--set": ["a.b=1"], "--json": "out.json" },
        });
        assert.deepEqual(parseStackCommand(["--stack", "prod"], {}), { stack: "prod", overrides: [], json: undefined, flags: { "--stack": "prod", "--set": [], "--json": undefined } });
        assert.throws(() => parseStackCommand(["--json", "x"], {}), /^UsageError: --stack is required$/);
        assert.throws(() => parseStackCommand(["--stack", "dev", "--set", "a.b"], {}), /--set expects key\.path=value, got "a\.b"/);
        assert.throws(() => parseStackCommand(["--stack", "dev", "--values-dir", "v"], {}), /unknown option --values-dir/, "only the command's own extra flags");
        // A command cannot redefine the shared flags: --set stays a checked list.
        assert.deepEqual(parseStackCommand(["--stack", "dev", "--set", "a=1", "--set", "b=2"], { "--set": "value" } as const).overrides, ["a=1", "b=2"]);
        assert.deepEqual(Object.keys(STACK_FLAGS), ["--stack", "--set", "--json"]);
    });

    it("exit codes: 2 with the usage for a usage error, 1 with the message alone for the user's errors, the run's own code otherwise; bugs propagate", async () => {
        const errors: string[] = [];
        const io = { error: (text: string) => errors.push(text) };
        const command = (run: () => Promise<number>) => ({ usage: "usage: x --stack NAME", parse: (argv: string[]) => parseFlags(argv, SPEC).flags, run, userError: (err: unknown) => err instanceof RangeError });
        assert.equal(await runCommand(command(async () => 0), ["--nope"], io), 2);
        assert.deepEqual(errors.splice(0), ["unknown option --nope\nusage: x --stack NAME"]);
        assert.equal(await runCommand(command(async () => 1), [], io), 1);
        assert.deepEqual(errors.splice(0), []);
        for (const err of [new ConfigError(["aws.region: bad"]), new UnknownStackError("staging", process.cwd()), new RangeError("out of range")]) {
            assert.equal(await runCommand(command(async () => { throw err; }), [], io), 1);
            assert.deepEqual(errors.splice(0), [err.message]);
        }
        await assert.rejects(runCommand(command(async () => { throw new TypeError("a bug"); }), [], io), /a bug/);
    });
});
