/**
 * The pack as Pulumi runs it: policy/ started by @pulumi/pulumi's
 * run-policy-pack (ts-node, type-checked, working directory policy/, modules
 * from the root node_modules), then driven over gRPC like the engine does:
 * GetAnalyzerInfo, Configure with policy/config.<env>.json, Analyze.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ENVIRONMENTS } from "../../policy/lib/guardrail";
import { PACK_NAME, expectedPackConfig, policies } from "../../policy/policies";
import { loadPackConfig } from "./run-policies";
import { POLICY_DIR, stackDerivedConfig } from "../../commands/policy-config";

/* eslint-disable @typescript-eslint/no-require-imports */
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [pulumiDir] }));
const grpc = fromPulumi("@grpc/grpc-js");
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

/** A generated protobuf/gRPC object (google-protobuf ships no types here). */
type Rpc = any;

const LEVELS: Record<string, number> = analyzerProto.EnforcementLevel;
const levelName = (n: number) => Object.keys(LEVELS).find((k) => LEVELS[k] === n)!.toLowerCase();

function call<T>(client: Rpc, method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

describe("policy pack (as Pulumi runs it)", function () {
    this.timeout(90_000);
    let child: ChildProcess;
    let client: Rpc;
    let stderr = "";

    before(async () => {
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICY_DIR] });
        child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
        child.stderr!.on("data", (d) => (stderr += String(d)));
        const port = await new Promise<string>((resolve, reject) => {
            child.stdout!.once("data", (d) => resolve(String(d).trim()));
            child.once("exit", (code) => reject(new Error(`policy pack exited with ${code}:\n${stderr}`)));
        });
        assert.match(port, /^\d+$/, `expected a port on stdout, got ${port}\n${stderr}`);
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    it("serves every policy with its prod level and an environment config property", async () => {
        const info = await call<Rpc>(client, "getAnalyzerInfo", new Empty());
        assert.equal(info.getName(), PACK_NAME);
        const served = info.getPoliciesList().map((p: Rpc) => ({
            name: p.getName(),
            level: levelName(p.getEnforcementlevel()),
            description: p.getDescription(),
            config: p.getConfigschema()?.getProperties()?.toJavaScript() ?? {},
        }));
        assert.deepEqual(served.map((p: Rpc) => p.name), policies.map((p) => p.name));
        for (const p of served) {
            const policy = policies.find((x) => x.name === p.name)!;
            assert.equal(p.level, policy.levels.prod, p.name);
            assert.ok(p.description.length > 20, `${p.name} needs a description`);
            assert.deepEqual(p.config.environment.enum, ["dev", "prod"], p.name);
        }
    });

    for (const environment of ENVIRONMENTS) {
        it(`reports a latest image as ${environment === "dev" ? "advisory" : "mandatory"} with policy/config.${environment}.json`, async () => {
            const configure = new analyzerProto.ConfigureAnalyzerRequest();
            for (const [name, entry] of Object.entries(loadPackConfig(environment))) {
                const { enforcementLevel, ...props } = entry as Record<string, unknown>;
                const config = new analyzerProto.PolicyConfig();
                config.setEnforcementlevel(LEVELS[String(enforcementLevel).toUpperCase()]);
                config.setProperties(Struct.fromJavaScript(props));
                configure.getPolicyconfigMap().set(name, config);
            }
            await call(client, "configure", configure);

            const request = new analyzerProto.AnalyzeRequest();
            request.setType("kubernetes:apps/v1:Deployment");
            request.setName("ledger");
            request.setUrn("urn:pulumi:prod::dr-platform::kubernetes:apps/v1:Deployment::ledger");
            request.setProperties(Struct.fromJavaScript({
                spec: { template: { spec: { containers: [{ name: "app", image: "ghcr.io/finplat/ledger:latest", resources: { limits: { memory: "256Mi" } } }] } } },
            }));
            const options = new analyzerProto.AnalyzerResourceOptions();
            options.setProtect(false);
            request.setOptions(options);
            const response = await call<Rpc>(client, "analyze", request);
            const diagnostics = response.getDiagnosticsList().map((d: Rpc) => ({ policy: d.getPolicyname(), level: levelName(d.getEnforcementlevel()) }));
            const latest = diagnostics.filter((d: Rpc) => d.policy === "images-no-latest-tag");
            assert.deepEqual(latest, [{ policy: "images-no-latest-tag", level: environment === "dev" ? "advisory" : "mandatory" }]);
            const context = diagnostics.filter((d: Rpc) => d.policy === "container-security-context");
            assert.deepEqual(context.map((d: Rpc) => d.level), [environment === "dev" ? "advisory" : "mandatory"]);
        });
    }
});

describe("policy pack files", () => {
    for (const environment of ENVIRONMENTS) {
        it(`policy/config.${environment}.json lists every rule with its ${environment} level and Pulumi.${environment}.yaml's allowed registries (generated)`, () => {
            const expected = expectedPackConfig(environment, stackDerivedConfig(environment));
            assert.deepEqual(loadPackConfig(environment), expected, `regenerate policy/config.${environment}.json with: npm run policy-config`);
            assert.ok((expected["images-allowed-registries"].allowedRegistries as string[]).includes("registry.fin.example.com"), "the stack's own registry, from security.allowedRegistries");
        });
    }

    it("rule names are unique, and every rule has a description and a level per environment", () => {
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9-]+$/);
            assert.ok(p.description.length > 20, p.name);
            assert.deepEqual(Object.keys(p.levels).sort(), ["dev", "prod"], p.name);
            assert.equal(p.enforcementLevel, p.levels.prod, `${p.name}: the code default is the prod level`);
        }
    });

    it("PulumiPolicy.yaml names the nodejs runtime and the pack; package.json gives the version @pulumi/policy reads", () => {
        const manifest = yaml.load(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8")) as Record<string, unknown>;
        assert.equal(manifest.runtime, "nodejs");
        assert.equal(manifest.name, PACK_NAME);
        const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
        assert.match(pkg.version, /^\d+\.\d+\.\d+/);
        assert.equal(pkg.dependencies, undefined, "the pack resolves its modules from the root node_modules");
    });
});
