/**
 * Each cloud-neutral permission gets, on Azure, a built-in role suited to it: one that allows
 * every operation the workload performs, and such that no other pinned built-in role does so with
 * less. The operations are the ones each tool calls, from its source or documentation.
 */
import { strict as assert } from "assert";
import { BUILT_IN_ROLES, azureGrants } from "../../components/azure/role-assignments";
import { CloudPermission } from "../../components/cluster/contract";
import { permissionMatches, pinnedAzureRoles, privilegeOf, rolePermissions } from "../support/iam/azure-checks";

const DNS_RECORDS = (types: string[]) => [
    "Microsoft.Network/dnsZones/read",
    ...types.flatMap((t) => [`Microsoft.Network/dnsZones/${t}/read`, `Microsoft.Network/dnsZones/${t}/write`, `Microsoft.Network/dnsZones/${t}/delete`]),
];
const BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers";

/** What each workload does with its grant; `readOnly` ones must not be able to change anything. */
const NEEDS: Record<Exclude<CloudPermission["kind"], "node-autoscaling" | "block-storage">, { operations: string[]; readOnly?: boolean; source: string }> = {
    "dns-zone-records": { operations: DNS_RECORDS(["A", "AAAA", "CNAME", "TXT"]), source: "ExternalDNS azure provider: lists and changes A, AAAA, CNAME and its TXT registry records" },
    "dns-challenge-records": { operations: DNS_RECORDS(["TXT"]), source: "cert-manager azuredns solver: creates and deletes the _acme-challenge TXT record sets" },
    "backup-store-write": { operations: [`${BLOBS}/read`, `${BLOBS}/blobs/read`, `${BLOBS}/blobs/write`, `${BLOBS}/blobs/delete`], source: "Velero Azure plugin and kopia: read, write and prune backup blobs" },
    "backup-store-read": { operations: [`${BLOBS}/read`, `${BLOBS}/blobs/read`], readOnly: true, source: "a peer's Velero restoring from a read-only location" },
    "archive-store-write": { operations: [`${BLOBS}/read`, `${BLOBS}/blobs/read`, `${BLOBS}/blobs/write`, `${BLOBS}/blobs/delete`], source: "Barman Cloud: upload WAL and base backups, delete them by retention" },
    "archive-store-read": { operations: [`${BLOBS}/read`, `${BLOBS}/blobs/read`], readOnly: true, source: "Barman Cloud restore and the replica's WAL replay from the peer's archive" },
    "vault-unseal": { operations: ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/wrap/action", "Microsoft.KeyVault/vaults/keys/unwrap/action"], source: "go-kms-wrapping azurekeyvault: GetKey, WrapKey, UnwrapKey" },
};

const SCOPE = { subscriptionId: "sub", dnsZoneId: "zone", backupContainerId: "container", archiveContainerId: "archive", unsealKeyId: "key" };

const covers = (permissions: string[], operation: string) => permissions.some((p) => permissionMatches(p, operation));
/** Every permission of `narrower` is also one of `wider`'s (wildcards included). */
const within = (narrower: string[], wider: string[]) => narrower.every((p) => covers(wider, p));

describe("Azure built-in roles for the cloud-neutral permissions", () => {
    it("maps every role the program names to a pinned built-in role definition", () => {
        for (const [name, id] of Object.entries(BUILT_IN_ROLES)) assert.ok(pinnedAzureRoles().has(id), `${name} (${id}) is pinned`);
    });

    for (const [kind, need] of Object.entries(NEEDS)) {
        it(`${kind}: a built-in role that allows what the workload does (${need.source}), and no pinned role does with less`, () => {
            const grants = azureGrants({ kind } as CloudPermission, SCOPE);
            assert.equal(grants.length, 1);
            const role = pinnedAzureRoles().get(BUILT_IN_ROLES[grants[0].role])!;
            const granted = [...role.actions, ...role.dataActions];
            assert.deepEqual(need.operations.filter((op) => !covers(granted, op)), [], `${role.roleName} lacks operations`);
            assert.equal(privilegeOf(role), undefined);
            const narrower = [...pinnedAzureRoles().values()].filter((other) =>
                other.id !== role.id
                && need.operations.every((op) => covers([...other.actions, ...other.dataActions], op))
                && within(rolePermissions(other), rolePermissions(role))
                && !within(rolePermissions(role), rolePermissions(other)));
            assert.deepEqual(narrower.map((r) => r.roleName), [], `${role.roleName} is wider than needed`);
            if (need.readOnly) {
                const writes = rolePermissions(role).filter((p) => !/\/read$/i.test(p) && !/generateUserDelegationKey\/action$/i.test(p));
                assert.deepEqual(writes, [], `${role.roleName} is read-only`);
            }
        });
    }
});
