/** Encryption keys rotate: AWS KMS automatic rotation, Azure Key Vault rotation policies. */
import { MANDATORY, forTypes, resourceRule } from "../lib/guardrail";
import { Props, known, knownArray, label } from "../lib/values";

export const kmsKeyRotation = resourceRule({
    name: "kms-key-rotation",
    description: "Symmetric AWS KMS keys have automatic rotation on (enableKeyRotation true).",
    levels: MANDATORY,
    remediationSteps: "Set enableKeyRotation: true (optionally rotationPeriodInDays).",
    validateResource: forTypes(["aws:kms/key:Key"], (args, report) => {
        const spec = known(() => args.props.customerMasterKeySpec ?? args.props.keySpec) ?? "SYMMETRIC_DEFAULT";
        const usage = known(() => args.props.keyUsage) ?? "ENCRYPT_DECRYPT";
        // KMS can only rotate symmetric encryption keys with KMS-generated material.
        if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") args.notApplicable(`KMS cannot rotate ${spec}/${usage} keys`);
        if (known(() => args.props.customKeyStoreId)) args.notApplicable("KMS cannot rotate keys in a custom key store");
        if (known(() => args.props.enableKeyRotation) !== true) report(`${label(args)}: enableKeyRotation is not true.`);
    }),
});

export const keyVaultKeyRotation = resourceRule({
    name: "keyvault-key-rotation",
    description: "Azure Key Vault keys have a rotation policy with a rotate action (properties.rotationPolicy).",
    levels: MANDATORY,
    remediationSteps:
        "Set properties.rotationPolicy: { attributes: { expiryTime: \"P2Y\" }, lifetimeActions: [{ action: { type: \"rotate\" }, trigger: { timeAfterCreate: \"P1Y\" } }] }.",
    validateResource: forTypes(["azure-native:keyvault:Key"], (args, report) => {
        const policy = known(() => args.props.properties?.rotationPolicy);
        if (!policy) {
            report(`${label(args)}: no properties.rotationPolicy; the key never rotates.`);
            return;
        }
        const rotates = knownArray<Props>(() => policy.lifetimeActions).some(
            (a) => String(known(() => a.action?.type) ?? "").toLowerCase() === "rotate",
        );
        if (!rotates) report(`${label(args)}: rotationPolicy has no lifetime action of type "rotate".`);
    }),
});

export const keyRotationRules = [kmsKeyRotation, keyVaultKeyRotation];
