/**
 * The pack config must match the stack: the environment tag every cloud
 * resource carries (stacks/config: resourceTags.environment) must equal the
 * `environment` of policy/config.<env>.json. This catches a prod preview run
 * with the dev config (every prod rule silently advisory) or with none.
 */
import { MANDATORY, environmentOf, stackRule } from "../lib/guardrail";
import { known, label } from "../lib/values";

export const environmentMatchesStack = stackRule({
    name: "policy-environment-matches-stack",
    description: "The pack's configured environment equals the environment tag of the stack's resources.",
    levels: MANDATORY,
    remediationSteps: "Run with --policy-pack-config policy/config.<environment>.json for the stack being previewed.",
    validateStack: (args, reportViolation) => {
        const configured = environmentOf(args);
        const tagged = args.resources
            // tags as declared; tagsAll (AWS outputs) adds the provider's defaultTags.
            .map((r) => ({ r, env: known(() => r.props.tags?.environment) ?? known(() => r.props.tagsAll?.environment) }))
            .filter((x): x is { r: (typeof args.resources)[number]; env: string } => typeof x.env === "string");
        if (tagged.length === 0) args.notApplicable("no resource carries an environment tag");
        const mismatched = tagged.filter((x) => x.env !== configured);
        if (mismatched.length > 0) {
            const envs = [...new Set(mismatched.map((x) => x.env))].join(", ");
            const examples = mismatched.slice(0, 3).map((x) => label(x.r)).join(", ");
            reportViolation(
                `The policy pack runs with environment "${configured}", but ${mismatched.length} resource(s) are tagged environment=${envs} ` +
                    `(e.g. ${examples}). Pass --policy-pack-config policy/config.${mismatched[0].env}.json.`,
            );
        }
    },
});

export const environmentRules = [environmentMatchesStack];
