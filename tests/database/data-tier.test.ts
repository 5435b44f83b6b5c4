/**
 * The data tier across the whole stack (the real index.ts, offline): both sides'
 * Clusters form one topology, the flip moves the primary in place, the archives are
 * keyless and the cross-cloud reader only reads, the app uses its own side's database
 * with one credential. Shares the cached dev/prod evaluations with the other suites.
 */
import { strict as assert } from "assert";
import { diffEvaluations } from "../../commands/drill/simulate";
import { clusterOf } from "../../commands/offline/evaluate-stack";
import { Evaluation } from "../../commands/offline/harness";
import { EXTERNAL_DATABASE_WITHOUT_VELERO, VAULT_CONFIGURED, stackEvaluation } from "../support/stacks";

const CLOUDS = ["aws", "azure"] as const;
type Cloud = (typeof CLOUDS)[number];
const OTHER: Record<Cloud, Cloud> = { aws: "azure", azure: "aws" };
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";

const onCluster = clusterOf;
const statements = (doc: string) => JSON.parse(doc).Statement as any[];

describe("the data tier across both clouds (whole stack)", function () {
    this.timeout(300_000);
    let dev: Evaluation;
    let prod: Evaluation;
    let devOnAzure: Evaluation;
    let external: Evaluation;
    let vaultConfigured: Evaluation;
    before(async () => {
        [dev, prod, devOnAzure, external, vaultConfigured] = await Promise.all([
            stackEvaluation("dev"),
            stackEvaluation("prod"),
            stackEvaluation("dev", ["activeCloud=azure"]),
            stackEvaluation("dev", EXTERNAL_DATABASE_WITHOUT_VELERO),
            stackEvaluation("dev", VAULT_CONFIGURED),
        ]);
    });

    const clusterOn = (ev: Evaluation, cloud: Cloud) => {
        const found = ev.ofType(CLUSTER).filter((c) => onCluster(c) === cloud);
        assert.equal(found.length, 1, `one Cluster on ${cloud}`);
        return found[0].inputs;
    };

    it("both sides declare a Cluster with consistent topology names: one primary (the active cloud), each other's source, the same externalClusters", () => {
        for (const ev of [dev, prod]) {
            const [aws, azure] = CLOUDS.map((c) => clusterOn(ev, c));
            assert.deepEqual([aws.metadata.name, azure.metadata.name], ["postgres-aws", "postgres-azure"]);
            assert.deepEqual(aws.spec.replica, { self: "postgres-aws", primary: "postgres-aws", source: "postgres-azure" });
            assert.deepEqual(azure.spec.replica, { self: "postgres-azure", primary: "postgres-aws", source: "postgres-aws" });
            assert.deepEqual(aws.spec.externalClusters, azure.spec.externalClusters);
            assert.deepEqual(aws.spec.externalClusters.map((e: any) => e.name), ["postgres-aws", "postgres-azure"]);
        }
        const sizes = (ev: Evaluation) => CLOUDS.map((c) => clusterOn(ev, c).spec.instances);
        assert.deepEqual(sizes(prod), [3, 2], "prod: 3 instances on the active side, 2 on the replica");
        assert.deepEqual(sizes(dev), [1, 1]);
    });

    it("every archive a Cluster names is an ObjectStore on its own Kubernetes cluster, pointing at that cloud's archive store", () => {
        const archiveBucket = prod.named("aws:s3/bucket:Bucket", "pair-aws-pg-archive").inputs.bucketPrefix;
        for (const cloud of CLOUDS) {
            const stores = Object.fromEntries(prod.ofType(OBJECT_STORE).filter((s) => onCluster(s) === cloud && s.inputs.metadata.namespace === "database").map((s) => [s.inputs.metadata.name, s.inputs.spec]));
            for (const external of clusterOn(prod, cloud).spec.externalClusters) {
                assert.ok(stores[external.plugin.parameters.barmanObjectName], `${cloud}: ${external.plugin.parameters.barmanObjectName} exists`);
            }
            assert.ok(stores["archive-aws"].configuration.destinationPath.startsWith(`s3://${archiveBucket}`), `${cloud}: archive-aws is the EKS side's archive bucket`);
            assert.match(stores["archive-azure"].configuration.destinationPath, /^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/pg-archive\/$/);
        }
        const own = prod.ofType(OBJECT_STORE).find((s) => onCluster(s) === "aws" && s.inputs.metadata.name === "archive-aws" && s.inputs.metadata.namespace === "database")!;
        assert.equal(prod.outputs.database.clusters.aws.archive, own.inputs.spec.configuration.destinationPath, "the output names the archive the Cluster writes");
    });

    it("the flip changes replica.primary on both Clusters in place and replaces nothing (bootstrap is read only at creation)", () => {
        const changes = diffEvaluations(dev, devOnAzure);
        assert.deepEqual(changes.filter((c) => c.kind !== "update").map((c) => `${c.kind} ${c.type} ${c.name}`), [], "no create, delete or replace anywhere");
        const database = changes.filter((c) => c.urn.includes("finplat:database:PostgresCluster"));
        assert.deepEqual(database.map((c) => [c.name, c.changes.map((x) => [x.path, x.before, x.after])]), [
            ["pair-aws-database-cluster", [["spec.replica.primary", "postgres-aws", "postgres-azure"]]],
            ["pair-azure-database-cluster", [["spec.replica.primary", "postgres-aws", "postgres-azure"]]],
        ]);
        // The declared bootstrap does follow the role; only ignoreChanges keeps the flip from touching it.
        assert.ok(clusterOn(devOnAzure, "azure").spec.bootstrap.initdb && clusterOn(dev, "azure").spec.bootstrap.recovery);
        assert.equal(devOnAzure.outputs.database.primaryCloud, "azure");
        assert.deepEqual(CLOUDS.map((c) => devOnAzure.outputs.database.clusters[c].role), ["replica", "primary"]);
    });

    it("no static credential: the own archive through the pod's identity, the peer's through a projected token; no Secret is referenced", () => {
        const text = JSON.stringify([...prod.ofType(CLUSTER), ...prod.ofType(OBJECT_STORE)].map((r) => r.inputs));
        for (const key of ["accessKeyId", "secretAccessKey", "storageKey", "storageSasToken", "connectionString", "secretKeyRef", "sessionToken"]) {
            assert.ok(!text.includes(`"${key}"`), `${key} appears in a Cluster or ObjectStore`);
        }
        const awsOwn = prod.ofType(OBJECT_STORE).find((s) => onCluster(s) === "aws" && s.inputs.metadata.name === "archive-aws" && s.inputs.metadata.namespace === "database")!;
        assert.deepEqual(awsOwn.inputs.spec.configuration.s3Credentials, { inheritFromIAMRole: true });
    });

    describe("identities", () => {
        const policyOf = (name: string) => statements(prod.named("aws:iam/rolePolicy:RolePolicy", name).inputs.policy);
        const trustOf = (name: string) => statements(prod.named("aws:iam/role:Role", name).inputs.assumeRolePolicy);
        const bucket = (name: string) => prod.named("aws:s3/bucket:Bucket", name).inputs.bucketPrefix as string;

        it("the cross-cloud reader of the EKS archive can only read it, for exactly the AKS replica's ServiceAccount", () => {
            const policy = policyOf("pair-aws-archive-reader-azure-irsa");
            const actions = policy.flatMap((s) => s.Action).sort();
            assert.deepEqual(actions, ["kms:Decrypt", "kms:DescribeKey", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]);
            const resources = policy.flatMap((s) => [s.Resource].flat()).filter((r: string) => r.startsWith("arn:aws:s3"));
            resources.forEach((r: string) => assert.ok(r.startsWith(`arn:aws:s3:::${bucket("pair-aws-pg-archive")}`), `only the archive bucket: ${r}`));
            const [trust, ...more] = trustOf("pair-aws-archive-reader-azure-irsa");
            assert.equal(more.length, 0);
            const aksIssuer = prod.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider").filter((p) => /azure\.com/.test(p.inputs.url));
            assert.equal(aksIssuer.length, 1, "one IAM trust of the AKS issuer, shared with Velero's reader");
            assert.match(trust.Principal.Federated, new RegExp(`oidc-provider/${aksIssuer[0].inputs.url.replace("https://", "").replace(/[.]/g, "\\.")}$`));
            const conditions = Object.entries(trust.Condition.StringEquals).map(([k, v]) => [k.replace(/^.*:/, ""), v]);
            assert.deepEqual(conditions, [["sub", "system:serviceaccount:database:postgres-azure"], ["aud", "sts.amazonaws.com"]]);
        });

        it("the cross-cloud reader of the AKS archive can only read its container, for exactly the EKS replica's ServiceAccount", () => {
            const assignments = prod.ofType("azure-native:authorization:RoleAssignment").filter((a) => a.name.startsWith("pair-azure-archive-reader-aws"));
            assert.deepEqual(assignments.map((a) => a.name), ["pair-azure-archive-reader-aws-storageBlobDataReader"]);
            assert.match(assignments[0].inputs.roleDefinitionId, /2a2b9908-6ea1-4ae2-8e65-a410df84e7d1$/, "Storage Blob Data Reader");
            assert.match(assignments[0].inputs.scope, /\/blobServices\/default\/containers\/pg-archive$/, "on the archive container only");
            const credential = prod.named("azure-native:managedidentity:FederatedIdentityCredential", "pair-azure-archive-reader-aws-fic").inputs;
            assert.equal(credential.subject, "system:serviceaccount:database:postgres-aws");
            assert.match(credential.issuer, /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\//, "the EKS cluster's issuer");
            assert.deepEqual(credential.audiences, ["api://AzureADTokenExchange"]);
        });

        it("each side's instances write only their own archive; the PITR slot only reads it", () => {
            const writer = policyOf("pair-aws-database-archive-irsa");
            const writeResources = writer.flatMap((s) => [s.Resource].flat()).filter((r: string) => r.startsWith("arn:aws:s3"));
            writeResources.forEach((r: string) => assert.ok(r.startsWith(`arn:aws:s3:::${bucket("pair-aws-pg-archive")}`), `archive only, never Velero's bucket: ${r}`));
            assert.ok(writer.flatMap((s) => s.Action).includes("s3:PutObject"));
            assert.deepEqual(Object.values(trustOf("pair-aws-database-archive-irsa")[0].Condition.StringEquals)[0], "system:serviceaccount:database:postgres-aws");
            const pitr = policyOf("pair-aws-database-pitr-irsa").flatMap((s) => s.Action).sort();
            assert.deepEqual(pitr, ["kms:Decrypt", "kms:DescribeKey", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]);
            assert.deepEqual(Object.values(trustOf("pair-aws-database-pitr-irsa")[0].Condition.StringEquals)[0], "system:serviceaccount:database-pitr:postgres-aws-pitr");
            const azureWriter = prod.named("azure-native:authorization:RoleAssignment", "pair-azure-database-archive-storageBlobDataContributor").inputs;
            assert.match(azureWriter.scope, /\/containers\/pg-archive$/);
            assert.equal(prod.named("azure-native:managedidentity:FederatedIdentityCredential", "pair-azure-database-pitr-fic").inputs.subject, "system:serviceaccount:database-pitr:postgres-azure-pitr");
            assert.match(prod.named("azure-native:authorization:RoleAssignment", "pair-azure-database-pitr-storageBlobDataReader").inputs.scope, /\/containers\/pg-archive$/);
        });
    });

    describe("the app on its own side's database", () => {
        const appPolicy = (ev: Evaluation, cloud: Cloud) => ev.named("kubernetes:networking.k8s.io/v1:NetworkPolicy", `pair-${cloud}-app-allow-to-database`).inputs.spec;

        it("connects to the local read-write Service, told by its settings; the credential comes from Vault", () => {
            for (const cloud of CLOUDS) {
                const settings = prod.named("kubernetes:core/v1:ConfigMap", `pair-${cloud}-app-settings`).inputs.data;
                assert.deepEqual([settings.DATABASE_HOST, settings.DATABASE_PORT, settings.DATABASE_NAME], [`postgres-${cloud}-rw.database.svc`, "5432", "app"]);
                assert.equal(settings.DATABASE_PASSWORD, undefined);
            }
        });

        it("its database egress reaches only the database pods on 5432, never an address range", () => {
            for (const cloud of CLOUDS) {
                assert.deepEqual(appPolicy(prod, cloud).egress, [{
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "database" } }, podSelector: { matchLabels: { "cnpg.io/cluster": `postgres-${cloud}` } } }],
                    ports: [{ protocol: "TCP", port: 5432 }],
                }]);
                const admitted = prod.named("kubernetes:networking.k8s.io/v1:NetworkPolicy", `pair-${cloud}-database-allow-from-app`).inputs.spec.ingress[0].from[0];
                assert.deepEqual(admitted.podSelector.matchLabels, prod.named("kubernetes:networking.k8s.io/v1:NetworkPolicy", `pair-${cloud}-app-allow-to-database`).inputs.spec.podSelector.matchLabels, "the database admits exactly the pods the app policy selects");
            }
        });

        it("app.database.mode external keeps an outside database: egress to its CIDR, no Cluster, no database output", () => {
            assert.deepEqual(appPolicy(external, "aws").egress[0].to, [{ ipBlock: { cidr: "10.60.0.0/24" } }]);
            assert.equal(external.ofType(CLUSTER).length, 0);
            assert.equal(external.ofType(OBJECT_STORE).length, 0);
            assert.equal(external.outputs.database, undefined);
            assert.equal(external.outputs.drBudget.databaseRpoSeconds, undefined);
            assert.equal(external.named("kubernetes:core/v1:ConfigMap", "pair-aws-app-settings").inputs.data.DATABASE_HOST, undefined);
        });

        it("one credential, generated once, is the managed role's Secret on both Clusters and the app's database secret in both Vaults", () => {
            assert.equal(prod.ofType("random:index/randomPassword:RandomPassword").filter((p) => p.name === "database-app-password").length, 1);
            const secrets = CLOUDS.map((cloud) => prod.named("kubernetes:core/v1:Secret", `pair-${cloud}-database-app-credentials`));
            secrets.forEach((s) => assert.ok(s.secretInputs.includes("stringData"), "a Pulumi secret"));
            assert.ok(secrets[0].inputs.stringData.password.length >= 32);
            assert.deepEqual(secrets[0].inputs.stringData, secrets[1].inputs.stringData, "identical on both sides");
            for (const cloud of CLOUDS) assert.equal(clusterOn(prod, cloud).spec.managed.roles[0].passwordSecret.name, secrets[0].inputs.metadata.name);

            const kv = vaultConfigured.ofType("vault:kv/secretV2:SecretV2");
            assert.deepEqual(kv.map((s) => [s.name.split("-vault-config")[0], s.inputs.mount, s.inputs.name]), [
                ["pair-aws", "secret", "financial-app/database"],
                ["pair-azure", "secret", "financial-app/database"],
            ]);
            kv.forEach((s) => assert.ok(s.secretInputs.includes("dataJson"), "the Vault payload is a Pulumi secret"));
            const payloads = kv.map((s) => JSON.parse(s.inputs.dataJson));
            const devSecret = vaultConfigured.named("kubernetes:core/v1:Secret", "pair-aws-database-app-credentials").inputs.stringData;
            assert.deepEqual(payloads, [0, 1].map(() => ({ DATABASE_USER: "app", DATABASE_PASSWORD: devSecret.password })));
            assert.notEqual(new Set(kv.map((s) => s.provider)).size, 1, "written through each cluster's own Vault provider");
        });
    });

    it("Velero leaves the database to its WAL archive: its namespaces are out of the file-system backups", () => {
        for (const cloud of CLOUDS) {
            const velero = prod.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "velero" && onCluster(r) === cloud)!;
            const excluded = Object.values<any>(velero.inputs.values.schedules)[0].template.excludedNamespaces;
            assert.ok(excluded.includes("database") && excluded.includes("database-pitr"), `${cloud}: ${excluded.join(", ")}`);
            assert.ok(!excluded.includes("financial-app"), "the app's own objects are still backed up");
        }
    });

    it("the stack outputs the data tier the drill drives, and the honest budget", () => {
        const database = prod.outputs.database;
        assert.deepEqual(Object.keys(database).sort(), ["clusters", "namespace", "primaryCloud"]);
        for (const cloud of CLOUDS) {
            const side = database.clusters[cloud];
            assert.deepEqual(Object.keys(side).sort(), ["archive", "instances", "name", "objectStore", "peerObjectStore", "restore", "role", "rwService", "serverName"]);
            assert.deepEqual(
                [side.name, side.serverName, side.objectStore, side.peerObjectStore, side.rwService],
                [`postgres-${cloud}`, `postgres-${cloud}`, `archive-${cloud}`, `archive-${OTHER[cloud]}`, `postgres-${cloud}-rw.database.svc`],
            );
            assert.deepEqual(Object.keys(side.restore).sort(), ["clusterName", "namespace", "objectStore", "podLabels", "serviceAccountAnnotations"]);
        }
        const budget = prod.outputs.drBudget;
        assert.deepEqual([budget.rtoSeconds, budget.fullCapacitySeconds, budget.databaseRpoSeconds, budget.rpoMinutes], [270, 450, 60, 60], "prod: writable within 5 min, database RPO within 1 min");
    });
});
