/**
 * Writes policy/config.<env>.json for each environment: every rule's level (from the
 * rules' code) and the values the pack takes from the stack config of the same name
 * (Pulumi.<env>.yaml): the allowed registries. The stack config stays the single
 * source of truth; tests/policy/pack.test.ts fails when the files drift.
 *
 *   npm run policy-config
 */
import * as fs from "fs";
import * as path from "path";
import { runIfMain } from "./command-line";
import { stackAllowedRegistries } from "./offline/stack-registries";
import { ENVIRONMENTS, Environment } from "../policy/lib/guardrail";
import { StackDerivedConfig, expectedPackConfig } from "../policy/policies";

export const POLICY_DIR = path.resolve(__dirname, "..", "policy");

/** policy/config.<env>.json: what `--policy-pack-config` loads. */
export function packConfigFile(environment: Environment): string {
    return path.join(POLICY_DIR, `config.${environment}.json`);
}

/** What the pack config takes from Pulumi.<environment>.yaml. */
export function stackDerivedConfig(environment: Environment): StackDerivedConfig {
    return { allowedRegistries: stackAllowedRegistries(environment) };
}

export function packConfigText(environment: Environment): string {
    return `${JSON.stringify(expectedPackConfig(environment, stackDerivedConfig(environment)), null, 2)}\n`;
}

/** Writes both environments' files; run it after changing security.allowedRegistries. */
function main(): void {
    for (const environment of ENVIRONMENTS) {
        const file = packConfigFile(environment);
        fs.writeFileSync(file, packConfigText(environment));
        console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
}

runIfMain(module, main);
