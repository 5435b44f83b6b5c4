/**
 * Every rule of the pack, in one list: index.ts serves it, the tests run it.
 * (index.ts starts a gRPC server when loaded, so tests import this file.)
 */
import { Guardrail, packConfig, Environment } from "./lib/guardrail";
import { aksRules } from "./rules/aks";
import { azureApiVersionRules } from "./rules/azure-api-versions";
import { azureStorageRules } from "./rules/azure-storage";
import { containerRules } from "./rules/containers";
import { eksRules } from "./rules/eks";
import { environmentRules } from "./rules/environment-guard";
import { failoverRules } from "./rules/failover";
import { iamRules } from "./rules/iam";
import { imageRules } from "./rules/images";
import { ingressTlsRules } from "./rules/ingress-tls";
import { keyRotationRules } from "./rules/key-rotation";
import { kubernetesObjectRules } from "./rules/kubernetes-objects";
import { launchTemplateRules } from "./rules/launch-templates";
import { protectionRules } from "./rules/protection";
import { s3Rules } from "./rules/s3-buckets";
import { securityLayerRules } from "./rules/security-layers";

export const PACK_NAME = "finplat-guardrails";

export const policies: Guardrail[] = [
    ...imageRules,
    ...containerRules,
    ...kubernetesObjectRules,
    ...eksRules,
    ...launchTemplateRules,
    ...aksRules,
    ...azureApiVersionRules,
    ...s3Rules,
    ...azureStorageRules,
    ...keyRotationRules,
    ...protectionRules,
    ...failoverRules,
    ...iamRules,
    ...securityLayerRules,
    ...ingressTlsRules,
    ...environmentRules,
];

/** Values the pack config takes from the stack's own config (commands/policy-config.ts reads them). */
export interface StackDerivedConfig {
    /** The stack's allowed registry patterns (platform sources + security.allowedRegistries). */
    allowedRegistries: string[];
}

/** What policy/config.<env>.json must contain (a test compares them; commands/policy-config.ts writes them). */
export function expectedPackConfig(environment: Environment, fromStack: StackDerivedConfig): Record<string, Record<string, unknown>> {
    const config: Record<string, Record<string, unknown>> = packConfig(policies, environment);
    config["images-allowed-registries"] = { ...config["images-allowed-registries"], allowedRegistries: fromStack.allowedRegistries };
    return config;
}
