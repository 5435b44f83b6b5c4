/**
 * Azure resources use stable API versions, adopted from Pulumi's compliance-ready
 * Azure rules (disallow preview resources). azure-native names an explicitly
 * versioned resource `azure-native:<module>/v<date>[preview]:<Type>`; preview API
 * versions change or disappear without the stable versions' deprecation period.
 */
import { ADVISORY_IN_DEV, resourceRule } from "../lib/guardrail";
import { label } from "../lib/values";

export function isPreviewApiType(type: string): boolean {
    const [provider, module] = type.split(":");
    return provider === "azure-native" && /\/v\d{8}[a-z0-9]*preview$/i.test(module ?? "");
}

export const azureStableApiVersions = resourceRule({
    name: "azure-stable-api-versions",
    description: "Azure resources use stable (non-preview) API versions.",
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Import the resource from its module's default (stable) version, e.g. @pulumi/azure-native/containerservice, not a …preview version.",
    validateResource: (args, report) => {
        if (!args.type.startsWith("azure-native:")) args.notApplicable("applies to azure-native resources");
        if (isPreviewApiType(args.type)) report(`${label(args)} uses the preview API version ${args.type.split(":")[1].split("/")[1]}.`);
    },
});

export const azureApiVersionRules = [azureStableApiVersions];
