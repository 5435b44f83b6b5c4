import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluate } from "../../commands/offline/harness";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURE = path.join(__dirname, "fixture");

/**
 * Another team's stack imports the package by name, through package.json
 * "exports"/"types" and the built JS, from the tarball `npm pack` makes: what
 * `npm install` would unpack, so a file missing from "files" fails here.
 */
describe("importable components (public API)", function () {
    this.timeout(120000);
    let consumerDir: string;

    before(() => {
        consumerDir = fs.mkdtempSync(path.join(os.tmpdir(), "finplat-consumer-"));
        // `npm pack` runs the prepare script (the build) and packs exactly the published files.
        const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", consumerDir], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n").pop()!;
        const modules = path.join(consumerDir, "node_modules");
        const installed = path.join(modules, "@finplat", "dr-platform");
        fs.mkdirSync(installed, { recursive: true });
        execFileSync("tar", ["-xzf", path.join(consumerDir, tarball), "-C", installed, "--strip-components=1"]);
        // The package's own dependencies, as npm would install them next to it.
        fs.symlinkSync(path.join(ROOT, "node_modules", "@pulumi"), path.join(modules, "@pulumi"), "dir");
        fs.symlinkSync(path.join(ROOT, "node_modules", "@types"), path.join(modules, "@types"), "dir");
        for (const file of ["index.ts", "tsconfig.json"]) fs.copyFileSync(path.join(FIXTURE, file), path.join(consumerDir, file));
        fs.writeFileSync(path.join(consumerDir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    });

    after(() => fs.rmSync(consumerDir, { recursive: true, force: true }));

    it("type-checks a consumer that imports only from the package name", () => {
        const tsc = path.join(ROOT, "node_modules", ".bin", "tsc");
        execFileSync(tsc, ["-p", "tsconfig.json"], { cwd: consumerDir, stdio: "pipe" });
    });

    it("evaluates the consumer: its cluster gets the platform through the same contract", async () => {
        const entry = path.join(consumerDir, "index.ts");
        const ev = await evaluate({
            project: "consumer",
            stack: "test",
            config: {},
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- load the consumer as Node would
            program: () => require(entry),
        });
        const aks = ev.named("azure-native:containerservice:ManagedCluster", "consumer-aks");
        assert.equal(aks.inputs.resourceName, "consumer-aks");
        const releases = ev.ofType("kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart).sort();
        assert.deepEqual(releases, ["cert-manager", "external-dns", "ingress-nginx", "kube-prometheus-stack", "velero"], "only enabled add-ons; no cluster-autoscaler chart on AKS");
        const deployment = ev.named("kubernetes:apps/v1:Deployment", "consumer-app-stable");
        assert.equal(deployment.inputs.metadata.namespace, "payments");
        assert.match(deployment.provider, /consumer-k8s/);
        const platform = ev.named("finplat:platform:PlatformServices", "consumer-platform");
        for (const release of ev.ofType("kubernetes:helm.sh/v3:Release")) {
            assert.ok(ev.ancestorsOf(release).some((a) => a.urn === platform.urn), `${release.name} is under the consumer's platform`);
            assert.match(release.provider, /consumer-k8s/);
        }
    });
});
