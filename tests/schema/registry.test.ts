import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseFieldList } from "../support/field-list";
import { BUILT_IN_TYPED_FIELDS, CRD_FIELDS_DIR, FIELD_LISTS, registeredFieldList } from "../support/k8s-schema";

describe("the field-list registry", () => {
    const files = fs.readdirSync(CRD_FIELDS_DIR).filter((f) => !f.startsWith("."));

    it("every file in tests/crd-fields is a parseable field list named <group>_<version>_<Kind>@<source>.txt", () => {
        for (const file of files) {
            assert.match(file, /^[a-z0-9.-]+_v[a-z0-9]+_[A-Z][A-Za-z0-9]*@[A-Za-z0-9._-]+\.txt$/, file);
            const { header, root } = parseFieldList(fs.readFileSync(path.join(CRD_FIELDS_DIR, file), "utf8"), file);
            const [group, version, kind] = file.replace(/@.*$/, "").split("_");
            assert.match(header[0] ?? "", new RegExp(`^${group}/${version}/${kind} from [^@ ]+@[^: ]+:\\S+$`), `${file} names its gvk, repo, tag and path`);
            assert.ok((root.properties?.size ?? 0) > 0, `${file} lists fields`);
        }
    });

    it("every file is registered under its own group/version/Kind, and every registered file exists", () => {
        const registered = Object.entries(FIELD_LISTS);
        assert.deepEqual(files.slice().sort(), registered.map(([, file]) => file).sort());
        for (const [key, file] of registered) assert.equal(file.replace(/@.*$/, "").split("_").join("/"), key, `${file} is registered as ${key}`);
    });

    it("every built-in typed field exists in its kind's field list", () => {
        for (const key of Object.keys(BUILT_IN_TYPED_FIELDS)) {
            assert.ok(FIELD_LISTS[key], `${key} has a field list`);
            assert.doesNotThrow(() => registeredFieldList(key));
        }
    });
});
