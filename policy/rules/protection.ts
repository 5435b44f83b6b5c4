/**
 * Stateful resources are protected in prod (`protect: true`), so no preview
 * or up can delete or replace them without someone first unprotecting them.
 * Dev is meant to be torn down, so the rule does not apply there.
 */
import { ADVISORY_IN_DEV, environmentOf, forTypes, resourceRule } from "../lib/guardrail";
import { label } from "../lib/values";

/** Resources whose loss loses data, keys, names or a cluster's identity. */
export const STATEFUL_TYPES = [
    "aws:eks/cluster:Cluster",
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:route53/zone:Zone",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobContainer",
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Key",
    "azure-native:dns:Zone",
    "azure-native:resources:ResourceGroup",
    // A CloudNativePG Cluster owns its volumes: deleting it deletes the database.
    "kubernetes:postgresql.cnpg.io/v1:Cluster",
];

export const statefulResourcesProtected = resourceRule({
    name: "stateful-resources-protected",
    description: `In prod, stateful resources (${STATEFUL_TYPES.map((t) => t.split(":").pop()).join(", ")}) have protect: true.`,
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Create the resource with { protect: true } (the components do this when config.protectStateful is set).",
    validateResource: forTypes(STATEFUL_TYPES, (args, report) => {
        if (environmentOf(args) !== "prod") args.notApplicable("only prod resources must be protected");
        if (args.opts.protect !== true) report(`${label(args)} is not protected; a replace or delete would destroy it.`);
    }),
});

export const protectionRules = [statefulResourcesProtected];
