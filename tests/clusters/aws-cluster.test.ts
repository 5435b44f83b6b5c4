import { strict as assert } from "assert";
import { Evaluation, RecordedResource } from "../../commands/offline/harness";
import { stackEvaluation } from "../support/stacks";

const EKS = "aws:eks/cluster:Cluster";
const named = (ev: Evaluation, type: string, name: string) => ev.named(type, name);

describe("AWS EKS cluster", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        [dev, prod] = await Promise.all([stackEvaluation("dev"), stackEvaluation("prod")]);
    });

    it("prod EKS encrypts Secrets with a rotating KMS key", () => {
        const cluster = named(prod, EKS, "pair-aws-eks");
        const key = named(prod, "aws:kms/key:Key", "pair-aws-secrets");
        assert.deepEqual(cluster.inputs.encryptionConfig.resources, ["secrets"]);
        assert.match(cluster.inputs.encryptionConfig.provider.keyArn, /^arn:aws:kms:us-east-1:\d{12}:key\//);
        assert.equal(key.inputs.enableKeyRotation, true);
        // The cluster names exactly the key its "secrets" alias points to.
        const alias = named(prod, "aws:kms/alias:Alias", "pair-aws-secrets");
        assert.equal(alias.inputs.name, "alias/finplat-prod-eks-secrets");
        assert.ok(cluster.inputs.encryptionConfig.provider.keyArn.endsWith(`key/${alias.inputs.targetKeyId}`));
    });

    it("prod private subnets span 3 AZs and carry the internal-ELB tag; the cluster uses only private subnets", () => {
        const privateSubnets = prod.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-private-"));
        assert.deepEqual(privateSubnets.map((s) => s.inputs.availabilityZone).sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
        privateSubnets.forEach((s) => assert.equal(s.inputs.tags["kubernetes.io/role/internal-elb"], "1"));
        const publicSubnets = prod.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-public-"));
        publicSubnets.forEach((s) => assert.equal(s.inputs.tags["kubernetes.io/role/elb"], "1"));
        assert.equal(named(prod, EKS, "pair-aws-eks").inputs.vpcConfig.subnetIds.length, 3);
    });

    it("dev shares one NAT gateway; prod runs one per zone", () => {
        assert.equal(dev.ofType("aws:ec2/natGateway:NatGateway").length, 1);
        assert.equal(prod.ofType("aws:ec2/natGateway:NatGateway").length, 3);
        const routes = prod.ofType("aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("-private-"));
        const natIds = new Set(routes.map((r) => r.inputs.routes[0].natGatewayId));
        assert.equal(natIds.size, 3, "each private subnet routes through its own zone's NAT");
    });

    it("ships all five control-plane log types and uses access entries (API mode), not aws-auth", () => {
        const cluster = named(prod, EKS, "pair-aws-eks");
        assert.deepEqual(cluster.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        assert.equal(cluster.inputs.accessConfig.authenticationMode, "API");
        const entry = named(prod, "aws:eks/accessEntry:AccessEntry", "pair-aws-admin-0");
        assert.equal(entry.inputs.principalArn, "arn:aws:iam::123456789012:role/platform-admins");
        const association = named(prod, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "pair-aws-admin-0");
        assert.match(association.inputs.policyArn, /AmazonEKSClusterAdminPolicy$/);
    });

    it("restricts the public endpoint to the configured CIDRs and keeps private access on", () => {
        const vpc = named(prod, EKS, "pair-aws-eks").inputs.vpcConfig;
        assert.equal(vpc.endpointPrivateAccess, true);
        assert.equal(vpc.endpointPublicAccess, true);
        assert.deepEqual(vpc.publicAccessCidrs, ["203.0.113.0/24"]);
    });

    it("node group sizes come from config, the system pool is tainted, and autoscaler discovery tags are present", () => {
        const system = named(prod, "aws:eks/nodeGroup:NodeGroup", "pair-aws-system");
        const workload = named(prod, "aws:eks/nodeGroup:NodeGroup", "pair-aws-workload");
        assert.deepEqual(system.inputs.scalingConfig, { minSize: 3, maxSize: 6, desiredSize: 3 });
        assert.deepEqual(workload.inputs.scalingConfig, { minSize: 3, maxSize: 30, desiredSize: 6 });
        assert.deepEqual(system.inputs.taints, [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
        assert.deepEqual(workload.inputs.taints, []);
        for (const group of [system, workload]) {
            assert.equal(group.inputs.tags["k8s.io/cluster-autoscaler/enabled"], "true");
            assert.equal(group.inputs.tags["k8s.io/cluster-autoscaler/finplat-prod-eks"], "owned");
            assert.deepEqual(group.ignoreChanges, ["scalingConfig.desiredSize"], "the autoscaler owns the live size");
            assert.equal(group.inputs.subnetIds.length, 3);
        }
        assert.equal(named(dev, "aws:eks/nodeGroup:NodeGroup", "pair-aws-workload").inputs.capacityType, "SPOT");
    });

    it("nodes require IMDSv2 with one hop and encrypted disks sized per pool", async () => {
        const bigWorkloadDisks = await stackEvaluation("dev", ["aws.nodePools.workload.diskSizeGb=200"]);
        for (const [pool, size] of [["system", 50], ["workload", 200]] as const) {
            const template = named(bigWorkloadDisks, "aws:ec2/launchTemplate:LaunchTemplate", `pair-aws-${pool}-lt`);
            assert.deepEqual(template.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            assert.deepEqual([template.inputs.blockDeviceMappings[0].ebs.encrypted, template.inputs.blockDeviceMappings[0].ebs.volumeSize], ["true", size]);
            assert.equal(named(bigWorkloadDisks, "aws:eks/nodeGroup:NodeGroup", `pair-aws-${pool}`).inputs.launchTemplate.version, "1", "a concrete version, not $Latest");
        }
    });

    it("installs vpc-cni with network-policy enforcement and the EBS CSI driver with its own IRSA role", () => {
        const cni = named(prod, "aws:eks/addon:Addon", "pair-aws-vpc-cni");
        assert.deepEqual(JSON.parse(cni.inputs.configurationValues), { enableNetworkPolicy: "true" });
        const ebs = named(prod, "aws:eks/addon:Addon", "pair-aws-ebs-csi");
        const ebsRole = named(prod, "aws:iam/role:Role", "pair-aws-ebs-csi-irsa");
        const trust = JSON.parse(ebsRole.inputs.assumeRolePolicy);
        const condition = trust.Statement[0].Condition.StringEquals;
        const issuerKey = Object.keys(condition).find((k) => k.endsWith(":sub"))!;
        assert.equal(condition[issuerKey], "system:serviceaccount:kube-system:ebs-csi-controller-sa");
        assert.match(ebs.inputs.serviceAccountRoleArn, /pair-aws-ebs-csi-irsa/);
        for (const addon of ["vpc-cni", "coredns", "kube-proxy", "ebs-csi"]) named(prod, "aws:eks/addon:Addon", `pair-aws-${addon}`);
    });

    it("lets the EBS CSI driver create, list and revoke grants on the storage key only for AWS resources (AWS's documented customer-key policy)", () => {
        const storageKey = `arn:aws:kms:us-east-1:123456789012:key/${named(prod, "aws:kms/alias:Alias", "pair-aws-storage").inputs.targetKeyId}`;
        const statements = JSON.parse(named(prod, "aws:iam/rolePolicy:RolePolicy", "pair-aws-ebs-csi-irsa").inputs.policy).Statement;
        const grants = statements.filter((s: any) => s.Action.some((a: string) => /Grant/.test(a)));
        assert.deepEqual(grants.map((s: any) => [s.Action, s.Resource, s.Condition]), [
            [["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], [storageKey], { Bool: { "kms:GrantIsForAWSResource": "true" } }],
        ]);
        const use = statements.filter((s: any) => !grants.includes(s));
        assert.deepEqual(use.map((s: any) => [s.Resource, s.Condition]), [[[storageKey], undefined]], "key use is on the storage key alone");
    });

    it("makes an encrypted gp3 StorageClass the default, keyed to the cluster's storage key", () => {
        const sc = named(prod, "kubernetes:storage.k8s.io/v1:StorageClass", "pair-aws-gp3");
        assert.equal(sc.inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.equal(sc.inputs.parameters.type, "gp3");
        assert.equal(sc.inputs.parameters.encrypted, "true");
        assert.match(sc.inputs.parameters.kmsKeyId, /^arn:aws:kms:/);
        assert.match(sc.provider, /pair-aws-k8s/);
    });

    it("builds its kubeconfig with `aws eks get-token` and keeps it secret", () => {
        const provider = named(prod, "pulumi:providers:kubernetes", "pair-aws-k8s");
        assert.ok(provider.secretInputs.includes("kubeconfig"), "the kubeconfig is a secret input");
        const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
        assert.deepEqual(kubeconfig.users[0].user.exec.args.slice(0, 4), ["eks", "get-token", "--cluster-name", "finplat-prod-eks"]);
        assert.equal(kubeconfig.users[0].user.exec.command, "aws");
    });

    it("protects stateful resources in prod and not in dev", () => {
        const stateful = (ev: Evaluation): RecordedResource[] => [
            named(ev, EKS, "pair-aws-eks"),
            named(ev, "aws:kms/key:Key", "pair-aws-secrets"),
            named(ev, "aws:route53/zone:Zone", "pair-aws-zone"),
            named(ev, "aws:s3/bucket:Bucket", "pair-aws-backups"),
        ];
        stateful(prod).forEach((r) => assert.equal(r.protect, true, `${r.name} is protected in prod`));
        stateful(dev).forEach((r) => assert.equal(r.protect, false, `${r.name} is not protected in dev`));
        assert.equal(named(prod, EKS, "pair-aws-eks").inputs.deletionProtection, true);
        assert.equal(named(prod, "aws:s3/bucket:Bucket", "pair-aws-backups").retainOnDelete, true);
    });

    it("keeps the backup bucket private, versioned, KMS-encrypted and TLS-only", () => {
        const block = named(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pair-aws-backups");
        assert.deepEqual([block.inputs.blockPublicAcls, block.inputs.blockPublicPolicy, block.inputs.ignorePublicAcls, block.inputs.restrictPublicBuckets], [true, true, true, true]);
        assert.equal(named(prod, "aws:s3/bucketVersioning:BucketVersioning", "pair-aws-backups").inputs.versioningConfiguration.status, "Enabled");
        const sse = named(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "pair-aws-backups");
        assert.equal(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        const policy = JSON.parse(named(prod, "aws:s3/bucketPolicy:BucketPolicy", "pair-aws-backups").inputs.policy);
        assert.equal(policy.Statement[0].Condition.Bool["aws:SecureTransport"], "false");
        assert.equal(policy.Statement[0].Effect, "Deny");
    });
});
