import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import * as k8s from "@pulumi/kubernetes";
import {
    BackupStoreInfo,
    ForeignBackupAccess,
    ForeignReaderRequest,
    NodeAutoscaling,
    foreignStoreRead,
    ClusterHandle,
    PublicLoadBalancing,
    DnsZoneInfo,
    UnsealKeyInfo,
    WorkloadIdentity,
    WorkloadIdentityRequest,
} from "../cluster/contract";
import { ClusterComponent } from "../cluster/cluster-component";
import { ClusterArgs } from "../cluster/types";
import { AwsNetwork } from "./network";
import { AccessLogBucket } from "./access-log-bucket";
import { BackupBucket } from "./backup-bucket";
import { BackupReplication } from "./backup-replication";
import { STS_AUDIENCE, createIrsaRole, issuerHost } from "./irsa";
import { AwsPermissionScope } from "./permissions";
import { createEksNodeGroup } from "./node-group";
import { eksKubeconfig } from "./kubeconfig";
import { EKS_PUBLIC_LOAD_BALANCING } from "./load-balancer";

export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export interface AwsClusterArgs extends ClusterArgs {
    /** The AWS provider for the cluster's region; every child uses it. */
    provider: aws.Provider;
    region: string;
    /** EKS cluster name (plain string: IAM tag conditions embed it). */
    clusterName: string;
    /** "single" NAT gateway (cheap) or one per zone (survives a zone loss). */
    natGateways: "single" | "perZone";
    /** IAM role ARNs granted cluster-admin through EKS access entries. */
    adminRoleArns: string[];
    /** Days superseded objects of the backup stores (Velero, database archive) are kept. */
    backupVersionRetentionDays: number;
    /** Days the backup buckets' S3 server access logs are kept (default 365). */
    accessLogRetentionDays?: number;
    /** Copy the backup stores to this region (S3 replication); undefined keeps them in the cluster's region only. */
    backupReplicationRegion?: string;
    partition?: string;
}

/** EKS cluster with its network, keys, identities, DNS zone and backup bucket, behind the ClusterHandle contract. */
export class AwsCluster extends ClusterComponent implements ClusterHandle {
    public readonly cloud = "aws" as const;
    public readonly clusterName: pulumi.Output<string>;
    public readonly endpoint: pulumi.Output<string>;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    public readonly dns: DnsZoneInfo;
    public readonly backups: BackupStoreInfo;
    public readonly archive: BackupStoreInfo;
    public readonly unsealKey: UnsealKeyInfo;
    public readonly nodeAutoscaling: NodeAutoscaling;
    public readonly defaultStorageClass = "gp3-encrypted";
    public readonly publicLoadBalancing: PublicLoadBalancing = EKS_PUBLIC_LOAD_BALANCING;
    public readonly readiness: pulumi.Resource[];
    public readonly vpcId: pulumi.Output<string>;
    public readonly secretsKeyArn: pulumi.Output<string>;
    public readonly oidcProviderArn: pulumi.Output<string>;

    private readonly identityScope: AwsPermissionScope;
    private readonly oidcIssuerHost: pulumi.Output<string>;
    private readonly tags: Record<string, string>;
    private readonly awsProvider: aws.Provider;
    /** IAM allows one OIDC provider per issuer URL: the foreign issuers this cluster trusts, by issuer name. */
    private readonly foreignIssuers = new Map<string, aws.iam.OpenIdConnectProvider>();

    constructor(name: string, args: AwsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:aws:AwsCluster", name, args, args.provider, opts);
        this.tags = { ...args.tags, "eks-cluster": args.clusterName };
        this.awsProvider = args.provider;
        const parent = { parent: this };
        const stateful = { parent: this, protect: args.protect };
        const partition = args.partition ?? "aws";

        const network = new AwsNetwork(`${name}-net`, {
            cidr: args.networkCidr,
            zones: args.zones,
            natGateways: args.natGateways,
            clusterName: args.clusterName,
            tags: args.tags,
        }, parent);

        const key = (purpose: string, description: string) => {
            const k = new aws.kms.Key(`${name}-${purpose}`, {
                description,
                enableKeyRotation: true,
                rotationPeriodInDays: 365,
                deletionWindowInDays: 30,
                tags: this.tags,
            }, stateful);
            new aws.kms.Alias(`${name}-${purpose}`, { name: `alias/${args.clusterName}-${purpose}`, targetKeyId: k.keyId }, parent);
            return k;
        };
        const secretsKey = key("secrets", `EKS Secrets envelope encryption for ${args.clusterName}`);
        const storageKey = key("storage", `EBS volumes and backups of ${args.clusterName}`);
        const unsealKey = key("vault-unseal", `Vault auto-unseal for ${args.clusterName}`);

        const clusterRole = new aws.iam.Role(`${name}-cluster`, {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
            }),
            tags: this.tags,
        }, parent);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster`, {
            role: clusterRole.name,
            policyArn: `arn:${partition}:iam::aws:policy/AmazonEKSClusterPolicy`,
        }, parent);

        const cluster = new aws.eks.Cluster(`${name}-eks`, {
            name: args.clusterName,
            version: args.kubernetesVersion,
            roleArn: clusterRole.arn,
            vpcConfig: {
                subnetIds: network.privateSubnetIds,
                endpointPrivateAccess: true,
                endpointPublicAccess: args.endpoint.publicAccess,
                publicAccessCidrs: args.endpoint.publicAccess ? args.endpoint.allowedCidrs : undefined,
            },
            encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
            enabledClusterLogTypes: EKS_LOG_TYPES,
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            deletionProtection: args.protect,
            tags: this.tags,
        }, { ...stateful, dependsOn: [clusterPolicy] });

        this.oidcIssuerUrl = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
        this.oidcIssuerHost = issuerHost(this.oidcIssuerUrl);
        const oidcProvider = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
            url: this.oidcIssuerUrl,
            clientIdLists: [STS_AUDIENCE],
            tags: this.tags,
        }, parent);

        const zone = new aws.route53.Zone(`${name}-zone`, {
            name: args.dnsZoneName,
            comment: `Records published by ExternalDNS on ${args.clusterName}`,
            forceDestroy: false,
            tags: this.tags,
        }, stateful);

        // Every backup bucket logs its accesses into one dedicated bucket of its region.
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const accessLogRetentionDays = args.accessLogRetentionDays ?? 365;
        const accessLogs = new AccessLogBucket(`${name}-access-logs`, {
            retentionDays: accessLogRetentionDays,
            tags: this.tags,
            protect: args.protect,
            accountId,
        }, parent);
        const backupBucket = (key: string) => new BackupBucket(`${name}-${key}`, {
            kmsKeyArn: storageKey.arn,
            noncurrentVersionDays: args.backupVersionRetentionDays,
            tags: this.tags,
            protect: args.protect,
            accessLogs: { bucket: accessLogs.bucketName, prefix: `${key}/` },
        }, parent);
        const backups = backupBucket("backups");
        // The database's WAL and base backups: a bucket of their own, so Velero's identity never reaches them.
        const archive = backupBucket("pg-archive");
        accessLogs.admit([backups.bucketArn, archive.bucketArn]);
        if (args.backupReplicationRegion) {
            new BackupReplication(`${name}-replica`, {
                region: args.backupReplicationRegion,
                sourceRegion: args.region,
                sources: [
                    { key: "backups", bucket: backups, kmsKeyArn: storageKey.arn },
                    { key: "pg-archive", bucket: archive, kmsKeyArn: storageKey.arn },
                ],
                noncurrentVersionDays: args.backupVersionRetentionDays,
                accessLogRetentionDays,
                accountId,
                clusterName: args.clusterName,
                tags: this.tags,
                protect: args.protect,
            }, parent);
        }

        this.identityScope = {
            partition,
            clusterName: args.clusterName,
            clusterArn: cluster.arn,
            hostedZoneId: zone.zoneId,
            zoneName: args.dnsZoneName,
            backupBucket: backups.bucketName,
            backupKmsKeyArn: storageKey.arn,
            archiveBucket: archive.bucketName,
            archiveKmsKeyArn: storageKey.arn,
            unsealKeyArn: unsealKey.arn,
            ebsKmsKeyArn: storageKey.arn,
        };
        this.oidcProviderArn = oidcProvider.arn;

        const nodeRole = new aws.iam.Role(`${name}-node`, {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags: this.tags,
        }, parent);
        const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"].map((policy) =>
            new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: nodeRole.name, policyArn: `arn:${partition}:iam::aws:policy/${policy}` }, parent));

        // vpc-cni gets its own IRSA role instead of widening the node role.
        const cniIdentity = createIrsaRole(`${name}-vpc-cni`, this.irsaArgs({ namespace: "kube-system", serviceAccount: "aws-node", permissions: [] }, ["AmazonEKS_CNI_Policy"]), this.childOf(this));
        const vpcCni = new aws.eks.Addon(`${name}-vpc-cni`, {
            clusterName: cluster.name,
            addonName: "vpc-cni",
            serviceAccountRoleArn: cniIdentity.principalId,
            configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: this.tags,
        }, parent);
        const kubeProxy = new aws.eks.Addon(`${name}-kube-proxy`, {
            clusterName: cluster.name,
            addonName: "kube-proxy",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: this.tags,
        }, parent);

        const nodeGroups = (["system", "workload"] as const).map((pool) =>
            createEksNodeGroup(`${name}-${pool}`, {
                clusterName: cluster.name,
                clusterNameTag: args.clusterName,
                kubernetesVersion: args.kubernetesVersion,
                pool,
                spec: args.nodePools[pool],
                nodeRoleArn: nodeRole.arn,
                subnetIds: args.nodePools[pool].zones.map((z) => network.privateSubnetsByZone[z]),
                tags: this.tags,
            }, { parent: this, dependsOn: [...nodePolicies, vpcCni] }));

        const coreDns = new aws.eks.Addon(`${name}-coredns`, {
            clusterName: cluster.name,
            addonName: "coredns",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: this.tags,
        }, { parent: this, dependsOn: nodeGroups });
        const ebsIdentity = createIrsaRole(`${name}-ebs-csi`, this.irsaArgs(
            { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa", permissions: [{ kind: "block-storage" }] },
            ["service-role/AmazonEBSCSIDriverPolicy"],
        ), this.childOf(this));
        const ebsCsi = new aws.eks.Addon(`${name}-ebs-csi`, {
            clusterName: cluster.name,
            addonName: "aws-ebs-csi-driver",
            serviceAccountRoleArn: ebsIdentity.principalId,
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: this.tags,
        }, { parent: this, dependsOn: nodeGroups });

        args.adminRoleArns.forEach((principalArn, i) => {
            const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD", tags: this.tags }, parent);
            new aws.eks.AccessPolicyAssociation(`${name}-admin-${i}`, {
                clusterName: cluster.name,
                principalArn,
                policyArn: `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
                accessScope: { type: "cluster" },
            }, { parent: this, dependsOn: [entry] });
        });

        this.clusterName = cluster.name;
        this.endpoint = cluster.endpoint;
        this.kubeconfig = eksKubeconfig({
            clusterName: args.clusterName,
            region: args.region,
            endpoint: cluster.endpoint,
            certificateAuthority: cluster.certificateAuthority.apply((ca) => ca.data ?? ""),
        });
        this.provider = this.connect(this.kubeconfig, [vpcCni, kubeProxy, coreDns]);

        const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, {
            metadata: { name: this.defaultStorageClass, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", kmsKeyId: storageKey.arn, "csi.storage.k8s.io/fstype": "ext4" },
            reclaimPolicy: "Retain",
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        }, { parent: this, provider: this.provider, dependsOn: [ebsCsi] });

        this.dns = { provider: "route53", zoneName: args.dnsZoneName, zoneId: zone.zoneId, region: args.region, nameServers: zone.nameServers };
        this.backups = { provider: "aws", bucket: backups.bucketName, region: args.region, kmsKeyArn: storageKey.arn };
        this.archive = { provider: "aws", bucket: archive.bucketName, region: args.region, kmsKeyArn: storageKey.arn };
        this.unsealKey = { provider: "awskms", keyId: unsealKey.keyId, region: args.region };
        this.nodeAutoscaling = { mode: "cluster-autoscaler", cloudProvider: "aws", region: args.region, clusterName: args.clusterName };
        this.readiness = [cluster, ...nodeGroups, coreDns, ebsCsi, storageClass];
        this.vpcId = network.vpcId;
        this.secretsKeyArn = secretsKey.arn;

        this.registerClusterOutputs(this, { vpcId: this.vpcId });
    }

    grantWorkloadIdentity(name: string, request: WorkloadIdentityRequest): WorkloadIdentity {
        return createIrsaRole(name, this.irsaArgs(request), this.childOf(request.parent));
    }

    grantBackupReadAccess(name: string, request: ForeignReaderRequest): ForeignBackupAccess {
        const opts = this.childOf(request.parent);
        const read = foreignStoreRead(this, request.store);
        const foreignIssuer = this.trustForeignIssuer({ name: request.issuerName, url: request.issuerUrl });
        const identity = createIrsaRole(name, {
            namespace: request.namespace,
            serviceAccount: request.serviceAccount,
            permissions: [read.permission],
            oidcProviderArn: foreignIssuer.arn,
            oidcIssuerHost: issuerHost(request.issuerUrl),
            scope: this.identityScope,
            tags: this.tags,
        }, opts);
        return {
            provider: "aws",
            store: read.store,
            storageClass: this.defaultStorageClass,
            roleArn: identity.principalId,
            tokenAudience: STS_AUDIENCE,
        };
    }

    /**
     * IAM must trust a foreign cluster's issuer before a role can name it, and allows one OIDC
     * provider per issuer URL in an account: this cluster creates that one trust per foreign issuer,
     * named after the issuer (`<cluster>-trusts-<issuer>-issuer`), not after the grant that needs it
     * first, so it keeps its name whichever grants come and go. Every later call for the same issuer
     * returns it. `aliases`: names an existing stack gave it before (pass them on the first call).
     */
    trustForeignIssuer(issuer: { name: string; url: pulumi.Input<string> }, options: { aliases?: pulumi.Input<pulumi.Alias | string>[] } = {}): aws.iam.OpenIdConnectProvider {
        const existing = this.foreignIssuers.get(issuer.name);
        if (existing) return existing;
        const provider = new aws.iam.OpenIdConnectProvider(`${this.name}-trusts-${issuer.name}-issuer`, {
            url: issuer.url,
            clientIdLists: [STS_AUDIENCE],
            tags: this.tags,
        }, { ...this.childOf(this), ...(options.aliases?.length ? { aliases: options.aliases } : {}) });
        this.foreignIssuers.set(issuer.name, provider);
        return provider;
    }

    /** Options for identity resources: under `parent` (an add-on, or this cluster), always on this cluster's AWS provider. */
    private childOf(parent: pulumi.Resource = this) {
        return { parent, provider: this.awsProvider };
    }

    private irsaArgs(request: WorkloadIdentityRequest, managedPolicies: string[] = []) {
        return {
            ...request,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuerHost: this.oidcIssuerHost,
            scope: this.identityScope,
            tags: this.tags,
            managedPolicyArns: managedPolicies.map((p) => `arn:${this.identityScope.partition}:iam::aws:policy/${p}`),
        };
    }
}
