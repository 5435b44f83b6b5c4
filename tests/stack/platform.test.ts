import { strict as assert } from "assert";
import { CHARTS } from "../../components/addons/charts";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { pinnedChartOf } from "../support/addon-testing";
import { unknownValueKeys } from "../support/chart-keys";
import { stackEvaluation } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CLUSTERS = { aws: "pair-aws", azure: "pair-azure" } as const;

function releasesOf(ev: Evaluation, cluster: string): RecordedResource[] {
    const platform = ev.named("finplat:platform:PlatformServices", `${cluster}-platform`);
    return ev.descendantsOf(platform.urn).filter((r) => r.type === RELEASE);
}

describe("the platform on both clusters (whole stack)", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        [dev, prod] = await Promise.all([stackEvaluation("dev"), stackEvaluation("prod")]);
    });

    it("installs every add-on on each cluster; the cluster-autoscaler chart only on EKS (AKS autoscales itself)", () => {
        const charts = (cluster: string) => releasesOf(prod, cluster).map((r) => pinnedChartOf(r)!.chart).sort();
        // The default ingress layer is ingress-nginx alone; Envoy Gateway's charts are tested in tests/ingress.
        const all = Object.values(CHARTS).map((c) => c.chart).filter((c) => !c.startsWith("gateway-")).sort();
        assert.deepEqual(charts(CLUSTERS.aws), all);
        assert.deepEqual(charts(CLUSTERS.azure), all.filter((c) => c !== "cluster-autoscaler"));
    });

    it("pins every release to the version in the chart table and sets only keys that version defines", () => {
        for (const ev of [dev, prod]) {
            for (const release of ev.ofType(RELEASE)) {
                const pinned = pinnedChartOf(release)!;
                assert.equal(release.inputs.version, pinned.version, release.name);
                assert.deepEqual(unknownValueKeys(pinned.chart, release.inputs.version, release.inputs.values), [], release.name);
            }
        }
    });

    it("creates every cloud and Kubernetes resource through an explicit provider, never a default one", () => {
        const expected: [RegExp, RegExp][] = [
            [/^aws:/, /pulumi:providers:aws::aws::/],
            [/^azure-native:/, /pulumi:providers:azure-native::azure::/],
            [/^kubernetes:/, /pulumi:providers:kubernetes::pair-(aws|azure)-k8s::/],
            // @pulumi/random talks to no API and has no configuration: its default provider is fine.
            [/^random:/, /^$/],
        ];
        for (const ev of [dev, prod]) {
            const offenders = ev.resources
                .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))
                .filter((r) => !expected.some(([type, provider]) => type.test(r.type) && provider.test(r.provider)))
                .map((r) => `${r.type} ${r.name} → ${r.provider || "(default provider)"}`);
            assert.deepEqual(offenders, []);
        }
    });

    it("puts each cluster's add-ons on that cluster's provider, under that cluster's platform component", () => {
        for (const [cloud, cluster] of Object.entries(CLUSTERS)) {
            for (const release of releasesOf(prod, cluster)) assert.match(release.provider, new RegExp(`::${cluster}-k8s::`), `${cloud}: ${release.name}`);
        }
    });

    it("gives each cluster's ExternalDNS its own TXT owner and only its own zone", () => {
        const externalDns = (cluster: string) => releasesOf(prod, cluster).find((r) => r.inputs.chart === "external-dns")!.inputs.values;
        // Named by environment and cloud, so dev and prod (and the two clouds) never share an owner.
        assert.deepEqual([externalDns(CLUSTERS.aws).txtOwnerId, externalDns(CLUSTERS.azure).txtOwnerId], ["finplat-prod-eks", "finplat-prod-aks"]);
        assert.deepEqual(externalDns(CLUSTERS.aws).domainFilters, ["aws.fin.example.com"]);
        assert.deepEqual(externalDns(CLUSTERS.azure).domainFilters, ["azure.fin.example.com"]);
        assert.equal(externalDns(CLUSTERS.aws).policy, "upsert-only");
    });

    it("never grants an IAM write action on *: unscoped statements are read-only or tag-conditioned", () => {
        const readOnly = /^[a-z0-9]+:(Describe|List|Get)[A-Za-z]*$/;
        const policies = prod.ofType("aws:iam/rolePolicy:RolePolicy");
        assert.ok(policies.length >= 6, "IRSA policies exist for the add-ons");
        for (const policy of policies) {
            for (const statement of JSON.parse(policy.inputs.policy).Statement) {
                const resources = [statement.Resource].flat();
                if (!resources.includes("*")) continue;
                const writes = statement.Action.filter((a: string) => !readOnly.test(a));
                assert.ok(writes.length === 0 || statement.Condition, `${policy.name} ${statement.Sid}: ${writes.join(", ")} on * without a condition`);
            }
        }
    });

    it("scopes ExternalDNS and cert-manager on AWS to the cluster's hosted zone", () => {
        // The global name's challenge role (root zone, one TXT record) is tested in tests/failover/global-name-certificate.test.ts.
        const zoneScoped = prod.ofType("aws:iam/rolePolicy:RolePolicy")
            .filter((p) => p.inputs.policy.includes("route53:ChangeResourceRecordSets") && p.name !== "global-name-challenge-policy");
        assert.equal(zoneScoped.length, 2, "ExternalDNS and cert-manager");
        for (const policy of zoneScoped) {
            const change = JSON.parse(policy.inputs.policy).Statement.find((s: any) => s.Action.includes("route53:ChangeResourceRecordSets"));
            assert.deepEqual(change.Resource.length, 1);
            assert.match(change.Resource[0], /^arn:aws:route53:::hostedzone\/Z[A-Z0-9]+$/);
        }
    });

    it("lets cert-manager on AWS change only `_acme-challenge` TXT records in its own zone, as the global-name role does", () => {
        const policy = JSON.parse(prod.named("aws:iam/rolePolicy:RolePolicy", "pair-aws-platform-cert-manager-irsa").inputs.policy);
        const zone = prod.named("aws:route53/zone:Zone", "pair-aws-zone");
        const writes = policy.Statement.filter((s: any) => s.Action.includes("route53:ChangeResourceRecordSets"));
        assert.deepEqual(writes.map((s: any) => [s.Action, s.Condition]), [[["route53:ChangeResourceRecordSets"], {
            "ForAllValues:StringLike": {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`_acme-challenge.${zone.inputs.name}`, `_acme-challenge.*.${zone.inputs.name}`],
            },
            "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] },
        }]]);
        assert.deepEqual(policy.Statement.flatMap((s: any) => s.Action).sort(), ["route53:ChangeResourceRecordSets", "route53:GetChange"], "the issuer names the zone: no list calls");
    });

    it("scopes read calls that IAM can scope: ExternalDNS's zone tags to its zone, the autoscaler's node-group reads to its cluster's node groups", () => {
        const statements = (name: string) => JSON.parse(prod.named("aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement as any[];
        const resourcesOf = (name: string, action: string) => statements(name).filter((s) => s.Action.includes(action)).flatMap((s) => [s.Resource].flat());
        const externalDns = "pair-aws-platform-external-dns-irsa";
        const [zoneArn] = resourcesOf(externalDns, "route53:ChangeResourceRecordSets");
        assert.match(zoneArn, /^arn:aws:route53:::hostedzone\/Z[A-Z0-9]+$/);
        assert.deepEqual(resourcesOf(externalDns, "route53:ListTagsForResources"), [zoneArn]);
        assert.deepEqual(resourcesOf("pair-aws-platform-cluster-autoscaler-identity-irsa", "eks:DescribeNodegroup"), [
            "arn:aws:eks:us-east-1:123456789012:nodegroup/finplat-prod-eks/*/*",
        ]);
    });

    it("lets the backup and archive identities use the shared storage key only through S3, for their own bucket", () => {
        // Role policy → its own bucket (name prefix) and the statements that use the key.
        const stores: Record<string, { bucket: string; keySids: string[] }> = {
            "pair-aws-platform-velero-backup-irsa": { bucket: "pair-aws-backups-", keySids: ["BackupEncryption", "BackupEncryptionKey"] },
            "pair-aws-backup-reader-azure-irsa": { bucket: "pair-aws-backups-", keySids: ["DecryptBackups", "DecryptBackupsKey"] },
            "pair-aws-database-archive-irsa": { bucket: "pair-aws-pg-archive-", keySids: ["ArchiveEncryption", "ArchiveEncryptionKey"] },
            "pair-aws-database-pitr-irsa": { bucket: "pair-aws-pg-archive-", keySids: ["DecryptArchives", "DecryptArchivesKey"] },
            "pair-aws-archive-reader-azure-irsa": { bucket: "pair-aws-pg-archive-", keySids: ["DecryptArchives", "DecryptArchivesKey"] },
        };
        for (const [name, own] of Object.entries(stores)) {
            const statements = JSON.parse(prod.named("aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement as any[];
            const bucket = statements.find((s) => s.Action.includes("s3:ListBucket")).Resource[0];
            assert.ok(bucket.startsWith(`arn:aws:s3:::${own.bucket}`), `${name} lists its own bucket: ${bucket}`);
            const keyStatements = statements.filter((x) => x.Action.some((a: string) => a.startsWith("kms:")));
            assert.deepEqual(keyStatements.map((s) => s.Sid), own.keySids, name);
            for (const s of keyStatements) {
                assert.equal(s.Condition.StringEquals["kms:ViaService"], "s3.us-east-1.amazonaws.com", `${name} ${s.Sid}`);
                if (!s.Action.includes("kms:DescribeKey")) assert.deepEqual(s.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"], [bucket, `${bucket}/*`], `${name} ${s.Sid}`);
            }
        }
    });

    it("assigns Azure roles on resource scopes, never on a subscription or resource group", () => {
        for (const assignment of prod.ofType("azure-native:authorization:RoleAssignment")) {
            assert.match(assignment.inputs.scope, /\/providers\//, `${assignment.name} is scoped to a resource: ${assignment.inputs.scope}`);
        }
    });

    it("lets each cluster's Velero read the other cluster's backups read-only", () => {
        const pairs = [[CLUSTERS.aws, "aws", "azure"], [CLUSTERS.azure, "azure", "aws"]] as const;
        for (const [cluster, own, peer] of pairs) {
            const velero = releasesOf(prod, cluster).find((r) => r.inputs.chart === "velero")!.inputs.values;
            const locations = velero.configuration.backupStorageLocation.map((l: any) => [l.name, l.accessMode, l.provider]);
            assert.deepEqual(locations, [["default", "ReadWrite", own], ["peer", "ReadOnly", peer]]);
        }
    });

    it("creates ClusterIssuers only after cert-manager's CRDs, on each cluster", () => {
        for (const cluster of Object.values(CLUSTERS)) {
            const certManager = releasesOf(prod, cluster).find((r) => r.inputs.chart === "cert-manager")!;
            const issuers = prod.ofType("kubernetes:cert-manager.io/v1:ClusterIssuer").filter((i) => i.name.startsWith(cluster));
            assert.equal(issuers.length, 4, "staging, production, self-signed bootstrap, internal CA");
            issuers.forEach((issuer) => assert.ok(issuer.dependencies.includes(certManager.urn), issuer.name));
        }
    });
});
