/**
 * Every rule of the pack, in one list: index.ts serves it, the tests run it.
 * (index.ts starts a gRPC server when loaded, so tests import this file.)
 */
import { Guardrail, packConfig, Environment } from "./lib/guardrail";
import { aksRules } from "./rules/aks";
import { azureStorageRules } from "./rules/azure-storage";
import { containerRules } from "./rules/containers";
import { eksRules } from "./rules/eks";
import { environmentRules } from "./rules/environment-guard";
import { failoverRules } from "./rules/failover";
import { iamRules } from "./rules/iam";
import { imageRules } from "./rules/images";
import { ingressTlsRules } from "./rules/ingress-tls";
import { keyRotationRules } from "./rules/key-rotation";
import { protectionRules } from "./rules/protection";
import { s3Rules } from "./rules/s3-buckets";

export const PACK_NAME = "finplat-guardrails";

export const policies: Guardrail[] = [
    ...imageRules,
    ...containerRules,
    ...eksRules,
    ...aksRules,
    ...s3Rules,
    ...azureStorageRules,
    ...keyRotationRules,
    ...protectionRules,
    ...failoverRules,
    ...iamRules,
    ...ingressTlsRules,
    ...environmentRules,
];

/** What policy/config.<env>.json must contain (a test compares them). */
export function expectedPackConfig(environment: Environment) {
    return packConfig(policies, environment);
}
