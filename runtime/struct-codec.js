// Every resource's inputs and outputs cross the engine boundary as a protobuf
// `google.protobuf.Struct`. google-protobuf builds one message object per value
// (a Value, its Map entry, a ListValue…), re-syncs each parent's array form with
// its children as they are added, and decodes the engine's answer the same way:
// on the runner path that was about a quarter of the program's CPU and much of its
// garbage (README "Performance"). A Deployment's pod template is ~600 values.
//
// keepStructsAsBytes() lets a Struct hold its wire bytes instead:
// - Struct.fromJavaScript reads the object once and encodes it straight to bytes
//   (a snapshot, as the original's copy is);
// - serializing such a Struct copies those bytes into the writer;
// - deserializing one keeps its bytes (read through the BinaryReader's public API),
//   and writing a Struct that was read re-encodes it first, as google-protobuf
//   writes its map again (sorted, without unknown fields);
// - toJavaScript decodes the bytes into a fresh plain object.
// The bytes and the objects are exactly google-protobuf's: map entries sorted by
// key, the same field order and encodings, the same key order when read back
// (tests/runtime/struct-codec.test.ts compares both ways, on the prod and dev stacks'
// own Structs and on edge cases). getFieldsMap, toObject and clearFieldsMap first
// turn the Struct into an ordinary google-protobuf Struct. Whatever the codec does
// not handle exactly as google-protobuf does takes google-protobuf's own path, with
// its result or its error: class instances, functions, undefined, strings that are
// not well-formed, a "__proto__" key, malformed UTF-8, unusual enum or bool varints.
// One difference is left: jspb's array-level APIs (cloneMessage, equals, toArray)
// see a byte-holding Struct as empty. The SDK does not call them on its messages.
// FINPLAT_PROTOBUF_STRUCTS=google-protobuf keeps google-protobuf's own code.
"use strict";
const path = require("path");
const { isUtf8 } = require("buffer");
const { patchWhenLoaded } = require("./after-load");

/** Thrown inside the codec when a value must take google-protobuf's own path. */
const UNSUPPORTED = Symbol("unsupported by the struct codec");
/** The Struct's body: its map entries, in wire format, without the Struct's own tag and length. */
const BODY = Symbol("finplat struct bytes");
/** Set when BODY came off the wire: another writer's bytes, written again only once re-encoded. */
const READ = Symbol("finplat struct bytes read");

// Wire tags (field number << 3 | wire type).
const ENTRY = 0x0a; // Struct.fields, MapEntry.key, ListValue.values: field 1, length-delimited
const ENTRY_VALUE = 0x12; // MapEntry.value: field 2, length-delimited
const NULL_VALUE = 0x08; // Value.null_value: field 1, varint
const NUMBER_VALUE = 0x11; // Value.number_value: field 2, 64-bit
const STRING_VALUE = 0x1a; // Value.string_value: field 3, length-delimited
const BOOL_VALUE = 0x20; // Value.bool_value: field 4, varint
const STRUCT_VALUE = 0x2a; // Value.struct_value: field 5, length-delimited
const LIST_VALUE = 0x32; // Value.list_value: field 6, length-delimited

const varintSize = (n) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
const delimitedSize = (n) => 1 + varintSize(n) + n;

// Encoding takes two passes. The first reads the object once, into a flat tape:
// each value's kind and content, each string's UTF-8 length, each list's and
// struct's body length and each object's keys sorted as google-protobuf's Map sorts
// them when it serializes. The second writes the tape and never reads the object
// again, so a getter is read once, as google-protobuf reads it.

/** Reads one value onto the tape; returns the size of its Value message. */
function measureValue(value, tape) {
    switch (typeof value) {
        case "string": {
            if (!value.isWellFormed()) throw UNSUPPORTED;
            const bytes = Buffer.byteLength(value, "utf8");
            tape.push(STRING_VALUE, value, bytes);
            return delimitedSize(bytes);
        }
        case "number":
            tape.push(NUMBER_VALUE, value);
            return 9;
        case "boolean":
            tape.push(BOOL_VALUE, value);
            return 2;
        case "object":
            if (value === null) {
                tape.push(NULL_VALUE);
                return 2;
            }
            if (Array.isArray(value)) return delimitedSize(measureList(value, tape));
            tape.push(STRUCT_VALUE);
            return delimitedSize(measureStruct(value, tape));
        default:
            // undefined, functions, symbols, bigints: the original throws its own error.
            throw UNSUPPORTED;
    }
}

function measureList(list, tape) {
    // google-protobuf's typeOf decides for arrays of other realms or with other prototypes.
    if (Object.getPrototypeOf(list) !== Array.prototype) throw UNSUPPORTED;
    const length = list.length;
    const at = tape.push(LIST_VALUE, 0, length) - 2;
    let body = 0;
    for (let i = 0; i < length; i++) body += delimitedSize(measureValue(list[i], tape));
    tape[at] = body;
    return body;
}

/** A struct's body length and entry count, then per entry: key, key length, entry length, value. */
function measureStruct(object, tape) {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) throw UNSUPPORTED;
    const keys = [];
    // for…in, as google-protobuf's Struct.fromJavaScript iterates.
    for (const key in object) keys.push(key);
    keys.sort();
    const at = tape.push(0, keys.length) - 2;
    let body = 0;
    for (const key of keys) {
        // "__proto__" is not an own data property of what google-protobuf builds or reads back.
        if (key === "__proto__" || !key.isWellFormed()) throw UNSUPPORTED;
        const keyBytes = Buffer.byteLength(key, "utf8");
        const entryAt = tape.push(key, keyBytes, 0) - 1;
        const entry = delimitedSize(keyBytes) + delimitedSize(measureValue(object[key], tape));
        tape[entryAt] = entry;
        body += delimitedSize(entry);
    }
    tape[at] = body;
    return body;
}

class Writer {
    constructor(size, tape) {
        this.buffer = Buffer.allocUnsafe(size);
        this.at = 0;
        this.tape = tape;
        this.next = 0;
    }
    varint(n) {
        while (n >= 0x80) {
            this.buffer[this.at++] = (n & 0x7f) | 0x80;
            n >>>= 7;
        }
        this.buffer[this.at++] = n;
    }
    string(tag, s, bytes) {
        this.buffer[this.at++] = tag;
        this.varint(bytes);
        this.at += this.buffer.write(s, this.at, bytes, "utf8");
    }
    /** The size of the Value next on the tape, without moving. */
    valueSize() {
        switch (this.tape[this.next]) {
            case STRING_VALUE:
                return delimitedSize(this.tape[this.next + 2]);
            case NUMBER_VALUE:
                return 9;
            case LIST_VALUE:
            case STRUCT_VALUE:
                return delimitedSize(this.tape[this.next + 1]);
            default:
                return 2;
        }
    }
    value() {
        const tape = this.tape;
        const kind = tape[this.next++];
        switch (kind) {
            case STRING_VALUE:
                return this.string(STRING_VALUE, tape[this.next++], tape[this.next++]);
            case NUMBER_VALUE: {
                const value = tape[this.next++];
                this.buffer[this.at++] = NUMBER_VALUE;
                // google-protobuf writes NaN as 0x7fffffffffffffff, not as V8's canonical NaN.
                if (value !== value) {
                    this.buffer.writeUInt32LE(0xffffffff, this.at);
                    this.buffer.writeUInt32LE(0x7fffffff, this.at + 4);
                } else {
                    this.buffer.writeDoubleLE(value, this.at);
                }
                this.at += 8;
                return;
            }
            case BOOL_VALUE:
                this.buffer[this.at++] = BOOL_VALUE;
                this.buffer[this.at++] = tape[this.next++] ? 1 : 0;
                return;
            case NULL_VALUE:
                this.buffer[this.at++] = NULL_VALUE;
                this.buffer[this.at++] = 0;
                return;
            case LIST_VALUE: {
                this.buffer[this.at++] = LIST_VALUE;
                this.varint(tape[this.next++]);
                const length = tape[this.next++];
                for (let i = 0; i < length; i++) {
                    this.buffer[this.at++] = ENTRY;
                    this.varint(this.valueSize());
                    this.value();
                }
                return;
            }
            case STRUCT_VALUE:
                this.buffer[this.at++] = STRUCT_VALUE;
                this.varint(tape[this.next]);
                return this.struct();
        }
    }
    /** A struct's entries (its body length is next on the tape; the caller wrote it if needed). */
    struct() {
        const tape = this.tape;
        this.next++;
        const count = tape[this.next++];
        for (let i = 0; i < count; i++) {
            const key = tape[this.next++];
            const keyBytes = tape[this.next++];
            this.buffer[this.at++] = ENTRY;
            this.varint(tape[this.next++]);
            this.string(ENTRY, key, keyBytes);
            this.buffer[this.at++] = ENTRY_VALUE;
            this.varint(this.valueSize());
            this.value();
        }
    }
}

/** A plain object → the Struct body google-protobuf writes for it (throws UNSUPPORTED for anything else). */
function encodeStruct(object) {
    if (object === null || typeof object !== "object" || Array.isArray(object)) throw UNSUPPORTED;
    const tape = [];
    const size = measureStruct(object, tape);
    const writer = new Writer(size, tape);
    writer.struct();
    if (writer.at !== size) throw new Error(`struct codec: wrote ${writer.at} bytes, measured ${size}`);
    return writer.buffer;
}

/** Reads a Struct body back into a plain object, with keys in google-protobuf's (sorted) order. */
class Reader {
    constructor(bytes) {
        this.buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
        this.at = 0;
    }
    varint() {
        let result = 0;
        for (let shift = 0; shift < 35; shift += 7) {
            if (this.at >= this.buffer.length) throw UNSUPPORTED;
            const b = this.buffer[this.at++];
            result += (b & 0x7f) * 2 ** shift;
            if (b < 0x80) return result;
        }
        throw UNSUPPORTED;
    }
    /** The end of the length-delimited field starting here. */
    end(limit) {
        const length = this.varint();
        const end = this.at + length;
        if (end > limit) throw UNSUPPORTED;
        return end;
    }
    string(end) {
        const start = this.at;
        const text = this.buffer.toString("utf8", start, (this.at = end));
        // Node replaces malformed UTF-8 with U+FFFD; google-protobuf decodes it its own way.
        if (text.includes("\ufffd") && !isUtf8(this.buffer.subarray(start, end))) throw UNSUPPORTED;
        return text;
    }
    struct(end) {
        const object = {};
        let previous;
        let sorted = true;
        while (this.at < end) {
            if (this.buffer[this.at++] !== ENTRY) throw UNSUPPORTED;
            const entryEnd = this.end(end);
            if (this.buffer[this.at++] !== ENTRY) throw UNSUPPORTED;
            const key = this.string(this.end(entryEnd));
            // Assigning "__proto__" would set the object's prototype: google-protobuf's own code decides.
            if (key === "__proto__") throw UNSUPPORTED;
            if (this.buffer[this.at++] !== ENTRY_VALUE) throw UNSUPPORTED;
            const value = this.value(this.end(entryEnd));
            if (this.at !== entryEnd) throw UNSUPPORTED;
            if (previous !== undefined && !(previous < key)) sorted = false;
            previous = key;
            object[key] = value;
        }
        if (this.at !== end) throw UNSUPPORTED;
        if (sorted) return object;
        // google-protobuf's toJavaScript visits the map in sorted key order.
        const ordered = {};
        for (const key of Object.keys(object).sort()) ordered[key] = object[key];
        return ordered;
    }
    list(end) {
        const list = [];
        while (this.at < end) {
            if (this.buffer[this.at++] !== ENTRY) throw UNSUPPORTED;
            list.push(this.value(this.end(end)));
        }
        if (this.at !== end) throw UNSUPPORTED;
        return list;
    }
    value(end) {
        // One field per Value (a oneof); anything else takes google-protobuf's path.
        const tag = this.buffer[this.at++];
        let value;
        switch (tag) {
            case NULL_VALUE:
                // google-protobuf keeps another enum number and writes it back; only 0 is read here.
                if (this.varint() !== 0) throw UNSUPPORTED;
                value = null;
                break;
            case NUMBER_VALUE:
                if (this.at + 8 > end) throw UNSUPPORTED;
                value = this.buffer.readDoubleLE(this.at);
                // google-protobuf reads any NaN as the canonical one.
                if (value !== value) value = NaN;
                this.at += 8;
                break;
            case STRING_VALUE:
                value = this.string(this.end(end));
                break;
            case BOOL_VALUE: {
                // google-protobuf reads a bool's varint 32 bits wide; only 0 and 1 are read here.
                const flag = this.varint();
                if (flag > 1) throw UNSUPPORTED;
                value = flag === 1;
                break;
            }
            case STRUCT_VALUE:
                value = this.struct(this.end(end));
                break;
            case LIST_VALUE:
                value = this.list(this.end(end));
                break;
            default:
                throw UNSUPPORTED;
        }
        if (this.at !== end) throw UNSUPPORTED;
        return value;
    }
}

function decodeStruct(body) {
    return new Reader(body).struct(body.length);
}

/** The BinaryWriter/Reader frame of a Struct entry: field 1, length-delimited. */
function entryHeader(length) {
    const header = new Writer(1 + varintSize(length), []);
    header.buffer[header.at++] = ENTRY;
    header.varint(length);
    return header.buffer;
}

/** Makes google-protobuf's Struct keep its wire bytes (see the top of this file). */
function patchStruct(Struct, BinaryReader) {
    const original = {
        fromJavaScript: Struct.fromJavaScript,
        serializeBinaryToWriter: Struct.serializeBinaryToWriter,
        deserializeBinaryFromReader: Struct.deserializeBinaryFromReader,
        toJavaScript: Struct.prototype.toJavaScript,
        getFieldsMap: Struct.prototype.getFieldsMap,
        clearFieldsMap: Struct.prototype.clearFieldsMap,
        toObject: Struct.prototype.toObject,
    };

    /** Turns a Struct that holds bytes into an ordinary google-protobuf Struct. */
    function materialize(struct) {
        const body = struct[BODY];
        if (body === undefined) return;
        struct[BODY] = undefined;
        struct[READ] = false;
        original.deserializeBinaryFromReader(struct, new BinaryReader(body));
    }

    Struct.fromJavaScript = function fromJavaScript(object) {
        let body;
        try {
            body = encodeStruct(object);
        } catch (e) {
            if (e === UNSUPPORTED) return original.fromJavaScript.call(this, object);
            throw e;
        }
        const struct = new Struct();
        struct[BODY] = body;
        return struct;
    };

    Struct.serializeBinaryToWriter = function serializeBinaryToWriter(message, writer) {
        if (message[READ]) {
            // Bytes read from elsewhere (the SDK sends some back, e.g. a provider's inputs):
            // google-protobuf would write its map again, sorted, without unknown fields.
            message[READ] = false;
            try {
                message[BODY] = encodeStruct(decodeStruct(message[BODY]));
            } catch {
                materialize(message);
            }
        }
        const body = message[BODY];
        if (body === undefined) return original.serializeBinaryToWriter.call(this, message, writer);
        if (body.length > 0) writer.writeSerializedMessage(body, 0, body.length);
    };

    Struct.deserializeBinaryFromReader = function deserializeBinaryFromReader(message, reader) {
        const existing = original.getFieldsMap.call(message, true);
        if (existing && existing.getLength() > 0) return original.deserializeBinaryFromReader.call(this, message, reader);
        const parts = message[BODY] === undefined ? [] : [message[BODY]];
        while (reader.nextField()) {
            if (reader.isEndGroup()) break;
            if (reader.getFieldNumber() === 1 && reader.getWireType() === 2) {
                // A view into the message being read: copied below, as google-protobuf copies.
                const entry = reader.readBytes();
                parts.push(entryHeader(entry.length), entry);
            } else {
                reader.skipField();
            }
        }
        message[BODY] = Buffer.concat(parts);
        message[READ] = true;
        return message;
    };

    Struct.prototype.toJavaScript = function toJavaScript() {
        const body = this[BODY];
        if (body !== undefined) {
            try {
                return decodeStruct(body);
            } catch {
                // Bytes from elsewhere that the codec does not read exactly as google-protobuf would.
                materialize(this);
            }
        }
        return original.toJavaScript.call(this);
    };

    for (const name of ["getFieldsMap", "clearFieldsMap", "toObject"]) {
        Struct.prototype[name] = function materializeFirst(...args) {
            materialize(this);
            return original[name].apply(this, args);
        };
    }
}

/** The struct_pb.js that @pulumi/pulumi itself loads (npm may nest a copy of google-protobuf under it). */
function sdkStructModule() {
    try {
        const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd(), __dirname] }));
        return require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdk] });
    } catch {
        return undefined;
    }
}

let installed = false;

function keepStructsAsBytes() {
    if (installed || process.env.FINPLAT_PROTOBUF_STRUCTS === "google-protobuf") return;
    installed = true;
    const structModule = sdkStructModule();
    if (!structModule) return;
    patchWhenLoaded(structModule, (structs, file) => {
        // The BinaryReader of the same copy of google-protobuf as struct_pb.js (its own require).
        const jspb = require(path.join(path.dirname(file), "..", "..", "google-protobuf.js"));
        patchStruct(structs.Struct, jspb.BinaryReader);
    });
}

module.exports = { keepStructsAsBytes };
