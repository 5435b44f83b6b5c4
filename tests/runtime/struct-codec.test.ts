import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as v8 from "v8";
import { evaluateStack } from "../../commands/offline/evaluate-stack";

/* eslint-disable @typescript-eslint/no-require-imports */
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = path.resolve(__dirname, "..", "..");

/** A Struct the codec made holds its bytes under a symbol; google-protobuf's own has none. */
const holdsBytes = (struct: object) => Object.getOwnPropertySymbols(struct).some((s) => (struct as Record<symbol, unknown>)[s] instanceof Uint8Array);

/** A value as text that tells key order, -0 and NaN apart (deepEqual ignores the first, v8.serialize tells small integers from doubles). */
function canonical(value: unknown): string {
    if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value !== null && typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
    return JSON.stringify(value);
}

/** What a codec run produces, comparable across processes (v8.serialize keeps key order, -0, NaN). */
interface Outcome {
    encoded: (string | { error: string })[];
    decoded: (Buffer | { error: string })[];
    /** Each body read, then written again (the SDK sends some Structs it received back). */
    rewritten: (string | { error: string })[];
}

function run(objects: unknown[], bodies: Buffer[], withDeclined = false): Outcome {
    return {
        encoded: [...objects, ...(withDeclined ? declined() : [])].map((object) => {
            try {
                return Buffer.from(Struct.fromJavaScript(object).serializeBinary()).toString("base64");
            } catch (e) {
                return { error: (e as Error).message };
            }
        }),
        decoded: bodies.map((body) => {
            try {
                return v8.serialize(Struct.deserializeBinary(body).toJavaScript());
            } catch (e) {
                return { error: (e as Error).message };
            }
        }),
        rewritten: bodies.map((body) => {
            try {
                return Buffer.from(Struct.deserializeBinary(body).serializeBinary()).toString("base64");
            } catch (e) {
                return { error: (e as Error).message };
            }
        }),
    };
}

/** The same run with google-protobuf's own code: plain `node`, no loader, so nothing is patched. */
function reference(objects: unknown[], bodies: Buffer[], withDeclined = false): Outcome {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "struct-codec-"));
    try {
        const input = path.join(dir, "input");
        fs.writeFileSync(input, v8.serialize({ objects, bodies, declined: withDeclined ? DECLINED : [] }));
        const script = `
            const fs = require("fs"), v8 = require("v8");
            const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
            const { objects, bodies, declined } = v8.deserialize(fs.readFileSync(process.argv[1]));
            objects.push(...declined.map((source) => (0, eval)(source)));
            const attempt = (f) => { try { return f(); } catch (e) { return { error: e.message }; } };
            fs.writeFileSync(process.argv[1] + ".out", v8.serialize({
                encoded: objects.map((o) => attempt(() => Buffer.from(Struct.fromJavaScript(o).serializeBinary()).toString("base64"))),
                decoded: bodies.map((b) => attempt(() => v8.serialize(Struct.deserializeBinary(new Uint8Array(b)).toJavaScript()))),
                rewritten: bodies.map((b) => attempt(() => Buffer.from(Struct.deserializeBinary(new Uint8Array(b)).serializeBinary()).toString("base64"))),
            }));`;
        execFileSync(process.execPath, ["-e", script, input], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: "" } });
        return v8.deserialize(fs.readFileSync(`${input}.out`)) as Outcome;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Every object the SDK and the mock monitor turn into a Struct while evaluating a stack. */
async function structsOf(stack: string): Promise<unknown[]> {
    const captured: unknown[] = [];
    const fromJavaScript = Struct.fromJavaScript;
    Struct.fromJavaScript = function capture(object: unknown) {
        captured.push(v8.deserialize(v8.serialize(object)));
        return fromJavaScript.call(this, object);
    };
    try {
        await evaluateStack(stack, { placeholderSecrets: true });
    } finally {
        Struct.fromJavaScript = fromJavaScript;
    }
    return captured;
}

/** Wire-format helpers for hand-made Struct bodies. */
const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
const delimited = (tag: number, bytes: number[]): number[] => [tag, ...varint(bytes.length), ...bytes];
const utf8 = (s: string) => [...Buffer.from(s, "utf8")];
const entry = (key: string, value: number[]) => delimited(0x0a, [...delimited(0x0a, utf8(key)), ...delimited(0x12, value)]);
const stringValue = (s: string) => delimited(0x1a, utf8(s));

const EDGE_OBJECTS: unknown[] = [
    {},
    { "": "", empty: [], nested: { deeper: { deepest: [[], [{}], [null, false, true]] } } },
    { numbers: [0, -0, 1, -1, 0.1, 2 ** 53, -(2 ** 60), 1e308, 5e-324, NaN, Infinity, -Infinity] },
    { unicode: "é ß 日本 🏦 \u0000 \u007f \u0080 \u07ff \u0800 \uffff", "clé 🔑": "value" },
    { short: "x".repeat(127), medium: "y".repeat(128), long: "z".repeat(16_384), longer: "w".repeat(2_097_152) },
    { list: Array.from({ length: 300 }, (_, i) => ({ i, name: `item-${i}` })) },
    { b: 1, a: 2, B: 3, _: 4, "10": 5, "9": 6, "a.b": 7 },
    { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: { secret: "s" } },
    Object.assign(Object.create(null), { noPrototype: true }),
];

/**
 * Values the fast path declines, so google-protobuf's own code decides (a result or
 * its error). Source text, evaluated in each process: functions and class instances
 * do not survive v8.serialize.
 */
const DECLINED = [
    "({ when: new Date(0) })",
    "({ money: new (class Money { constructor() { this.amount = 1; } })() })",
    "({ bytes: new Uint8Array([1, 2]) })",
    "({ missing: undefined })",
    "({ call: () => 1 })",
    "({ lone: '\\ud800' })",
    "({ ['\\udc00']: 'lone surrogate key' })",
    "({ sparse: [1, , 3] })",
    // An own "__proto__" property, as JSON.parse makes: google-protobuf's map never holds it.
    `JSON.parse('{"__proto__": {"x": 1}, "a": 1}')`,
    "({ ['__proto__']: 'computed' })",
    // A getter is read once, as google-protobuf reads it, even one that changes.
    "(() => { let n = 0; return { get flip() { return n++ === 0 ? 's' : 'longer'; } }; })()",
];
const declined = () => DECLINED.map((source) => (0, eval)(source) as unknown);

const EDGE_BODIES: Buffer[] = [
    Buffer.alloc(0),
    // Map entries out of key order, as Go writes them: google-protobuf reads them back sorted.
    Buffer.from([...entry("zeta", stringValue("z")), ...entry("alpha", stringValue("a")), ...entry("mid", delimited(0x2a, [...entry("y", [0x20, 1]), ...entry("x", [0x08, 0])]))]),
    // The same key twice: the last one wins.
    Buffer.from([...entry("k", stringValue("first")), ...entry("k", stringValue("second"))]),
    // A Value with two kinds set (the oneof keeps the last), and one with an unknown field.
    Buffer.from([...entry("two", [...stringValue("s"), 0x20, 1])]),
    Buffer.from([...entry("unknown", [...stringValue("s"), 0x38, 1])]),
    // An unknown field in the Struct itself, which readers skip.
    Buffer.from([0x10, 5, ...entry("a", stringValue("b"))]),
    // A Value with no kind: google-protobuf's "Unexpected struct type".
    Buffer.from(entry("none", [])),
    // "__proto__" as a key: assigning it would set the prototype, so google-protobuf's own code decides.
    Buffer.from(entry("__proto__", delimited(0x2a, entry("polluted", [0x20, 1])))),
    // Malformed UTF-8 (a surrogate's encoding, an overlong NUL, a stray byte): google-protobuf's decoder decides.
    Buffer.from([...entry("surrogate", delimited(0x1a, [0xed, 0xa0, 0x80])), ...entry("overlong", delimited(0x1a, [0xc0, 0x80])), ...entry("stray", delimited(0x1a, [0x61, 0xff]))]),
    Buffer.from(entry("real-replacement-character", stringValue("\ufffd"))),
    // A bool's varint wider than 32 bits, and a null_value enum other than 0.
    Buffer.from([...entry("wide", [0x20, 0x80, 0x80, 0x80, 0x80, 0x10]), ...entry("two", [0x20, 2]), ...entry("nul", [0x08, 5])]),
    // A list of every kind.
    Buffer.from(entry("list", delimited(0x32, [...delimited(0x0a, [0x08, 0]), ...delimited(0x0a, [0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]), ...delimited(0x0a, stringValue("s")), ...delimited(0x0a, [0x20, 0])]))),
];

describe("runtime: protobuf Structs encoded and decoded without a message per value", () => {
    let corpus: unknown[];

    before(async function () {
        this.timeout(120_000);
        corpus = [...(await structsOf("prod")), ...(await structsOf("dev")), ...EDGE_OBJECTS];
    });

    it("is on in this process (the loader installs it) and makes Structs that hold their bytes", () => {
        assert.ok(holdsBytes(Struct.fromJavaScript({ a: 1 })));
        assert.ok(!holdsBytes(Struct.fromJavaScript({ when: new Date(0) })), "a value the fast path declines takes google-protobuf's own Struct");
    });

    it("writes exactly google-protobuf's bytes for every Struct the prod and dev stacks send, and the same errors", () => {
        assert.ok(corpus.length > 1500, `only ${corpus.length} Structs captured`);
        const mine = run(corpus, [], true).encoded;
        const theirs = reference(corpus, [], true).encoded;
        assert.equal(mine.length, corpus.length + DECLINED.length);
        const differing = mine.map((m, i) => (JSON.stringify(m) === JSON.stringify(theirs[i]) ? -1 : i)).filter((i) => i >= 0);
        assert.deepEqual(differing.slice(0, 5), [], `${differing.length} Structs encode differently`);
        const errors = theirs.filter((t): t is { error: string } => typeof t === "object").map((t) => t.error);
        assert.ok(errors.includes("Unexpected struct type."), "the declined cases include google-protobuf's own errors");
    });

    it("reads every body back as google-protobuf does: same values, same key order, same errors", () => {
        const bodies = [...reference(corpus, []).encoded.filter((e): e is string => typeof e === "string").map((b) => Buffer.from(b, "base64")), ...EDGE_BODIES];
        const mine = run([], bodies).decoded;
        const theirs = reference([], bodies).decoded;
        bodies.forEach((_, i) => {
            const [m, t] = [mine[i], theirs[i]];
            if (t instanceof Uint8Array) assert.equal(m instanceof Uint8Array && canonical(v8.deserialize(m)), canonical(v8.deserialize(t)), `body ${i}`);
            else assert.deepEqual(m, t, `body ${i}`);
        });
        assert.deepEqual(run([], bodies).rewritten, reference([], bodies).rewritten, "read and written again, each body gives google-protobuf's bytes");
        // The hand-made cases really exercise the fallbacks and the ordering.
        const decode = (body: Buffer) => Struct.deserializeBinary(body).toJavaScript();
        assert.deepEqual(Object.keys(decode(EDGE_BODIES[1])), ["alpha", "mid", "zeta"]);
        assert.deepEqual(decode(EDGE_BODIES[2]), { k: "second" });
        assert.deepEqual(decode(EDGE_BODIES[4]), { unknown: "s" });
        assert.throws(() => decode(EDGE_BODIES[6]), /Unexpected struct type/);
        const proto = decode(EDGE_BODIES[7]);
        assert.equal(Object.getPrototypeOf(proto), Object.prototype, "a \"__proto__\" key never becomes the prototype");
        assert.equal(proto.polluted, undefined);
    });

    it("keeps a snapshot: changing the object afterwards changes neither the bytes nor what is read back", () => {
        const object = { list: [1, 2], nested: { a: "b" } };
        const struct = Struct.fromJavaScript(object);
        const before = Buffer.from(struct.serializeBinary());
        object.list.push(3);
        object.nested.a = "changed";
        assert.deepEqual(Buffer.from(struct.serializeBinary()), before);
        const read = struct.toJavaScript();
        assert.deepEqual(read, { list: [1, 2], nested: { a: "b" } });
        read.list.push(4);
        assert.deepEqual(struct.toJavaScript(), { list: [1, 2], nested: { a: "b" } }, "each toJavaScript returns a fresh object");
    });

    it("becomes an ordinary google-protobuf Struct when a program uses its map, with the same content and bytes", () => {
        const struct = Struct.fromJavaScript({ urn: "urn:pulumi:prod::p::t::n", id: "abc", nested: { list: [true, null] } });
        const bytes = Buffer.from(struct.serializeBinary());
        const map = struct.getFieldsMap();
        assert.ok(!holdsBytes(struct));
        assert.equal(map.get("urn").toJavaScript(), "urn:pulumi:prod::p::t::n");
        assert.deepEqual(map.get("nested").toJavaScript(), { list: [true, null] });
        assert.deepEqual(Buffer.from(struct.serializeBinary()), bytes);
        assert.deepEqual(struct.toObject().fieldsMap.map(([key]: [string]) => key), ["id", "nested", "urn"]);
        struct.clearFieldsMap();
        assert.deepEqual(struct.toJavaScript(), {});
    });

    it("works inside the SDK's own messages: a RegisterResourceRequest round-trips through its bytes", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { RegisterResourceRequest } = require("@pulumi/pulumi/proto/resource_pb");
        const request = new RegisterResourceRequest();
        request.setType("kubernetes:apps/v1:Deployment");
        request.setName("ledger");
        request.setObject(Struct.fromJavaScript({ spec: { replicas: 3, template: { spec: { containers: [{ name: "app", image: "registry.fin.example.com/ledger:1.4.2" }] } } } }));
        const read = RegisterResourceRequest.deserializeBinary(request.serializeBinary());
        assert.equal(read.getName(), "ledger");
        assert.deepEqual(read.getObject().toJavaScript(), { spec: { replicas: 3, template: { spec: { containers: [{ name: "app", image: "registry.fin.example.com/ledger:1.4.2" }] } } } });
    });

    it("FINPLAT_PROTOBUF_STRUCTS=google-protobuf leaves google-protobuf's code in place", () => {
        const check = `
            require("./runtime/ts-transpile.js");
            const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
            const s = Struct.fromJavaScript({ a: 1 });
            process.stdout.write(String(Object.getOwnPropertySymbols(s).length));`;
        const symbols = (env: Record<string, string>) => execFileSync(process.execPath, ["-e", check], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
        assert.equal(symbols({ FINPLAT_PROTOBUF_STRUCTS: "google-protobuf" }), "0");
        assert.equal(symbols({ FINPLAT_PROTOBUF_STRUCTS: "" }), "1");
    });
});
