/** EKS control plane: Secrets envelope encryption, full audit trail, no API server open to the internet. */
import { ADVISORY_IN_DEV, MANDATORY, forTypes, resourceRule } from "../lib/guardrail";
import { firstOf, isSet, known, knownStrings, label } from "../lib/values";

const EKS_CLUSTER = "aws:eks/cluster:Cluster";

/** Every control-plane log type EKS offers. */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

export const eksSecretsEncryption = resourceRule({
    name: "eks-secrets-encryption",
    description: "EKS clusters encrypt Kubernetes Secrets with a KMS key (encryptionConfig with resources [\"secrets\"]).",
    levels: MANDATORY,
    remediationSteps: "Set encryptionConfig: { provider: { keyArn: <KMS key ARN> }, resources: [\"secrets\"] }.",
    validateResource: forTypes([EKS_CLUSTER], (args, report) => {
        // A single object in @pulumi/aws 7; a one-element list in older versions.
        const config = firstOf(known(() => args.props.encryptionConfig));
        if (!config) {
            report(`${label(args)}: no encryptionConfig, so Secrets are not envelope-encrypted with a KMS key.`);
            return;
        }
        const resources = knownStrings(() => config.resources);
        if (!resources.includes("secrets")) report(`${label(args)}: encryptionConfig.resources does not include "secrets".`);
        if (!isSet(() => config.provider?.keyArn)) report(`${label(args)}: encryptionConfig.provider.keyArn is not set.`);
    }),
});

export const eksControlPlaneLogging = resourceRule({
    name: "eks-control-plane-logging",
    description: `EKS clusters send all control-plane logs (${EKS_LOG_TYPES.join(", ")}) to CloudWatch.`,
    levels: ADVISORY_IN_DEV,
    remediationSteps: `Set enabledClusterLogTypes: ${JSON.stringify(EKS_LOG_TYPES)}.`,
    validateResource: forTypes([EKS_CLUSTER], (args, report) => {
        const enabled = knownStrings(() => args.props.enabledClusterLogTypes);
        const missing = EKS_LOG_TYPES.filter((t) => !enabled.includes(t));
        if (missing.length > 0) report(`${label(args)}: control-plane logs not enabled: ${missing.join(", ")}.`);
    }),
});

export const eksPublicEndpoint = resourceRule({
    name: "eks-public-endpoint-restricted",
    description: "An EKS API server with a public endpoint only admits listed CIDRs, never 0.0.0.0/0 (mandatory in prod).",
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Set vpcConfig.endpointPublicAccess: false, or list the allowed CIDRs in vpcConfig.publicAccessCidrs.",
    validateResource: forTypes([EKS_CLUSTER], (args, report) => {
        const vpc = firstOf(known(() => args.props.vpcConfig)) ?? {};
        // AWS defaults: a public endpoint, open to 0.0.0.0/0.
        const publicAccess = known(() => vpc.endpointPublicAccess) ?? true;
        if (publicAccess === false) return;
        const cidrsValue = known(() => vpc.publicAccessCidrs);
        if (cidrsValue === undefined && isSet(() => vpc.publicAccessCidrs)) return; // computed, unknown in preview
        const cidrs = knownStrings(() => vpc.publicAccessCidrs);
        if (cidrs.length === 0) {
            report(`${label(args)}: the public endpoint lists no publicAccessCidrs, so AWS opens it to 0.0.0.0/0.`);
        } else if (cidrs.some((c) => OPEN_CIDRS.includes(c))) {
            report(`${label(args)}: the public endpoint is open to ${cidrs.filter((c) => OPEN_CIDRS.includes(c)).join(", ")}.`);
        }
    }),
});

export const eksRules = [eksSecretsEncryption, eksControlPlaneLogging, eksPublicEndpoint];
