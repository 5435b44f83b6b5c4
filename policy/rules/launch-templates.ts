/**
 * EKS node launch templates, adopted from Pulumi's compliance-ready AWS rules
 * (LaunchTemplate: disallow unencrypted block devices, disallow public IPs).
 */
import { MANDATORY, forTypes, resourceRule } from "../lib/guardrail";
import { Props, known, knownArray, label } from "../lib/values";

const truthy = (value: unknown) => value === true || value === "true";

export const launchTemplateHardened = resourceRule({
    name: "launch-template-hardened",
    description: "EC2 launch templates (the EKS node groups') encrypt every EBS block device and give no network interface a public IP.",
    levels: MANDATORY,
    remediationSteps: "Set blockDeviceMappings[].ebs.encrypted: true, and associatePublicIpAddress: false (or unset) on networkInterfaces.",
    validateResource: forTypes(["aws:ec2/launchTemplate:LaunchTemplate"], (args, report) => {
        for (const mapping of knownArray<Props>(() => args.props.blockDeviceMappings)) {
            const ebs = known(() => mapping.ebs as Props | undefined);
            if (ebs && !truthy(known(() => ebs.encrypted))) report(`${label(args)}: EBS device ${known(() => mapping.deviceName) ?? "?"} is not encrypted.`);
        }
        for (const nic of knownArray<Props>(() => args.props.networkInterfaces)) {
            if (truthy(known(() => nic.associatePublicIpAddress))) report(`${label(args)}: a network interface gets a public IP address.`);
        }
    }),
});

export const launchTemplateRules = [launchTemplateHardened];
