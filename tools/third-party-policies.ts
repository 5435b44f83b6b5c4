/**
 * Runs Pulumi's AWSGuard rule set (@pulumi/awsguard, the only third-party
 * CrossGuard pack on npm) offline over the dev and prod stacks, through the same
 * in-process policy runner as the pack's tests, and prints what each rule found.
 * README "Guardrails" says which rules we adopted and why.
 *
 *   node -r ./runtime/ts-transpile.js tools/third-party-policies.ts [--dir DIR]
 *
 * AWSGuard is not a dependency of this project: it pins @pulumi/aws 4 and the AWS
 * SDK v2. The tool installs it into DIR (default: a folder in the OS temp dir,
 * reused across runs) with npm. Pulumi's compliance-ready packs are not published
 * on the public npm registry, so they cannot be run here.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseFlags, runIfMain } from "../commands/command-line";
import { evaluateStack } from "../commands/offline/evaluate-stack";
import { Guardrail } from "../policy/lib/guardrail";
import { formatViolation, runPolicy } from "../tests/policy/run-policies";

export const AWSGUARD = "@pulumi/awsguard@0.3.1";

/** Area modules of AWSGuard 0.3.1; each exports its policies. */
const AREAS = ["apiGateway", "compute", "database", "elasticsearch", "network", "security", "storage"];

/** Rules that call AWS APIs (the AWS SDK, with credentials): they cannot run offline. */
const NEEDS_AWS_API = new Set(["acm-certificate-expiration", "access-keys-rotated", "mfa-enabled-for-iam-console-access"]);

function install(dir: string): string {
    const packageDir = path.join(dir, "node_modules", "@pulumi", "awsguard");
    if (!fs.existsSync(packageDir)) {
        console.error(`installing ${AWSGUARD} into ${dir}…`);
        fs.mkdirSync(dir, { recursive: true });
        const npm = spawnSync("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", AWSGUARD], { stdio: "inherit" });
        if (npm.status !== 0) throw new Error(`npm install ${AWSGUARD} failed`);
    }
    return packageDir;
}

/** Every policy object AWSGuard's area modules export. */
export function loadAwsGuardPolicies(packageDir: string): Guardrail[] {
    return AREAS.flatMap((area) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const exports = require(path.join(packageDir, `${area}.js`)) as Record<string, unknown>;
        return Object.values(exports).filter((p): p is Guardrail => typeof p === "object" && p !== null && "name" in p && ("validateResource" in p || "validateStack" in p));
    });
}

async function main(): Promise<void> {
    const { flags } = parseFlags(process.argv.slice(2), { "--dir": "value" });
    const dir = flags["--dir"] ? path.resolve(flags["--dir"]) : path.join(os.tmpdir(), "finplat-awsguard-0.3.1");
    const policies = loadAwsGuardPolicies(install(dir));
    console.log(`${AWSGUARD}: ${policies.length} rules`);
    for (const stack of ["dev", "prod"]) {
        const { resources } = await evaluateStack(stack, { placeholderSecrets: true });
        console.log(`\n== ${stack} (${resources.length} resources)`);
        for (const policy of policies) {
            if (NEEDS_AWS_API.has(policy.name)) {
                console.log(`  ${policy.name}: not run (calls AWS APIs)`);
                continue;
            }
            // Every AWSGuard rule is advisory by default; the level here is only a label.
            const { violations, applied } = await runPolicy({ ...policy, enforcementLevel: "advisory" } as Guardrail, resources);
            const relevant = "validateStack" in policy ? (violations.length ? "ran" : "ran, no findings") : `${applied} resources checked`;
            console.log(`  ${policy.name}: ${violations.length} finding(s) (${relevant})`);
            for (const v of violations) console.log(`    ${formatViolation(v)} ${v.urn ?? ""}`);
        }
    }
}

runIfMain(module, main);
