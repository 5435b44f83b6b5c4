/**
 * The pinned reference data (tests/iam-data/) is what its tool derives from the published sources,
 * and agrees with AWS's action catalogue.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { AWS_MANAGED_FILE, AZURE_ROLES_FILE, parseAwsManagedPolicy, parseAzureRoles } from "../../tools/iam-reference-data";
import { expandAction } from "../support/iam/aws-catalogue";
import { asList, normalizeDocument } from "../support/iam/aws-model";

const DOCS_PAGE = [
    "## Storage Blob Data Reader",
    "",
    "Read and list Azure Storage containers and blobs.",
    "",
    "```json",
    JSON.stringify({
        assignableScopes: ["/"],
        id: "/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        name: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        permissions: [{ actions: ["Microsoft.Storage/storageAccounts/blobServices/containers/read"], notActions: [], dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"], notDataActions: [] }],
        roleName: "Storage Blob Data Reader",
        roleType: "BuiltInRole",
    }, null, 2),
    "```",
].join("\n");

describe("IAM reference data", () => {
    it("reads Azure role definitions from a docs page (its json blocks) and from az role definition list", () => {
        const fromDocs = parseAzureRoles(DOCS_PAGE);
        assert.deepEqual(fromDocs, [{
            id: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
            roleName: "Storage Blob Data Reader",
            actions: ["Microsoft.Storage/storageAccounts/blobServices/containers/read"],
            notActions: [],
            dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
            notDataActions: [],
        }]);
        const fromCli = parseAzureRoles(JSON.stringify([JSON.parse(DOCS_PAGE.split("```json\n")[1].split("\n```")[0])]));
        assert.deepEqual(fromCli, fromDocs);
    });

    it("reads an AWS-managed policy from aws iam get-policy-version output", () => {
        const output = JSON.stringify({ PolicyVersion: { Document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:DescribeVolumes", Resource: "*" }] }, VersionId: "v3", IsDefaultVersion: true } });
        assert.deepEqual(parseAwsManagedPolicy(output, "AmazonEBSCSIDriverPolicy", "service-role/"), {
            arn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
            versionId: "v3",
            document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:DescribeVolumes", Resource: "*" }] },
        });
        assert.throws(() => parseAwsManagedPolicy("{}", "x"), /not the output of aws iam get-policy-version/);
    });

    it("pins each Azure role once, with a GUID id and its permissions", () => {
        const roles = JSON.parse(fs.readFileSync(AZURE_ROLES_FILE, "utf8")).roles;
        assert.equal(new Set(roles.map((r: any) => r.id)).size, roles.length);
        for (const role of roles) {
            assert.match(role.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
            assert.ok(role.actions.length + role.dataActions.length > 0, role.roleName);
        }
    });

    it("pins AWS-managed policies whose every action is in AWS's catalogue (a stale pin would not be)", async () => {
        const policies = JSON.parse(fs.readFileSync(AWS_MANAGED_FILE, "utf8")).policies;
        const unknown: string[] = [];
        for (const policy of policies) {
            for (const statement of normalizeDocument(policy.document).Statement) {
                for (const action of asList(statement.Action)) if ((await expandAction(action)).length === 0) unknown.push(`${policy.arn}: ${action}`);
            }
        }
        assert.deepEqual(unknown, []);
    });
});
