/**
 * Azure Storage accounts (backup storage): no public blob access, HTTPS and
 * TLS 1.2+ only, and recoverable blobs (versioning or soft delete). Azure
 * Storage always encrypts at rest; the account-level settings are what a
 * program can get wrong.
 */
import { PolicyResource } from "@pulumi/policy";
import { MANDATORY, forTypes, resourceRule, stackRule } from "../lib/guardrail";
import { Link, companionsByTarget } from "../lib/links";
import { known, label } from "../lib/values";

const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
const BLOB_SERVICE_PROPERTIES = "azure-native:storage:BlobServiceProperties";

const TLS_VERSIONS_ALLOWED = ["TLS1_2", "TLS1_3"];

export const storageAccountHardened = resourceRule({
    name: "storage-account-hardened",
    description: "Storage accounts set allowBlobPublicAccess false, enableHttpsTrafficOnly true and minimumTlsVersion TLS1_2 (or newer).",
    levels: MANDATORY,
    remediationSteps: "Set allowBlobPublicAccess: false, enableHttpsTrafficOnly: true, minimumTlsVersion: \"TLS1_2\".",
    validateResource: forTypes([STORAGE_ACCOUNT], (args, report) => {
        const problems: string[] = [];
        if (known(() => args.props.allowBlobPublicAccess) !== false) problems.push("allowBlobPublicAccess is not false");
        if (known(() => args.props.enableHttpsTrafficOnly) !== true) problems.push("enableHttpsTrafficOnly is not true");
        const tls = known(() => args.props.minimumTlsVersion);
        if (typeof tls !== "string" || !TLS_VERSIONS_ALLOWED.includes(tls)) problems.push(`minimumTlsVersion is ${JSON.stringify(tls ?? null)}, not TLS1_2`);
        if (problems.length > 0) report(`${label(args)}: ${problems.join("; ")}.`);
    }),
});

/** BlobServiceProperties reference the account by `accountName: account.name`. */
const BY_ACCOUNT: Link = { property: "accountName", targetKeys: ["name", "accountName"] };

function recoverable(props: PolicyResource): boolean {
    const versioning = known(() => props.props.isVersioningEnabled) === true;
    const softDelete = known(() => props.props.deleteRetentionPolicy?.enabled) === true;
    return versioning || softDelete;
}

export const storageBlobRecovery = stackRule({
    name: "storage-blob-recovery",
    description: "Every storage account has BlobServiceProperties with blob versioning or blob soft delete (deleteRetentionPolicy) enabled.",
    levels: MANDATORY,
    remediationSteps: "Create a BlobServiceProperties (blobServicesName \"default\") with isVersioningEnabled: true and/or deleteRetentionPolicy: { enabled: true, days: N }.",
    validateStack: (args, reportViolation) => {
        const accounts = args.resources.filter((r) => r.type === STORAGE_ACCOUNT);
        if (accounts.length === 0) args.notApplicable("no storage accounts in the stack");
        const services = companionsByTarget(args.resources, accounts, [BLOB_SERVICE_PROPERTIES], BY_ACCOUNT);
        for (const account of accounts) {
            const linked = services.get(account.urn)!;
            if (linked.length === 0) reportViolation(`${label(account)}: no BlobServiceProperties; deleted or overwritten blobs cannot be recovered.`, account.urn);
            else if (!linked.some(recoverable)) reportViolation(`${label(account)}: BlobServiceProperties enables neither versioning nor delete retention.`, account.urn);
        }
    },
});

export const azureStorageRules = [storageAccountHardened, storageBlobRecovery];
