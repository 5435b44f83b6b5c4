import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import { CERT_MANAGER_SERVICE_ACCOUNT, CertManager } from "../../components/addons/cert-manager";
import { CLUSTER_ISSUERS, NAMESPACES } from "../../components/addons/well-known";
import { CLOUDS, CloudName, ClusterHandle } from "../../components/cluster/contract";
import { GlobalNameChallengeAccess, GlobalNameChallengeAccessArgs, challengeRecordName } from "../../components/failover/global-certificate-access";
import { Evaluation, evaluate } from "../../commands/offline/harness";
import { fakeCluster } from "../support/fake-cluster";
import { EXTERNAL_DATABASE_WITHOUT_VELERO, stackEvaluation } from "../support/stacks";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const K8S_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const K8S_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const SUBJECT = `system:serviceaccount:${NAMESPACES.certManager}:${CERT_MANAGER_SERVICE_ACCOUNT}`;
const EKS_ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EKS0000";
const AKS_ISSUER = "https://westus3.oic.prod-aks.azure.com/tenant/aks0000/";
const EKS_PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EKS0000";

function accessArgs(overrides: Partial<GlobalNameChallengeAccessArgs> = {}): GlobalNameChallengeAccessArgs {
    return {
        globalHostname: "App.fin.example.com.",
        rootZoneId: "ZROOT123",
        issuers: [
            { name: "aws", issuerUrl: EKS_ISSUER, oidcProviderArn: EKS_PROVIDER_ARN },
            { name: "azure", issuerUrl: AKS_ISSUER },
        ],
        serviceAccount: { namespace: NAMESPACES.certManager, name: CERT_MANAGER_SERVICE_ACCOUNT },
        tags: { environment: "test" },
        ...overrides,
    };
}

function buildAccess(withProvider = true): Promise<Evaluation> {
    return evaluate({
        project: "t",
        stack: "t",
        config: {},
        program: () => {
            const provider = new aws.Provider("stub-aws", { region: "us-east-1" });
            new GlobalNameChallengeAccess("gn", accessArgs(), withProvider ? { provider } : {});
        },
    });
}

const statements = (json: string) => JSON.parse(json).Statement as any[];

describe("GlobalNameChallengeAccess (component)", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await buildAccess();
    });

    it("trusts both clusters' issuers (EKS's existing provider, a new one for AKS) for exactly cert-manager's ServiceAccount with aud sts", () => {
        const created = ev.ofType(OIDC);
        assert.deepEqual(created.map((p) => [p.name, p.inputs.url, p.inputs.clientIdLists]), [["gn-azure-issuer", AKS_ISSUER, ["sts.amazonaws.com"]]]);
        const trust = statements(ev.named(ROLE, "gn-role").inputs.assumeRolePolicy);
        assert.equal(trust.length, 2);
        const aksHost = AKS_ISSUER.replace("https://", "");
        const eksHost = EKS_ISSUER.replace("https://", "");
        assert.deepEqual(trust.map((s) => s.Principal.Federated), [EKS_PROVIDER_ARN, `arn:aws:iam::123456789012:oidc-provider/${aksHost}`]);
        for (const [statement, host] of [[trust[0], eksHost], [trust[1], aksHost]]) {
            assert.equal(statement.Effect, "Allow");
            assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity");
            assert.deepEqual(statement.Condition, { StringEquals: { [`${host}:sub`]: SUBJECT, [`${host}:aud`]: "sts.amazonaws.com" } });
        }
    });

    it("may change only the TXT _acme-challenge.<global name> in the root zone; everything else is read-only", () => {
        assert.equal(challengeRecordName("App.fin.example.com."), "_acme-challenge.app.fin.example.com");
        const policy = statements(ev.named(ROLE_POLICY, "gn-policy").inputs.policy);
        const writes = policy.filter((s) => s.Action.some((a: string) => !/^route53:(Get|List)[A-Za-z]*$/.test(a)));
        assert.equal(writes.length, 1);
        assert.deepEqual(writes[0].Action, ["route53:ChangeResourceRecordSets"]);
        assert.deepEqual(writes[0].Resource, ["arn:aws:route53:::hostedzone/ZROOT123"]);
        assert.deepEqual(writes[0].Condition, {
            "ForAllValues:StringEquals": {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.app.fin.example.com"],
                "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
            },
        });
        const getChange = policy.find((s) => s.Action.includes("route53:GetChange"));
        assert.deepEqual(getChange.Resource, ["arn:aws:route53:::change/*"]);
        for (const s of policy.filter((x) => [x.Resource].flat().includes("*"))) {
            assert.ok(s.Action.every((a: string) => /^route53:List[A-Za-z]*$/.test(a)), `${s.Sid} on * is a list call`);
        }
    });

    it("creates every AWS resource with the provider it was given", () => {
        const own = ev.resources.filter((r) => r.type.startsWith("aws:"));
        assert.equal(own.length, 3);
        for (const r of own) assert.match(r.provider, /pulumi:providers:aws::stub-aws::/, r.name);
    });

    it("refuses to run without an explicit AWS provider", async () => {
        await assert.rejects(buildAccess(false), /pass the stack's AWS provider in opts\.provider/);
    });
});

describe("CertManager with a globalName (component)", () => {
    const built = {} as Record<CloudName, Evaluation>;
    before(async () => {
        for (const cloud of CLOUDS) {
            built[cloud] = await evaluate({
                project: "t",
                stack: "t",
                config: {},
                program: () => {
                    const cluster = fakeCluster(cloud);
                    new CertManager(`${cluster.name}-certs`, {
                        cluster: cluster as ClusterHandle,
                        acmeEmail: "platform@fin.example.com",
                        serviceMonitor: false,
                        globalName: { hostname: "app.fin.example.com", rootZoneId: "ZROOT123", roleArn: "arn:aws:iam::123456789012:role/gn", region: "us-east-1" },
                    });
                },
            });
        }
    });

    for (const cloud of CLOUDS) {
        it(`adds a global-name route53 solver to both Let's Encrypt issuers, keeping the own-zone solver (${cloud})`, () => {
            const ev = built[cloud];
            for (const name of [CLUSTER_ISSUERS.letsEncryptStaging, CLUSTER_ISSUERS.letsEncryptProduction]) {
                const issuer = ev.ofType(ISSUER).find((i) => i.inputs.metadata.name === name)!;
                const solvers = issuer.inputs.spec.acme.solvers;
                assert.equal(solvers.length, 2);
                assert.deepEqual(solvers[0].selector, { dnsZones: [`${cloud}.fin.example.com`] });
                assert.deepEqual(solvers[1], {
                    selector: { dnsNames: ["app.fin.example.com"] },
                    dns01: {
                        route53: {
                            region: "us-east-1",
                            hostedZoneID: "ZROOT123",
                            role: "arn:aws:iam::123456789012:role/gn",
                            auth: { kubernetes: { serviceAccountRef: { name: CERT_MANAGER_SERVICE_ACCOUNT } } },
                        },
                    },
                });
                const binding = ev.ofType(K8S_BINDING)[0];
                assert.ok(issuer.dependencies.includes(binding.urn), "the issuer waits for the token-request RBAC");
            }
        });

        it(`lets the controller create tokens for its own ServiceAccount only (${cloud})`, () => {
            const ev = built[cloud];
            const [role] = ev.ofType(K8S_ROLE);
            const [binding] = ev.ofType(K8S_BINDING);
            assert.equal(role.inputs.metadata.namespace, NAMESPACES.certManager);
            assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [CERT_MANAGER_SERVICE_ACCOUNT], verbs: ["create"] }]);
            assert.deepEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.inputs.metadata.name });
            assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: CERT_MANAGER_SERVICE_ACCOUNT, namespace: NAMESPACES.certManager }]);
            assert.match(role.provider, new RegExp(`fake-${cloud}-k8s`));
        });
    }
});

describe("the global name's certificate (whole stack)", () => {
    const CLUSTERS = { aws: "pair-aws", azure: "pair-azure" } as const;
    let prod: Evaluation;
    let dev: Evaluation;
    before(async () => {
        [dev, prod] = await Promise.all([stackEvaluation("dev"), stackEvaluation("prod")]);
    });

    const rootZoneIdOf = (ev: Evaluation) => ev.named("aws:route53/record:Record", "global-primary").inputs.zoneId;

    it("creates one challenge role trusting the EKS provider and the AKS issuer's single IAM provider, on the stack's AWS provider", () => {
        for (const ev of [dev, prod]) {
            assert.equal(ev.ofType("finplat:failover:GlobalNameChallengeAccess").length, 1);
            const role = ev.named(ROLE, "global-name-challenge-role");
            const policy = ev.named(ROLE_POLICY, "global-name-challenge-policy");
            for (const r of [role, policy]) assert.match(r.provider, /pulumi:providers:aws::aws::/);
            const eks = ev.named(OIDC, "pair-aws-oidc");
            const trust = statements(role.inputs.assumeRolePolicy);
            const aksProvider = ev.ofType(OIDC).filter((p) => /prod-aks\.azure\.com/.test(p.inputs.url));
            assert.equal(aksProvider.length, 1, "IAM allows one OIDC provider per issuer URL: the backup and archive readers' one is reused");
            const arnOf = (url: string) => `arn:aws:iam::123456789012:oidc-provider/${url.replace("https://", "")}`;
            assert.deepEqual(trust.map((s) => s.Principal.Federated), [arnOf(eks.inputs.url), arnOf(aksProvider[0].inputs.url)]);
            for (const s of trust) {
                const values = Object.entries(s.Condition.StringEquals);
                assert.deepEqual(values.map(([k, v]) => [k.replace(/^.*:/, ""), v]), [["sub", SUBJECT], ["aud", "sts.amazonaws.com"]]);
            }
            const urls = ev.ofType(OIDC).map((p) => p.inputs.url);
            assert.equal(new Set(urls).size, urls.length, "no issuer URL is registered twice");
        }
    });

    it("the AKS issuer's one IAM trust keeps its URN whatever needs it: Velero on or off, the in-cluster database or not (IAM refuses a second provider for the URL)", async () => {
        const [veleroOff, neitherReader] = await Promise.all([stackEvaluation("dev", ["platform.velero.enabled=false"]), stackEvaluation("dev", EXTERNAL_DATABASE_WITHOUT_VELERO)]);
        const aksTrust = (ev: Evaluation) => {
            const found = ev.ofType(OIDC).filter((p) => /prod-aks\.azure\.com/.test(p.inputs.url));
            assert.equal(found.length, 1);
            return found[0];
        };
        const trust = aksTrust(dev);
        assert.equal(trust.name, "pair-aws-trusts-azure-issuer", "named after the issuer, not after a grant");
        assert.deepEqual([aksTrust(veleroOff).urn, aksTrust(neitherReader).urn], [trust.urn, trust.urn]);
        assert.deepEqual(trust.inputs.clientIdLists, ["sts.amazonaws.com"]);
        assert.match(trust.provider, /pulumi:providers:aws::aws::/);
        // The names earlier versions gave it (after the first grant to need it): adopted, not replaced.
        const aliases = (trust.aliases as { spec: { name: string; parenturn: string } }[]).map((a) => [a.spec.name, a.spec.parenturn.replace(/^urn:pulumi:dev::dr-platform::/, "")]);
        assert.deepEqual(aliases, [
            ["pair-aws-backup-reader-azure-issuer", "finplat:cluster:ClusterPair$finplat:aws:AwsCluster::pair-aws"],
            ["pair-aws-archive-reader-azure-issuer", "finplat:cluster:ClusterPair$finplat:aws:AwsCluster::pair-aws"],
            ["global-name-challenge-azure-issuer", "finplat:failover:GlobalNameChallengeAccess::global-name-challenge"],
        ]);
        // Every role an AKS workload assumes in AWS names that one provider.
        const arn = `arn:aws:iam::123456789012:oidc-provider/${trust.inputs.url.replace("https://", "")}`;
        for (const ev of [dev, veleroOff, neitherReader]) {
            assert.ok(statements(ev.named(ROLE, "global-name-challenge-role").inputs.assumeRolePolicy).some((st) => st.Principal.Federated === arn));
        }
        assert.ok(statements(dev.named(ROLE, "pair-aws-backup-reader-azure-irsa").inputs.assumeRolePolicy).every((st) => st.Principal.Federated === arn));
        assert.ok(statements(veleroOff.named(ROLE, "pair-aws-archive-reader-azure-irsa").inputs.assumeRolePolicy).every((st) => st.Principal.Federated === arn));
    });

    it("allows ChangeResourceRecordSets only on the root zone, for the TXT _acme-challenge record of the global name", () => {
        const policy = statements(prod.named(ROLE_POLICY, "global-name-challenge-policy").inputs.policy);
        const change = policy.filter((s) => s.Action.includes("route53:ChangeResourceRecordSets"));
        assert.equal(change.length, 1);
        assert.deepEqual(change[0].Resource, [`arn:aws:route53:::hostedzone/${rootZoneIdOf(prod)}`]);
        assert.deepEqual(change[0].Condition["ForAllValues:StringEquals"], {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.app.fin.example.com"],
            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
        });
    });

    it("gives both clusters' Let's Encrypt issuers the global solver (role, ServiceAccount, dnsNames); the own-zone solver is unchanged", () => {
        const roleArnPattern = /^arn:aws:iam::123456789012:role\/global-name-challenge-role-/;
        for (const [cloud, cluster] of Object.entries(CLUSTERS)) {
            for (const name of [CLUSTER_ISSUERS.letsEncryptStaging, CLUSTER_ISSUERS.letsEncryptProduction]) {
                const issuer = prod.ofType(ISSUER).find((i) => i.name.startsWith(cluster) && i.inputs.metadata.name === name)!;
                const [own, global] = issuer.inputs.spec.acme.solvers;
                assert.equal(issuer.inputs.spec.acme.solvers.length, 2);
                assert.deepEqual(own.selector, { dnsZones: [`${cloud}.fin.example.com`] });
                assert.deepEqual(Object.keys(own.dns01), [cloud === "aws" ? "route53" : "azureDNS"]);
                if (cloud === "aws") assert.deepEqual(Object.keys(own.dns01.route53).sort(), ["hostedZoneID", "region"], "own zone: ambient IRSA, no role");
                assert.deepEqual(global.selector, { dnsNames: ["app.fin.example.com"] });
                const r53 = global.dns01.route53;
                assert.equal(r53.hostedZoneID, rootZoneIdOf(prod));
                assert.equal(r53.region, "us-east-1");
                assert.match(r53.role, roleArnPattern);
                assert.deepEqual(r53.auth, { kubernetes: { serviceAccountRef: { name: CERT_MANAGER_SERVICE_ACCOUNT } } });
            }
            const tokenRoles = prod.ofType(K8S_ROLE).filter((r) => r.name === `${cluster}-platform-cert-manager-token-request`);
            assert.equal(tokenRoles.length, 1, `${cluster}: cert-manager may request its ServiceAccount's token`);
        }
    });

    it("serves the global name from each cluster's app Ingress, but ExternalDNS publishes only the cluster's own host", () => {
        for (const [cloud, cluster] of Object.entries(CLUSTERS)) {
            const ingress = prod.named(INGRESS, `${cluster}-app-stable`).inputs;
            const host = `app.${cloud}.fin.example.com`;
            assert.deepEqual(ingress.spec.tls, [{ hosts: [host, "app.fin.example.com"], secretName: "financial-app-public-tls" }]);
            assert.deepEqual(ingress.spec.rules.map((r: any) => r.host), [host, "app.fin.example.com"]);
            assert.deepEqual(ingress.spec.rules[1].http, ingress.spec.rules[0].http, "same backend");
            assert.equal(ingress.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"], host);
            assert.equal(ingress.metadata.annotations["external-dns.alpha.kubernetes.io/ingress-hostname-source"], "annotation-only");
        }
    });
});
