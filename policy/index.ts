// CrossGuard entry point: `pulumi preview --policy-pack policy --policy-pack-config policy/config.<env>.json`.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
    policies,
    // Each rule sets its own level (its prod level); policy/config.<env>.json sets the per-environment ones.
    enforcementLevel: "mandatory",
    description: "Guardrails for the DR platform: images, containers, EKS, AKS, backup storage, key rotation, protection, failover, ingress TLS, identities.",
});
