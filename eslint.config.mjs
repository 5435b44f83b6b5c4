// ESLint flat config: typescript-eslint's recommended rules and the Pulumi plugin's rules
// over the program, its components, commands, dev tools, tests and the policy pack. `npm run lint` = `eslint .`
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

const TYPESCRIPT = ["index.ts", "components/**/*.ts", "stacks/**/*.ts", "commands/**/*.ts", "tools/**/*.ts", "tests/**/*.ts", "policy/**/*.ts"];

export default defineConfig([
    { ignores: ["bin/**", "node_modules/**", "**/*.d.ts"] },
    {
        files: TYPESCRIPT,
        extends: [tseslint.configs.recommended],
        languageOptions: {
            parserOptions: {
                // The Pulumi rules need types (is this template expression an Output?). The project
                // service finds each file's tsconfig: the root one, or policy/tsconfig.json for the pack.
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        // @pulumi/eslint-plugin 0.3.1 exports only `rules` (no `configs`), so its
        // "recommended" set is spelled out here: both of its rules, as errors.
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
        },
    },
    {
        // Recorded resource inputs are untyped JSON from the engine; tests and the offline
        // harness index into them freely. Production code keeps the rule.
        files: ["tests/**/*.ts", "commands/offline/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
]);
