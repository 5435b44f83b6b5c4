/**
 * The field structure of kinds that have a kubernetes-models package, read from
 * the package's own TypeScript declarations (`IDeployment`, `ICertificate`, …)
 * with the TypeScript compiler API. The packages' compiled validators check
 * types, enums and formats but accept any unknown field; their declarations
 * list exactly the fields of the same pinned schema, so the two together give
 * a complete check without a second copy of the schemas in this repository.
 *
 * Only declaration files are parsed (no type-checking of our code), once per
 * batch of kinds; every kind's tree is cached for the rest of the run.
 */
import * as path from "path";
import * as ts from "typescript";
import { FieldNode } from "./field-list";

const ROOT = path.resolve(__dirname, "..", "..");
const ENTRY = path.join(ROOT, "__model_fields__.ts");
const LIB = path.join(ROOT, "__model_fields_lib__.d.ts");

/** The globals the compiler needs to build Array<T> and friends, instead of the full lib (faster). */
const MINIMAL_LIB = `
interface Array<T> { length: number; [n: number]: T; }
interface ReadonlyArray<T> { readonly length: number; readonly [n: number]: T; }
interface Boolean {} interface Function {} interface CallableFunction {} interface NewableFunction {}
interface IArguments {} interface Number {} interface Object {} interface RegExp {} interface String {}
type Record<K extends keyof any, T> = { [P in K]: T };
type Partial<T> = { [P in keyof T]?: T[P] };
type Omit<T, K> = T;
`;

/**
 * What the declarations need from @kubernetes-models/base: its real entry pulls in
 * ajv's declarations (half the files parsed) for the Model class we never look at.
 */
const BASE_STUB = `
export interface TypeMeta { apiVersion: string; kind: string; }
export type TypeMetaGuard<T> = (value: unknown) => value is T;
export declare class Model<T> { constructor(data?: T); }
export type ModelData<T> = T;
`;
const BASE_ENTRY = /[\\/]@kubernetes-models[\\/]base[\\/]dist[\\/]index\.d\.ts$/;

/** The model's interface of a kind: `kubernetes-models/apps/v1/Deployment` exports `IDeployment`. */
export interface ModelRef {
    specifier: string;
    kind: string;
}

const cache = new Map<string, FieldNode>();
/** Parsed declaration files, shared by every program of the run. */
const sourceFiles = new Map<string, ts.SourceFile>();

const OPTIONS: ts.CompilerOptions = {
    noLib: true,
    types: [],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    skipLibCheck: true,
};

function compilerHost(entryText: string): ts.CompilerHost {
    const host = ts.createCompilerHost(OPTIONS, true);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, onError) => {
        if (fileName === ENTRY) return ts.createSourceFile(fileName, entryText, languageVersion, true);
        if (fileName === LIB) return ts.createSourceFile(fileName, MINIMAL_LIB, languageVersion, true);
        if (BASE_ENTRY.test(fileName)) return ts.createSourceFile(fileName, BASE_STUB, languageVersion, true);
        if (!sourceFiles.has(fileName)) {
            const file = getSourceFile(fileName, languageVersion, onError);
            if (!file) return undefined;
            sourceFiles.set(fileName, file);
        }
        return sourceFiles.get(fileName);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (fileName) => fileName === ENTRY || fileName === LIB || fileExists(fileName);
    return host;
}

function key(ref: ModelRef): string {
    return `${ref.specifier}#I${ref.kind}`;
}

/** Loads the field trees of several kinds with one compiler program (call with every kind you will need). */
export function loadModelFields(refs: ModelRef[]): void {
    const missing = [...new Map(refs.filter((r) => !cache.has(key(r))).map((r) => [key(r), r])).values()];
    if (missing.length === 0) return;
    const entryText = missing.map((r, i) => `export type K${i} = import(${JSON.stringify(r.specifier)}).I${r.kind};`).join("\n");
    const program = ts.createProgram({ rootNames: [LIB, ENTRY], options: OPTIONS, host: compilerHost(entryText) });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
    const aliases = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
    const convert = typeConverter(checker);
    missing.forEach((ref, i) => {
        const type = checker.getDeclaredTypeOfSymbol(aliases.get(`K${i}`)!);
        if (type.flags & ts.TypeFlags.Any) throw new Error(`no declaration I${ref.kind} in ${ref.specifier}`);
        cache.set(key(ref), convert(type));
    });
}

/** The field tree of one kind, from its package's declarations. */
export function modelFields(ref: ModelRef): FieldNode {
    loadModelFields([ref]);
    return cache.get(key(ref))!;
}

const PRIMITIVE = ts.TypeFlags.String | ts.TypeFlags.StringLiteral | ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral | ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral;

function primitiveKind(type: ts.Type): "string" | "number" | "boolean" {
    if (type.flags & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral)) return "string";
    if (type.flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) return "number";
    return "boolean";
}

function typeConverter(checker: ts.TypeChecker): (type: ts.Type) => FieldNode {
    const memo = new Map<ts.Type, FieldNode>();

    const convert = (type: ts.Type): FieldNode => {
        const known = memo.get(type);
        if (known) return known;
        if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { type: "any" };
        if (type.isUnion()) return union(type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))));
        if (type.flags & PRIMITIVE) return union([type]);
        if (checker.isArrayType(type)) return { type: "array", items: convert(checker.getTypeArguments(type as ts.TypeReference)[0]) };
        const properties = checker.getPropertiesOfType(type);
        const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
        // An empty interface (RawExtension, apiextensions JSON) holds arbitrary JSON.
        if (properties.length === 0 && !index) return { type: "any" };
        // Registered before the children, so recursive types (JSONSchemaProps) end.
        const node: FieldNode = { type: "object", properties: new Map() };
        memo.set(type, node);
        // Map values first: a required copy made below shares everything assigned so far.
        if (index) node.values = convert(index.type);
        for (const property of properties) {
            const child = convert(checker.getTypeOfSymbol(property));
            // Trees are shared between parents, so "required" goes on a shallow copy.
            node.properties!.set(property.name, property.flags & ts.SymbolFlags.Optional ? child : { ...child, required: true });
        }
        return node;
    };

    const union = (members: ts.Type[]): FieldNode => {
        if (members.length === 1 && !(members[0].flags & PRIMITIVE)) return convert(members[0]);
        if (!members.every((t) => t.flags & PRIMITIVE)) return { type: "any" };
        const kinds = new Set(members.map(primitiveKind));
        if (kinds.size > 1) return kinds.size === 2 && kinds.has("string") && kinds.has("number") ? { type: "number-or-string" } : { type: "any" };
        const [kind] = kinds;
        const literals = members.every((t) => t.isStringLiteral()) ? members.map((t) => (t as ts.StringLiteralType).value) : undefined;
        return literals ? { type: kind, enum: literals } : { type: kind };
    };

    return convert;
}
