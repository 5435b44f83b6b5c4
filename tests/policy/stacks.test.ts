/**
 * The real dev and prod stacks, evaluated offline through index.ts, under the
 * whole pack with their own policy/config.<env>.json: no mandatory violation
 * (advisories are allowed and listed). Also as a preview, where ids and ARNs
 * are still unknown, so rules must not give up on what they can check.
 */
import { strict as assert } from "assert";
import { Environment } from "../../policy/lib/guardrail";
import { evaluateStack } from "../../tools/offline/evaluate-stack";
import { Evaluation } from "../../tools/offline/harness";
import { stackEvaluation } from "../support/stacks";
import { PackResult, formatViolation, runPack } from "./run-policies";

/** Rules that must find something to check in both stacks (a wrong type token would make them silently pass). */
const MUST_APPLY = [
    "eks-secrets-encryption",
    "eks-control-plane-logging",
    "eks-public-endpoint-restricted",
    "aks-zone-redundant-pools",
    "aks-network-policy",
    "aks-entra-id-rbac",
    "aks-local-accounts-disabled",
    "s3-bucket-hardened",
    "storage-account-hardened",
    "storage-blob-recovery",
    "kms-key-rotation",
    "keyvault-key-rotation",
    "policy-environment-matches-stack",
];

const STATEFUL_IN_STACK = 3 /* KMS keys */ + 1 /* EKS */ + 1 /* Route 53 zone */ + 1 /* S3 bucket */ + 1 /* RG */ + 1 /* AKS */ + 1 /* DNS zone */ + 1 /* storage account */ + 1 /* container */ + 1 /* vault */ + 1 /* key */;

function mandatory(result: PackResult): string[] {
    return result.violations.filter((v) => v.level === "mandatory").map(formatViolation);
}

describe("policy pack over the dev and prod stacks", function () {
    this.timeout(120_000);
    const results: Partial<Record<Environment, PackResult>> = {};
    const evaluations: Partial<Record<Environment, Evaluation>> = {};

    before(async () => {
        for (const env of ["dev", "prod"] as const) {
            evaluations[env] = await stackEvaluation(env);
            results[env] = await runPack(evaluations[env]!.resources, { config: env });
        }
    });

    for (const env of ["dev", "prod"] as const) {
        it(`${env}: zero mandatory violations`, () => {
            assert.deepEqual(mandatory(results[env]!), []);
        });

        it(`${env}: the cluster, storage and key rules found their resources`, () => {
            const idle = MUST_APPLY.filter((name) => !(results[env]!.applied[name] > 0));
            assert.deepEqual(idle, []);
        });
    }

    it("prod: every stateful resource was checked for protection", () => {
        assert.equal(results.prod!.applied["stateful-resources-protected"], STATEFUL_IN_STACK);
        assert.equal(results.dev!.applied["stateful-resources-protected"], 0, "dev is exempt");
    });

    it("dev: only the advisories dev accepts by design (public API servers, local AKS accounts)", () => {
        const advisories = results.dev!.violations.filter((v) => v.level === "advisory").map((v) => v.policy).sort();
        assert.deepEqual(advisories, ["aks-local-accounts-disabled", "eks-public-endpoint-restricted"]);
        assert.deepEqual(results.prod!.violations.map(formatViolation), [], "prod has no advisories either");
    });

    it("the wrong pack config for a stack is itself a mandatory violation", async () => {
        const result = await runPack(evaluations.prod!.resources, { config: "dev" });
        assert.deepEqual(mandatory(result).map((m) => m.split(":")[0]), ["[mandatory] policy-environment-matches-stack"]);
    });

    for (const env of ["dev", "prod"] as const) {
        it(`${env} preview (unknown ids): zero mandatory violations and no rule gives up`, async () => {
            const preview = await evaluateStack(env, { placeholderSecrets: true, preview: true });
            const result = await runPack(preview.resources, { config: env });
            assert.deepEqual(mandatory(result), []);
            const gaveUp = result.violations.filter((v) => v.message.startsWith("can't run")).map(formatViolation);
            assert.deepEqual(gaveUp, []);
            assert.deepEqual(MUST_APPLY.filter((name) => !(result.applied[name] > 0)), []);
        });
    }
});
