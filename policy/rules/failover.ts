/**
 * DNS failover: Route 53 answers with the PRIMARY record only while its health
 * check passes. A failover record without a health check never fails over
 * (PRIMARY) or is served blind (SECONDARY).
 */
import { MANDATORY, forTypes, resourceRule } from "../lib/guardrail";
import { isSet, label } from "../lib/values";

export const failoverRecordHealthCheck = resourceRule({
    name: "route53-failover-health-check",
    description: "Every Route 53 record with a failover routing policy has a healthCheckId.",
    levels: MANDATORY,
    remediationSteps: "Create an aws.route53.HealthCheck for the endpoint and set healthCheckId on the record.",
    validateResource: forTypes(["aws:route53/record:Record"], (args, report) => {
        if (!isSet(() => args.props.failoverRoutingPolicies)) args.notApplicable("not a failover record");
        if (!isSet(() => args.props.healthCheckId)) report(`${label(args)}: failover record without a healthCheckId.`);
    }),
});

export const failoverRules = [failoverRecordHealthCheck];
