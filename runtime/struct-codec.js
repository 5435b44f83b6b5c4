// Every resource's inputs and outputs cross the engine boundary as a protobuf
// `google.protobuf.Struct`. google-protobuf builds one message object per value
// (a Value, its Map entry, a ListValue…), re-syncs each parent's array form with
// its children as they are added, and decodes the engine's answer the same way:
// on the runner path that was about a quarter of the program's CPU and much of its
// garbage (README "Performance"). A Deployment's pod template is ~600 values.
//
// keepStructsAsBytes() lets a Struct hold its wire bytes instead:
// - Struct.fromJavaScript encodes the object straight to bytes (a snapshot, as the
//   original's copy is);
// - serializing such a Struct copies those bytes into the writer;
// - deserializing one keeps its bytes (read through the BinaryReader's public API);
// - toJavaScript decodes the bytes into a fresh plain object.
// The bytes are exactly google-protobuf's: map entries sorted by key, the same
// field order and encodings (tests/runtime/struct-codec.test.ts compares them on
// the prod stack's own registrations). Anything else a program may do with a
// Struct (getFieldsMap, toObject, clearFieldsMap) first turns it back into an
// ordinary google-protobuf Struct. Values the fast path does not handle exactly
// as the original does (class instances, functions, undefined, strings that are not
// well-formed UTF-16) take the original path, with its result or its error.
// FINPLAT_PROTOBUF_STRUCTS=google-protobuf keeps google-protobuf's own code.
"use strict";
const path = require("path");
const { patchWhenLoaded } = require("./after-load");

/** Thrown inside the codec when a value must take google-protobuf's own path. */
const UNSUPPORTED = Symbol("unsupported by the struct codec");
/** The Struct's body: its map entries, in wire format, without the Struct's own tag and length. */
const BODY = Symbol("finplat struct bytes");

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

// Encoding takes two passes. The first measures each string (its UTF-8 length),
// each list and struct (its body's length), and each map entry, and sorts each
// object's keys as google-protobuf's Map does when it serializes; it records them
// in `plan` in the order the second pass, which writes, reads them back.

function measureValue(value, plan) {
    switch (typeof value) {
        case "string": {
            if (!value.isWellFormed()) throw UNSUPPORTED;
            const bytes = Buffer.byteLength(value, "utf8");
            plan.push(bytes);
            return delimitedSize(bytes);
        }
        case "number":
            return 9;
        case "boolean":
            return 2;
        case "object":
            if (value === null) return 2;
            return delimitedSize(Array.isArray(value) ? measureList(value, plan) : measureStruct(value, plan));
        default:
            // undefined, functions, symbols, bigints: the original throws its own error.
            throw UNSUPPORTED;
    }
}

function measureList(list, plan) {
    // google-protobuf's typeOf decides for arrays of other realms or with other prototypes.
    if (Object.getPrototypeOf(list) !== Array.prototype) throw UNSUPPORTED;
    const at = plan.push(0) - 1;
    let body = 0;
    for (let i = 0; i < list.length; i++) body += delimitedSize(measureValue(list[i], plan));
    plan[at] = body;
    return body;
}

function measureStruct(object, plan) {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) throw UNSUPPORTED;
    const at = plan.push(0, null) - 2;
    const keys = [];
    // for…in, as google-protobuf's Struct.fromJavaScript iterates.
    for (const key in object) keys.push(key);
    keys.sort();
    let body = 0;
    for (const key of keys) {
        if (!key.isWellFormed()) throw UNSUPPORTED;
        const entryAt = plan.push(0) - 1;
        const keyBytes = Buffer.byteLength(key, "utf8");
        plan.push(keyBytes);
        const entry = delimitedSize(keyBytes) + delimitedSize(measureValue(object[key], plan));
        plan[entryAt] = entry;
        body += delimitedSize(entry);
    }
    plan[at] = body;
    plan[at + 1] = keys;
    return body;
}

class Writer {
    constructor(size, plan) {
        this.buffer = Buffer.allocUnsafe(size);
        this.at = 0;
        this.plan = plan;
        this.next = 0;
    }
    varint(n) {
        while (n >= 0x80) {
            this.buffer[this.at++] = (n & 0x7f) | 0x80;
            n >>>= 7;
        }
        this.buffer[this.at++] = n;
    }
    string(tag, s) {
        const bytes = this.plan[this.next++];
        this.buffer[this.at++] = tag;
        this.varint(bytes);
        this.at += this.buffer.write(s, this.at, bytes, "utf8");
    }
    /** A Value's size, from the plan without consuming it. */
    valueSize(value) {
        switch (typeof value) {
            case "string":
            case "object":
                return value === null ? 2 : delimitedSize(this.plan[this.next]);
            case "number":
                return 9;
            default:
                return 2;
        }
    }
    value(value) {
        switch (typeof value) {
            case "string":
                return this.string(STRING_VALUE, value);
            case "number":
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
            case "boolean":
                this.buffer[this.at++] = BOOL_VALUE;
                this.buffer[this.at++] = value ? 1 : 0;
                return;
        }
        if (value === null) {
            this.buffer[this.at++] = NULL_VALUE;
            this.buffer[this.at++] = 0;
        } else if (Array.isArray(value)) {
            this.buffer[this.at++] = LIST_VALUE;
            this.varint(this.plan[this.next++]);
            for (let i = 0; i < value.length; i++) {
                this.buffer[this.at++] = ENTRY;
                this.varint(this.valueSize(value[i]));
                this.value(value[i]);
            }
        } else {
            this.buffer[this.at++] = STRUCT_VALUE;
            this.varint(this.plan[this.next++]);
            this.entries(this.plan[this.next++], value);
        }
    }
    entries(keys, object) {
        for (const key of keys) {
            const value = object[key];
            this.buffer[this.at++] = ENTRY;
            this.varint(this.plan[this.next++]);
            this.string(ENTRY, key);
            this.buffer[this.at++] = ENTRY_VALUE;
            this.varint(this.valueSize(value));
            this.value(value);
        }
    }
}

/** A plain object → the Struct body google-protobuf writes for it (throws UNSUPPORTED for anything else). */
function encodeStruct(object) {
    if (object === null || typeof object !== "object" || Array.isArray(object)) throw UNSUPPORTED;
    const plan = [];
    const size = measureStruct(object, plan);
    const writer = new Writer(size, plan);
    writer.next = 2;
    writer.entries(plan[1], object);
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
        return this.buffer.toString("utf8", this.at, (this.at = end));
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
                this.varint();
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
            case BOOL_VALUE:
                value = this.varint() !== 0;
                break;
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
    const header = [ENTRY];
    while (length >= 0x80) {
        header.push((length & 0x7f) | 0x80);
        length >>>= 7;
    }
    header.push(length);
    return Buffer.from(header);
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

module.exports = { keepStructsAsBytes, patchStruct, encodeStruct, decodeStruct, UNSUPPORTED };
