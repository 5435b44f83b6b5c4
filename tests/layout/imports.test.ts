import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

/**
 * The layers import one way: components ← stacks/config ← stacks ← index.ts;
 * commands use stacks, components and the policy pack (its workload list, its config);
 * only tests and dev tools import commands. A violation would, for example, let config
 * validation depend on the stack it validates for, or make a component need this
 * repo's stack code to be imported.
 *
 * The policy pack imports the pack and, from components, only modules that import
 * nothing (the image reference parser): ts-node type-checks every file the pack loads
 * with policy/tsconfig.json, and the pack must not load the program or the Pulumi SDK.
 */
const ROOT = path.resolve(__dirname, "..", "..");

/** What each layer may import, by the top folder (or stacks/config) of the importing file. */
const ALLOWED: Record<string, string[]> = {
    components: ["components"],
    "stacks/config": ["components", "stacks/config"],
    stacks: ["components", "stacks/config", "stacks"],
    "index.ts": ["stacks/config", "stacks"],
    commands: ["components", "stacks/config", "stacks", "commands", "policy"],
    policy: ["policy", "components"],
};

function layerOf(relative: string): string {
    if (relative.startsWith("stacks/config/")) return "stacks/config";
    return relative.includes("/") ? relative.split("/")[0] : relative;
}

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.posix.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(relative);
        return relative.endsWith(".ts") ? [relative] : [];
    });
}

/** Relative import specifiers of a file (static imports, re-exports and dynamic imports). */
function relativeImports(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const specifiers = [...text.matchAll(/(?:from\s+|import\s+|import\(\s*|require\(\s*)"(\.[^"]+)"/g)].map((m) => m[1]);
    return specifiers.map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)));
}

function resolves(target: string): boolean {
    return [".ts", ".js", ".json", "/index.ts"].some((ext) => fs.existsSync(path.join(ROOT, target + ext))) || fs.existsSync(path.join(ROOT, target));
}

describe("repository layout", () => {
    const files = ["index.ts", ...Object.keys(ALLOWED).filter((l) => l !== "index.ts" && l !== "stacks/config").flatMap(sourceFiles)];

    it("every relative import resolves to a file", () => {
        const broken = files.flatMap((file) => relativeImports(file).filter((target) => !resolves(target)).map((target) => `${file} → ${target}`));
        assert.deepEqual(broken, []);
    });

    it("imports point one way: components ← stacks/config ← stacks ← index.ts, commands above them", () => {
        const violations = files.flatMap((file) => {
            const allowed = ALLOWED[layerOf(file)];
            return relativeImports(file)
                .filter((target) => !allowed.includes(layerOf(target)))
                .map((target) => `${file} (${layerOf(file)}) imports ${target} (${layerOf(target)})`);
        });
        assert.deepEqual(violations, []);
    });

    it("the policy pack imports from components only modules that import nothing themselves", () => {
        const fromPack = files.filter((file) => layerOf(file) === "policy").flatMap((file) => relativeImports(file).filter((target) => layerOf(target) === "components"));
        assert.ok(fromPack.length > 0, "the pack shares the image reference parser");
        const impure = [...new Set(fromPack)].filter((target) => /^\s*import\s|require\(/m.test(fs.readFileSync(path.join(ROOT, `${target}.ts`), "utf8")));
        assert.deepEqual(impure, []);
    });

    it("the program imports AWS module by module (components/aws/sdk.ts), never the @pulumi/aws index that loads ~300 modules", () => {
        const program = ["index.ts", ...sourceFiles("components"), ...sourceFiles("stacks")];
        const offenders = program.filter((file) => /(?:from\s+|require\(\s*)"@pulumi\/aws"/.test(fs.readFileSync(path.join(ROOT, file), "utf8")));
        assert.deepEqual(offenders, []);
    });

    it("Pulumi.yaml, package.json and mocha load the program through runtime/ and run commands from commands/", () => {
        const pulumiYaml = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        assert.match(pulumiYaml, /nodeargs: "--require \.\/runtime\/ts-transpile\.js"/);
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
        // The commands a user runs (plan, images, the drill, regenerating the pack config after a registry change) live in commands/.
        assert.equal(scripts.plan, "node -r ./runtime/ts-transpile.js commands/plan.ts");
        assert.equal(scripts.images, "node -r ./runtime/ts-transpile.js commands/images.ts");
        assert.equal(scripts["policy-config"], "node -r ./runtime/ts-transpile.js commands/policy-config.ts");
        assert.equal(scripts.drill, "node -r ./runtime/ts-transpile.js commands/drill/cli.ts");
        assert.match(scripts.bench, /^node -r \.\/runtime\/ts-transpile\.js tools\/bench\.ts/);
        for (const script of [scripts.plan, scripts.images, scripts["policy-config"], scripts.drill, scripts.bench]) {
            const file = script.split(" ").find((word) => word.endsWith(".ts"))!;
            assert.ok(fs.existsSync(path.join(ROOT, file)), `${file} exists`);
        }
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(ROOT, ".mocharc.json"), "utf8")).require, ["./runtime/ts-transpile.js"]);
    });
});
