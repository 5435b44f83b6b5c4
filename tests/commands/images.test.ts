import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { allowedRegistries } from "../../components/security/registries";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { buildInventory, imageProblems, renderInventory, valuesImages } from "../../commands/offline/image-inventory";
import { parseImagesArgs, writeReleaseValues } from "../../commands/images";
import { stackAllowedRegistries } from "../../commands/offline/stack-registries";
import { stackEvaluation } from "../support/stacks";

const ALLOWED = allowedRegistries(["registry.fin.example.com"]);

/** Every string under a key named `image`, anywhere in any recorded object: an independent second reading of the plan. */
function imagesAnywhere(ev: Evaluation): Set<string> {
    const found = new Set<string>();
    const walk = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (!node || typeof node !== "object") return;
        for (const [key, value] of Object.entries(node)) {
            if (key === "image" && typeof value === "string") found.add(value);
            else walk(value);
        }
    };
    ev.resources.forEach((r) => walk(r.inputs));
    return found;
}

function resource(type: string, name: string, inputs: Record<string, any>): RecordedResource {
    return { urn: `urn:${name}`, type, name, custom: true, inputs, parent: "", dependencies: [], provider: "urn:pulumi:s::p::pulumi:providers:kubernetes::pair-aws-k8s::id", protect: false, retainOnDelete: false, ignoreChanges: [], aliases: [], secretInputs: [], id: "", outputs: {} };
}

describe("image inventory (npm run images)", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: lists exactly the images the plan's objects name, plus Elasticsearch/Kibana by version and the debug image`, async () => {
            const ev = await stackEvaluation(stack);
            const inventory = buildInventory(ev, stack, ALLOWED);
            const listed = new Set(inventory.images.map((i) => i.image));
            const fromObjects = imagesAnywhere(ev);
            assert.deepEqual([...fromObjects].filter((i) => !listed.has(i)), [], "every image in the objects is listed");
            const extra = [...listed].filter((i) => !fromObjects.has(i)).sort();
            const versions = ev.resources.filter((r) => /k8s\.elastic\.co/.test(r.type)).map((r) => r.inputs.spec.version);
            const postgres = ev.ofType("kubernetes:postgresql.cnpg.io/v1:Cluster").map((r) => r.inputs.spec.imageName);
            assert.ok(postgres.length > 0, "the data tier's PostgreSQL image");
            assert.deepEqual(extra, [...new Set([`docker.elastic.co/elasticsearch/elasticsearch:${versions[0]}`, `docker.elastic.co/kibana/kibana:${versions[0]}`, "busybox:1.37.0", ...postgres])].sort());
            // Named where a reviewer looks for them: the app and its sidecars, Velero's plugins, the retention Job.
            for (const image of ["registry.fin.example.com/financial-app:1.4.2", "envoyproxy/envoy:v1.34.1", "velero/velero-plugin-for-aws:v1.14.2", "docker.io/curlimages/curl:8.22.0"]) assert.ok(listed.has(image), image);
            const app = inventory.images.find((i) => i.image === "registry.fin.example.com/financial-app:1.4.2")!;
            assert.deepEqual([...new Set(app.usedBy.map((u) => u.cluster))].sort(), ["aws", "azure"]);
            assert.ok(app.usedBy.some((u) => u.where === "initContainers[db-migrate]") && app.usedBy.some((u) => u.resource.startsWith("kubernetes:batch/v1:CronJob")));
        });

        it(`${stack}: every image is pinned, none is latest, all come from the registries the stack allows`, async () => {
            const allowed = stackAllowedRegistries(stack);
            assert.deepEqual(allowed, ALLOWED, "the platform's sources plus Pulumi.<stack>.yaml's security.allowedRegistries");
            const inventory = buildInventory(await stackEvaluation(stack), stack, allowed);
            assert.deepEqual(inventory.images.filter((i) => i.problems.length).map((i) => `${i.image}: ${i.problems}`), []);
            assert.ok(inventory.images.every((i) => !/:latest$/.test(i.canonical)));
        });

        it(`${stack}: lists every Helm release of the plan with its chart, version, repository, namespace and values`, async () => {
            const ev = await stackEvaluation(stack);
            const inventory = buildInventory(ev, stack, ALLOWED);
            const plan = ev.ofType("kubernetes:helm.sh/v3:Release").map((r) => `${r.name} ${r.inputs.chart}@${r.inputs.version} ${r.inputs.repositoryOpts.repo} ${r.inputs.namespace}`).sort();
            assert.deepEqual(inventory.releases.map((r) => `${r.resource} ${r.chart}@${r.version} ${r.repository} ${r.namespace}`).sort(), plan);
            for (const r of inventory.releases) assert.deepEqual(r.values, ev.named("kubernetes:helm.sh/v3:Release", r.resource).inputs.values);
            assert.ok(inventory.releases.every((r) => r.kubernetesVersion === "1.33"));
        });
    }

    it("refuses latest and untagged images in prod, untagged ones everywhere, and foreign registries", () => {
        assert.deepEqual(imageProblems("busybox:latest", "prod", ALLOWED), ['uses the mutable "latest" tag']);
        assert.deepEqual(imageProblems("busybox:latest", "dev", ALLOWED), []);
        assert.deepEqual(imageProblems("busybox", "dev", ALLOWED), ["has no tag or digest (it would mean latest)"]);
        assert.deepEqual(imageProblems(`busybox@sha256:${"a".repeat(64)}`, "prod", ALLOWED), []);
        assert.deepEqual(imageProblems("nginx:1.27", "prod", ALLOWED), ["is not from an allowed registry"]);
        const ev = new Evaluation([
            resource("kubernetes:apps/v1:Deployment", "web", { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:latest" }] } } } }),
            resource("kubernetes:postgresql.cnpg.io/v1:Cluster", "db", { spec: { imageName: "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie" } }),
        ], { environment: "prod" }, []);
        const inventory = buildInventory(ev, "prod", ALLOWED);
        assert.deepEqual(inventory.images.map((i) => [i.canonical, i.problems]), [
            ["docker.io/library/nginx:latest", ['uses the mutable "latest" tag', "is not from an allowed registry"]],
            ["ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie", []],
        ]);
        assert.match(renderInventory(inventory), /✗ docker\.io\/library\/nginx:latest .*← uses the mutable "latest" tag; is not from an allowed registry/);
    });

    it("reads images from Helm values as strings or {registry, repository, tag} maps", () => {
        assert.deepEqual(valuesImages({ initContainers: [{ image: "velero/velero-plugin-for-aws:v1.14.2" }], server: { image: { registry: "docker.io", repository: "hashicorp/vault", tag: "2.0.4" } }, other: { image: { repository: "x" } } }), [
            { image: "velero/velero-plugin-for-aws:v1.14.2", where: "values.initContainers[0].image" },
            { image: "docker.io/hashicorp/vault:2.0.4", where: "values.server.image" },
        ]);
    });

    it("writes each release's values and an index for CI's helm template", async () => {
        const inventory = buildInventory(await stackEvaluation("prod"), "prod", ALLOWED);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "images-"));
        writeReleaseValues(inventory, dir);
        const index = JSON.parse(fs.readFileSync(path.join(dir, "releases.json"), "utf8"));
        assert.equal(index.length, inventory.releases.length);
        const falco = index.find((r: any) => r.resource === "pair-azure-platform-falco");
        assert.deepEqual({ ...falco, valuesFile: undefined }, { cluster: "azure", resource: "pair-azure-platform-falco", release: "falco", namespace: "falco", chart: "falco", version: "9.1.0", repository: "https://falcosecurity.github.io/charts", kubernetesVersion: "1.33", valuesFile: undefined });
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, falco.valuesFile), "utf8")), inventory.releases.find((r) => r.resource === "pair-azure-platform-falco")!.values);
        fs.rmSync(dir, { recursive: true });
    });

    it("--set overrides reach the allowed registries the inventory judges by", () => {
        const overridden = stackAllowedRegistries("prod", ['security.allowedRegistries=["registry.fin.example.com","ghcr.io/finplat"]']);
        assert.deepEqual(overridden, allowedRegistries(["registry.fin.example.com", "ghcr.io/finplat"]));
    });

    it("usage: --stack is required, unknown flags are refused", () => {
        assert.deepEqual(parseImagesArgs(["--stack", "prod", "--json", "x.json", "--values-dir", "v", "--set", "a=b"]), { stack: "prod", overrides: ["a=b"], json: "x.json", valuesDir: "v" });
        assert.throws(() => parseImagesArgs(["--json", "x"]), /--stack is required/);
        assert.throws(() => parseImagesArgs(["--stack", "prod", "--yaml", "x"]), /unknown option --yaml/);
    });
});
