import { strict as assert } from "assert";
import { deriveFieldLists } from "../../tools/crd-fields";
import { parseFieldList, formatFieldList, FieldNode } from "../support/field-list";
import { validateFields } from "../support/field-validation";
import { modelFields } from "../support/model-fields";

/** A small CRD exercising every construct the tool and the validator handle. */
const WIDGET_CRD = `
apiVersion: v1
kind: ConfigMap
metadata: { name: not-a-crd }
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: { type: string }
            kind: { type: string }
            metadata: { type: object }
            spec:
              type: object
              required: [size]
              properties:
                size: { type: string, enum: [small, large] }
                replicas: { type: integer, minimum: 1, maximum: 5 }
                name: { type: string, pattern: "^[a-z]+$", maxLength: 8 }
                port: { x-kubernetes-int-or-string: true, anyOf: [{ type: integer }, { type: string }] }
                labels: { type: object, additionalProperties: { type: string } }
                config: { type: object, x-kubernetes-preserve-unknown-fields: true }
                template: { type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true, properties: { spec: { type: object, properties: { paused: { type: boolean } } } } }
                disks:
                  type: array
                  minItems: 1
                  items:
                    type: object
                    required: [name]
                    properties:
                      name: { type: string }
                      sizeGb: { type: number, nullable: true }
                      "odd.key": { type: boolean }
            status: { type: object, properties: { ready: { type: boolean } } }
    - name: v1alpha1
      served: false
      storage: false
      schema: { openAPIV3Schema: { type: object } }
`;

function widgetList(): { name: string; text: string } {
    const [list] = deriveFieldLists([{ name: "widget.yaml", text: WIDGET_CRD }], { source: "widget-1.0.0", origin: "example/widgets@v1.0.0:crds/widget.yaml" });
    return list;
}

const objectMeta = () => modelFields({ specifier: "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta", kind: "ObjectMeta" });

function errorsFor(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] {
    const { root } = parseFieldList(widgetList().text);
    return validateFields(root, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec, ...extra }, { objectMeta: objectMeta() });
}

const VALID = { size: "small", replicas: 2, name: "abc", port: "http", labels: { a: "b" }, config: { anything: [1, { goes: true }] }, disks: [{ name: "d", sizeGb: 1.5 }] };

describe("field lists derived from a published CRD", () => {
    it("the tool writes one list per served version, named <group>_<version>_<Kind>@<source>.txt, with a header naming repo, tag and path", () => {
        const lists = deriveFieldLists([{ name: "widget.yaml", text: WIDGET_CRD }], { source: "widget-1.0.0", origin: "example/widgets@v1.0.0:crds/widget.yaml" });
        assert.deepEqual(lists.map((l) => l.name), ["example.com_v1_Widget@widget-1.0.0.txt"]);
        const lines = lists[0].text.split("\n");
        assert.equal(lines[0], "# example.com/v1/Widget from example/widgets@v1.0.0:crds/widget.yaml");
        assert.match(lines[1], /^# re-derive: node -r \.\/runtime\/ts-transpile\.js tools\/crd-fields\.ts --source widget-1\.0\.0 /);
    });

    it("one line per schema node: path, type and flags; status is left out", () => {
        const lines = widgetList().text.split("\n");
        for (const expected of [
            "spec\tobject",
            "spec.size\tstring\trequired\tenum=small|large",
            "spec.replicas\tinteger\tmin=1\tmax=5",
            "spec.name\tstring\tpattern=^[a-z]+$\tmax=8",
            "spec.port\tint-or-string",
            "spec.labels.*\tstring",
            "spec.config\tany",
            "spec.template\tobject\tpreserve-unknown\tembedded",
            "spec.disks\tarray\tmin=1",
            "spec.disks[].name\tstring\trequired",
            "spec.disks[].sizeGb\tnumber\tnullable",
            'spec.disks[]."odd.key"\tboolean',
        ]) {
            assert.ok(lines.includes(expected), `has the line ${JSON.stringify(expected)}`);
        }
        assert.ok(!lines.some((l) => l.startsWith("status")), "no status lines");
    });

    it("a list reads back into the tree it was written from", () => {
        const parsed = parseFieldList(widgetList().text);
        assert.equal(formatFieldList(parsed), widgetList().text);
        assert.equal(parsed.root.properties!.get("spec")!.properties!.get("disks")!.items!.properties!.get("odd.key")!.type, "boolean");
    });

    it("a malformed list fails naming the line", () => {
        assert.throws(() => parseFieldList("spec\tobject\nspec.a\tstrin\n", "x.txt"), /x\.txt:2: unknown type "strin"/);
        assert.throws(() => parseFieldList("spec.a\tstring\n", "x.txt"), /x\.txt:1: spec\.a comes before its parent/);
        assert.throws(() => parseFieldList("spec\tobject\trequird\n", "x.txt"), /x\.txt:1: unknown flag "requird"/);
    });

    it("the tool fails when --only names a kind the files do not serve", () => {
        assert.throws(
            () => deriveFieldLists([{ name: "widget.yaml", text: WIDGET_CRD }], { source: "s", origin: "o", only: new Set(["example.com/v1alpha1/Widget"]) }),
            /not served by any CRD in the files: example\.com\/v1alpha1\/Widget/,
        );
    });

    it("Helm template directives (own lines and inline in metadata) do not stop a chart's CRD file from parsing", () => {
        const crd = WIDGET_CRD.split("---")[1].replace("metadata: { name: widgets.example.com }", "metadata:\n  name: widgets.example.com\n  labels: {{- include \"labels\" . | nindent 4 }}\n  annotations:\n    {{- toYaml .Values.annotations | nindent 4 }}\n    release: '{{ .Release.Name }}'");
        const templated = `{{- if .Values.crds.enabled }}\n${crd}\n{{- end }}\n`;
        assert.equal(deriveFieldLists([{ name: "t.yaml", text: templated }], { source: "s", origin: "o" }).length, 1);
    });
});

describe("validation against a field list", () => {
    it("accepts a valid object: maps, int-or-string, preserved and embedded fields, nullable numbers, ObjectMeta", () => {
        assert.deepEqual(errorsFor({ ...VALID, template: { apiVersion: "v1", kind: "Pod", metadata: { labels: { a: "b" } }, spec: { paused: true }, extra: 1 } }), []);
        assert.deepEqual(errorsFor({ ...VALID, port: 8080, disks: [{ name: "d", sizeGb: null }] }), []);
    });

    it("rejects unknown fields anywhere, naming the path", () => {
        assert.deepEqual(errorsFor({ ...VALID, replica: 2 }), ["spec.replica: unknown field"]);
        assert.deepEqual(errorsFor({ ...VALID, disks: [{ name: "a" }, { name: "b", sizeGB: 2 }] }), ["spec.disks[1].sizeGB: unknown field"]);
        assert.deepEqual(errorsFor(VALID, { metadata: { name: "w", label: { a: "b" } } }), ["metadata.label: unknown field"]);
        assert.deepEqual(errorsFor(VALID, { status: { ready: true } }), ["status: unknown field"]);
        assert.deepEqual(errorsFor({ ...VALID, template: { metadata: { nme: "x" } } }), ["spec.template.metadata.nme: unknown field"]);
    });

    it("rejects wrong types, in maps and arrays too", () => {
        assert.deepEqual(errorsFor({ ...VALID, replicas: "2" }), ["spec.replicas: expected integer, got string"]);
        assert.deepEqual(errorsFor({ ...VALID, replicas: 1.5 }), ["spec.replicas: expected integer, got number"]);
        assert.deepEqual(errorsFor({ ...VALID, port: true }), ["spec.port: expected int-or-string, got boolean"]);
        assert.deepEqual(errorsFor({ ...VALID, labels: { "app.kubernetes.io/name": 1 } }), ['spec.labels["app.kubernetes.io/name"]: expected string, got integer']);
        assert.deepEqual(errorsFor({ ...VALID, disks: { name: "d" } }), ["spec.disks: expected array, got object"]);
        assert.deepEqual(errorsFor(VALID, { metadata: { name: "w", labels: { a: 1 } } }), ["metadata.labels.a: expected string, got integer"]);
    });

    it("rejects enum violations, missing required fields, pattern and bounds", () => {
        assert.deepEqual(errorsFor({ ...VALID, size: "medium" }), ['spec.size: "medium" is not one of small, large']);
        assert.deepEqual(errorsFor({ name: "abc" }), ["spec.size: required field missing"]);
        assert.deepEqual(errorsFor({ ...VALID, disks: [{ sizeGb: 1 }] }), ["spec.disks[0].name: required field missing"]);
        assert.deepEqual(errorsFor({ ...VALID, name: "ABC" }), ['spec.name: "ABC" does not match the pattern ^[a-z]+$']);
        assert.deepEqual(errorsFor({ ...VALID, name: "abcdefghij" }), ["spec.name: length 10 is above the maximum 8"]);
        assert.deepEqual(errorsFor({ ...VALID, replicas: 0 }), ["spec.replicas: value 0 is below the minimum 1"]);
        assert.deepEqual(errorsFor({ ...VALID, disks: [] }), ["spec.disks: item count 0 is below the minimum 1"]);
    });

    it("an object node without properties accepts no fields (the API server would prune them)", () => {
        const root: FieldNode = parseFieldList("spec\tobject\nspec.empty\tobject\n").root;
        assert.deepEqual(validateFields(root, { spec: { empty: { x: 1 } } }), ["spec.empty.x: unknown field"]);
    });
});
