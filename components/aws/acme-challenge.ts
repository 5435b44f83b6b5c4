import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "./permissions";

/** A DNS name as IAM's route53:ChangeResourceRecordSetsNormalizedRecordNames sees it: lower case, no trailing dot. */
export function normalizedRecordName(name: string): string {
    return name.replace(/\.$/, "").toLowerCase();
}

/** The TXT record an ACME DNS-01 challenge for `hostname` is answered in. */
export function challengeRecordName(hostname: string): string {
    return `_acme-challenge.${normalizedRecordName(hostname)}`;
}

/**
 * What cert-manager's Route53 solver needs when the issuer names the hosted zone (it then never
 * lists zones or records): change the challenge TXT records in that zone, and follow the change.
 *
 * `recordNames` are the normalized challenge names; a `*` in one matches any labels (StringLike).
 * ForAllValues: every record of the change batch must be one of them and of type TXT.
 */
export function acmeChallengeStatements(args: {
    partition: string;
    hostedZoneId: pulumi.Input<string>;
    recordNames: string[];
}): PolicyStatement[] {
    if (args.recordNames.length === 0) throw new Error("acmeChallengeStatements: name at least one challenge record");
    const names = { "route53:ChangeResourceRecordSetsNormalizedRecordNames": args.recordNames };
    const types = { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] };
    const condition: PolicyStatement["Condition"] = args.recordNames.some((n) => n.includes("*"))
        ? { "ForAllValues:StringLike": names, "ForAllValues:StringEquals": types }
        : { "ForAllValues:StringEquals": { ...names, ...types } };
    return [
        {
            Sid: "ChangeAcmeChallengeTxtOnly",
            Effect: "Allow",
            Action: ["route53:ChangeResourceRecordSets"],
            Resource: [pulumi.interpolate`arn:${args.partition}:route53:::hostedzone/${args.hostedZoneId}`],
            Condition: condition,
        },
        { Sid: "TrackChanges", Effect: "Allow", Action: ["route53:GetChange"], Resource: [`arn:${args.partition}:route53:::change/*`] },
    ];
}
