import { strict as assert } from "assert";
import { parseStackConfig } from "../../stacks/config";
import { configProblems, minimalStackConfig } from "../support/stack-config";
import { evaluateStack } from "../../commands/offline/evaluate-stack";

/** A minimal valid config; each bad-input case changes one thing. */
const devConfig = () => minimalStackConfig("dev");
const prodConfig = () => minimalStackConfig("prod");
const problemsOf = configProblems;

function expectProblem(config: Record<string, any>, expected: RegExp, secrets: string[] = []) {
    const problems = problemsOf(config, secrets);
    assert.ok(problems.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${problems.join("\n") || "(none)"}`);
}

describe("stack config validation", () => {
    it("accepts a minimal dev config and fills environment defaults", () => {
        const config = parseStackConfig(devConfig());
        assert.equal(config.aws.natGateways, "single");
        assert.deepEqual(config.aws.zones, ["us-east-1a", "us-east-1b"]);
        assert.equal(config.aws.nodePools.workload.capacityType, "spot");
        assert.equal(config.protectStateful, false);
        assert.equal(config.backups.storeRetentionDays, 14);
        assert.deepEqual(config.resourceTags, { environment: "dev", "cost-center": "cc-1", owner: "team@fin.example.com", "managed-by": "pulumi" });
    });

    it("prod defaults are highly available: 3 zones, NAT per zone, 3 system nodes, protection on", () => {
        const config = parseStackConfig(prodConfig(), new Set());
        assert.equal(config.aws.natGateways, "perZone");
        assert.deepEqual(config.aws.zones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
        assert.deepEqual(config.azure.zones, ["1", "2", "3"]);
        assert.ok(config.aws.nodePools.system.minSize >= 3 && config.azure.nodePools.system.minSize >= 3);
        assert.equal(config.aws.nodePools.system.capacityType, "on-demand");
        assert.equal(config.azure.disableLocalAccounts, true);
        assert.equal(config.protectStateful, true);
    });

    const badInputs: [string, (c: Record<string, any>) => void, RegExp][] = [
        ["a missing environment", (c) => delete c.environment, /^environment: required, one of dev, prod; it is missing/],
        ["an unknown environment", (c) => (c.environment = "staging"), /^environment: required, one of dev, prod; got "staging"/],
        ["an unknown cloud", (c) => (c.activeCloud = "gcp"), /^activeCloud: "gcp" is not allowed; allowed values: aws, azure$/],
        ["a missing required key", (c) => delete c.tags.owner, /^tags\.owner: required key is missing/],
        ["a wrong type", (c) => (c.aws.nodePools = { system: { minSize: "three" } }), /^aws\.nodePools\.system\.minSize: expected number, got "three"/],
        ["a likely typo (unknown key)", (c) => (c.aws.regoin = "us-west-2"), /^aws\.regoin: unknown key \(did you mean "region"\?\); allowed keys: region, zones/],
        ["an unknown top-level key", (c) => (c.activeCloudd = "aws"), /^activeCloudd: unknown key \(did you mean "activeCloud"\?\)/],
        ["a malformed CIDR", (c) => (c.aws.vpcCidr = "10.0.0/16"), /^aws\.vpcCidr: "10\.0\.0\/16" is not a valid IPv4 CIDR/],
        ["a CIDR off its network boundary", (c) => (c.azure.vnetCidr = "10.20.1.0/16"), /^azure\.vnetCidr: "10\.20\.1\.0\/16" is not a valid IPv4 CIDR/],
        ["overlapping VPC and VNet", (c) => (c.azure.vnetCidr = "10.10.0.0/16"), /^azure\.vnetCidr: 10\.10\.0\.0\/16 overlaps aws\.vpcCidr 10\.10\.0\.0\/16/],
        ["a VPC too small for three zones of subnets", (c) => (c.aws.vpcCidr = "10.10.0.0/24"), /^aws\.vpcCidr: "10\.10\.0\.0\/24" has prefix \/24; allowed prefixes are \/16 to \/20/],
        ["min > max", (c) => (c.aws.nodePools = { system: { minSize: 3, maxSize: 1, desiredSize: 1 } }), /^aws\.nodePools\.system: maxSize \(1\) must be >= minSize \(3\)$/],
        ["desired outside min..max", (c) => (c.azure.nodePools = { workload: { desiredSize: 50 } }), /^azure\.nodePools\.workload: desiredSize \(50\) must be between minSize \(1\) and maxSize \(5\)$/],
        ["a zone outside the region", (c) => (c.aws.zones = ["us-east-1a", "eu-west-1b"]), /^aws\.zones: "eu-west-1b" is not a zone of region us-east-1/],
        ["a pool zone that is not a cluster zone", (c) => (c.aws.nodePools = { workload: { zones: ["us-east-1c"] } }), /^aws\.nodePools\.workload\.zones: "us-east-1c" is not one of the cluster's zones \(us-east-1a, us-east-1b\)$/],
        ["an unsupported Kubernetes version", (c) => (c.azure.kubernetesVersion = "1.20"), /^azure\.kubernetesVersion: "1\.20" is not allowed; allowed values: 1\.31, 1\.32, 1\.33, 1\.34$/],
        ["a DNS zone outside the root zone", (c) => (c.azure.dnsZone = "azure.other.com"), /^azure\.dnsZone: "azure\.other\.com" must be a subdomain of dns\.rootZone "fin\.example\.com"$/],
        ["spot capacity on the AKS system pool", (c) => (c.azure.nodePools = { system: { capacityType: "spot" } }), /^azure\.nodePools\.system\.capacityType: AKS system pools cannot use spot capacity/],
        ["a public endpoint with no allowed CIDRs", (c) => (c.aws.endpoint = { publicAccess: true, allowedCidrs: [] }), /^aws\.endpoint\.allowedCidrs: a public API endpoint needs at least one allowed CIDR/],
        ["an untagged app image", (c) => delete c.app.image.tag, /^app\.image: "registry\.fin\.example\.com\/financial-app" has no tag or digest/],
        ["an edge rate limit above what the proxies take", (c) => (c.app.edge = { requestsPerSecond: 2_000_000 }), /^app\.edge\.requestsPerSecond: 2000000 is too large; maximum is 1000000$/],
        ["a canary weight without a canary tag", (c) => (c.app.canary = { weight: 10 }), /^app\.canary\.tag: required when app\.canary\.weight is 10/],
        ["a global hostname outside the root zone", (c) => (c.dr.globalHostname = "app.other.org"), /^dr\.globalHostname: "app\.other\.org" must be in dns\.rootZone/],
        ["a health-check interval Route53 does not offer", (c) => (c.dr.healthCheck = { intervalSeconds: 15 }), /^dr\.healthCheck\.intervalSeconds: /],
        ["a malformed ACME email", (c) => (c.platform.certManager.acmeEmail = "not-an-email"), /^platform\.certManager\.acmeEmail: "not-an-email"/],
    ];

    for (const [label, mutate, expected] of badInputs) {
        it(`rejects ${label}, naming the key and what is allowed`, () => {
            const config = devConfig();
            mutate(config);
            expectProblem(config, expected);
        });
    }

    it("prod rejects an API endpoint open to 0.0.0.0/0", () => {
        const config = prodConfig();
        config.aws.endpoint.allowedCidrs = ["0.0.0.0/0"];
        expectProblem(config, /^aws\.endpoint\.allowedCidrs: 0\.0\.0\.0\/0 is not allowed in prod/);
    });

    it("a sidecar image needs a tag or a whole sha256 digest", () => {
        const config = devConfig();
        config.app.sidecarImages = { envoy: "envoyproxy/envoy", fluentd: "fluent/fluentd@sha256:abc", debug: `busybox@sha256:${"a".repeat(64)}` };
        assert.deepEqual(problemsOf(config), [
            'app.sidecarImages.envoy: "envoyproxy/envoy" has no tag or digest (it would mean latest); pin an explicit version',
            'app.sidecarImages.fluentd: "fluent/fluentd@sha256:abc" digest "sha256:abc" is not sha256:<64 hex>; pin an explicit version',
        ]);
    });

    it("prod rejects the latest tag for the app and its sidecars", () => {
        const config = prodConfig();
        config.app.image.tag = "latest";
        config.app.sidecarImages = { envoy: "envoyproxy/envoy:latest" };
        const problems = problemsOf(config);
        assert.ok(problems.includes('app.image.tag: "latest" is not allowed in prod; pin an explicit version tag or a digest'), problems.join("\n"));
        assert.ok(problems.includes('app.sidecarImages.envoy: "envoyproxy/envoy:latest" uses the mutable "latest" tag; pin an explicit version'), problems.join("\n"));
        const dev = devConfig();
        dev.app.image.tag = "latest";
        assert.deepEqual(problemsOf(dev), [], "dev may run latest");
    });

    it("prod rejects fewer than 3 system nodes or zones", () => {
        const config = prodConfig();
        config.aws.zones = ["us-east-1a", "us-east-1b"];
        config.azure.nodePools = { system: { minSize: 2, desiredSize: 2 } };
        const problems = problemsOf(config);
        assert.ok(problems.includes("aws.zones: prod needs 3 zones, got 2"), problems.join("\n"));
        assert.ok(problems.includes("azure.nodePools.system: prod needs minSize >= 3 system nodes, got 2"), problems.join("\n"));
    });

    it("requires the secret for every alert receiver it routes to", () => {
        const config = prodConfig();
        config.platform.monitoring.receivers = ["pagerduty"];
        expectProblem(config, /^platform\.monitoring\.receivers: "pagerduty" needs the secret alertPagerdutyRoutingKey/);
        assert.deepEqual(problemsOf(config, ["alertPagerdutyRoutingKey"]), []);
    });

    it("derives the RPO from any valid Velero cron and names platform.velero.schedule when it cannot", () => {
        const weekly = devConfig();
        weekly.platform.velero = { schedule: "0 3 * * 0" };
        weekly.dr.rpoMinutes = 7 * 24 * 60;
        assert.deepEqual(problemsOf(weekly), [], "a weekly schedule is valid when the RPO target allows a week");
        weekly.dr.rpoMinutes = 24 * 60;
        expectProblem(weekly, /^dr\.rpoMinutes: the backup interval is 10080 min \(platform\.velero\.schedule "0 3 \* \* 0"\), above the 1440 min target/);
        const typo = devConfig();
        typo.platform.velero = { schedule: "0 */6 * * * *" };
        expectProblem(typo, /^platform\.velero\.schedule: cannot derive the worst-case interval between runs from "0 \*\/6 \* \* \* \*": expected 5 fields, got 6; expected five fields/);
    });

    describe("the data tier (app.database, database, backups.replication)", () => {
        const dataTierCases: [string, "dev" | "prod", (c: Record<string, any>) => void, RegExp][] = [
            ["an external database without its CIDR", "dev", (c) => (c.app.database = { mode: "external" }), /^app\.database\.cidr: required with app\.database\.mode external/],
            ["a CIDR for the in-cluster database", "dev", (c) => (c.app.database = { cidr: "10.60.0.0/24" }), /^app\.database\.cidr: only applies to app\.database\.mode external/],
            ["a malformed external CIDR", "dev", (c) => (c.app.database = { mode: "external", cidr: "10.60.0/24" }), /^app\.database\.cidr: "10\.60\.0\/24" is not a valid IPv4 CIDR/],
            ["more instances than zones", "dev", (c) => (c.database = { instances: { active: 3 } }), /^database\.instances\.active: 3 instances need as many zones, but a cluster has only 2; at most 2$/],
            ["as many synchronous standbys as the replica side has instances", "dev", (c) => (c.database = { synchronousReplicas: 1 }), /^database\.synchronousReplicas: 1 must be below the instances of both sides \(active 1, passive 1\); at most 0$/],
            ["prod with fewer than 3 instances", "prod", (c) => (c.database = { instances: { active: 2 } }), /^database\.instances\.active: prod runs at least 3 instances over 3 zones, got 2$/],
            ["prod without synchronous replication", "prod", (c) => (c.database = { synchronousReplicas: 0 }), /^database\.synchronousReplicas: prod needs at least 1 quorum synchronous standby/],
            ["archive_timeout as a raw parameter", "dev", (c) => (c.database = { parameters: { archive_timeout: "5min" } }), /^database\.parameters\.archive_timeout: not settable here; set database\.archive\.timeoutSeconds instead/],
            ["a backup cron whose fields the cron parser refuses, quoting it whole", "dev", (c) => (c.database = { backupSchedule: "0 0 2: * * *" }), /^database\.backupSchedule: cannot derive the worst-case interval between runs from "0 0 2: \* \* \*": Invalid characters, got value: 2:; expected six fields with seconds first/],
            ["a five-field backup cron (CloudNativePG reads seconds first)", "dev", (c) => (c.database = { backupSchedule: "0 2 * * *" }), /^database\.backupSchedule: cannot derive the worst-case interval between runs from "0 2 \* \* \*": expected 6 fields \(seconds first\), got 5; expected six fields with seconds first/],
            ["an untagged PostgreSQL image", "dev", (c) => (c.database = { imageName: "ghcr.io/cloudnative-pg/postgresql" }), /^database\.imageName: "ghcr\.io\/cloudnative-pg\/postgresql" has no tag/],
            ["a PostgreSQL image on latest in prod", "prod", (c) => (c.database = { imageName: "ghcr.io/cloudnative-pg/postgresql:latest" }), /^database\.imageName: "ghcr\.io\/cloudnative-pg\/postgresql:latest" uses the mutable "latest" tag; pin an explicit PostgreSQL version/],
            ["a PostgreSQL image with a truncated digest", "dev", (c) => (c.database = { imageName: "ghcr.io/cloudnative-pg/postgresql@sha256:abc" }), /^database\.imageName: "ghcr\.io\/cloudnative-pg\/postgresql@sha256:abc" digest "sha256:abc" is not sha256:<64 hex>/],
            ["the in-cluster database without the operator", "dev", (c) => (c.platform.cloudnativePg = { enabled: false }), /^platform\.cloudnativePg\.enabled: app\.database\.mode in-cluster needs the CloudNativePG operator/],
            ["the operator without cert-manager", "dev", (c) => (c.platform.certManager.enabled = false), /^platform\.cloudnativePg\.enabled: the Barman Cloud plugin needs cert-manager/],
            ["prod backups in one region", "prod", (c) => (c.backups = { replication: { enabled: false } }), /^backups\.replication\.enabled: prod copies its backup stores to a second region/],
            ["a replica region equal to the cluster's", "prod", (c) => (c.backups = { replication: { enabled: true, awsRegion: "us-east-1" } }), /^backups\.replication\.awsRegion: "us-east-1" is aws\.region itself/],
            ["replication with a single-region Azure account", "prod", (c) => (c.backups = { azureStorageSku: "Standard_ZRS" }), /^backups\.azureStorageSku: "Standard_ZRS" stays in one region; with backups\.replication\.enabled use Standard_GZRS or Standard_RAGZRS$/],
            ["an archive generation below 1", "dev", (c) => (c.database = { archive: { generation: { aws: 0 } } }), /^database\.archive\.generation\.aws: 0 is too small; minimum is 1$/],
            ["an archive generation that is not a whole number", "dev", (c) => (c.database = { archive: { generation: { azure: "2" } } }), /^database\.archive\.generation\.azure: expected number, got "2"$/],
            ["a database RPO over its target", "prod", (c) => (c.database = { archive: { timeoutSeconds: 60 } }), /^dr\.databaseRpoSeconds: the database RPO is 90 s \(archive_timeout 60 s \+ upload 30 s\), above the 60 s target; lower database\.archive\.timeoutSeconds/],
            ["a promotion allowance over the service-restored target", "prod", (c) => (c.dr.promotionAllowanceSeconds = 300), /^dr\.rtoSeconds: the service-restored budget is 390 s \(detection 3×10 s \+ DNS TTL 60 s \+ promotion 300 s\), above the 300 s target/],
            ["a scale-up over the full-capacity target", "prod", (c) => (c.dr.scaleUpAllowanceSeconds = 400), /^dr\.fullCapacitySeconds: the full-capacity budget is 670 s \(service restored 270 s \+ scale-up 400 s\), above the 600 s target/],
        ];
        for (const [label, env, mutate, expected] of dataTierCases) {
            it(`rejects ${label}, naming the key (${env})`, () => {
                const config = env === "prod" ? prodConfig() : devConfig();
                mutate(config);
                expectProblem(config, expected, env === "prod" ? ["alertPagerdutyRoutingKey"] : []);
            });
        }

        it("Vault configuration needs the app's \"database\" secret, where it writes the shared credential", () => {
            const config = devConfig();
            config.platform.vault = { configure: true, addresses: { aws: "https://vault-aws.example.com:8200", azure: "https://vault-azure.example.com:8200" } };
            config.app.vaultSecrets = [{ name: "api-keys", path: "financial-app/api-keys" }];
            expectProblem(config, /^app\.vaultSecrets: platform\.vault\.configure writes the database credential to the app's "database" secret/, ["vaultTokenAws", "vaultTokenAzure"]);
        });

        it("the data tier's keys are ignored with an external database, and the prod defaults pass", () => {
            const external = devConfig();
            external.app.database = { mode: "external", cidr: "10.60.0.0/24" };
            external.database = { instances: { active: 9 }, backupSchedule: "not a cron" };
            assert.deepEqual(problemsOf(external), []);
            const prod = parseStackConfig(prodConfig(), new Set(["alertPagerdutyRoutingKey"]));
            assert.deepEqual([prod.app.database.mode, prod.database.instances, prod.backups.replication], ["in-cluster", { active: 3, passive: 2 }, { enabled: true, awsRegion: "us-west-2" }]);
        });
    });

    it("reports every problem at once, not just the first", () => {
        const config = devConfig();
        config.azure.vnetCidr = "10.10.0.0/16";
        config.aws.nodePools = { system: { minSize: 3, maxSize: 1, desiredSize: 1 } };
        const problems = problemsOf(config);
        assert.ok(problems.some((p) => p.startsWith("azure.vnetCidr: 10.10.0.0/16 overlaps")), problems.join("\n"));
        assert.ok(problems.includes("aws.nodePools.system: maxSize (1) must be >= minSize (3)"), problems.join("\n"));
    });

    it("fails before any resource is registered, with the message a real run prints", async () => {
        const failure = await evaluateStack("dev", { overrides: ["activeCloud=gcp"] }).then(
            () => assert.fail("expected the evaluation to fail"),
            (err: Error & { registered: string[] }) => err,
        );
        assert.match(failure.message, /^Invalid stack configuration:\n {2}- activeCloud: "gcp" is not allowed; allowed values: aws, azure$/);
        assert.equal(failure.name, "ConfigError");
        assert.deepEqual(failure.registered, ["pulumi:pulumi:Stack"], "only the stack root exists; no cloud or Kubernetes resource was registered");
    });
});
