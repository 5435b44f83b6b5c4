/**
 * Every rule of the pack against small literal resources: at least one case
 * that passes and one that fails per rule (a test below checks the coverage).
 */
import { strict as assert } from "assert";
import { EnforcementLevel } from "@pulumi/policy";
import { Environment } from "../../policy/lib/guardrail";
import { policies } from "../../policy/policies";
import { UNKNOWN } from "../../commands/offline/harness";
import { FIELD_LISTS, gvk, typeToApiVersionKind, validateKubernetesObject } from "../support/k8s-schema";
import { TestResource, fake, formatViolation, runPolicy } from "./run-policies";

interface RuleCase {
    policy: string;
    title: string;
    /** One resource (resource policies) or a whole stack (stack policies). */
    resources: TestResource[];
    environment?: Environment;
    overrides?: Record<string, Record<string, unknown>>;
    /** Expected violations, as patterns matched in order; [] means the case passes. */
    expect: RegExp[];
    /** Level every violation must have. */
    level?: EnforcementLevel;
    /** The rule must not apply at all. */
    notApplicable?: boolean;
}

// ---- Kubernetes workloads --------------------------------------------------

const HARDENED = { runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const LIMITS = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } };

function container(overrides: Record<string, unknown> = {}) {
    return { name: "app", image: "ghcr.io/finplat/ledger:1.4.2", securityContext: HARDENED, resources: LIMITS, ...overrides };
}

function deployment(containers: Record<string, unknown>[], pod: Record<string, unknown> = {}, initContainers: Record<string, unknown>[] = []) {
    return fake("kubernetes:apps/v1:Deployment", {
        metadata: { name: "ledger", namespace: "finance" },
        spec: { replicas: 2, template: { metadata: { labels: { app: "ledger" } }, spec: { containers, initContainers, ...pod } } },
    }, { name: "ledger" });
}

function cronJob(containers: Record<string, unknown>[], initContainers: Record<string, unknown>[] = []) {
    return fake("kubernetes:batch/v1:CronJob", {
        metadata: { name: "reconcile" },
        spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers, initContainers } } } } },
    }, { name: "reconcile" });
}

function job(labels?: Record<string, unknown>, podLabels: Record<string, unknown> = {}) {
    return fake("kubernetes:batch/v1:Job", {
        metadata: { name: "retention", ...(labels ? { labels } : {}) },
        spec: { template: { metadata: { labels: podLabels }, spec: { restartPolicy: "Never", containers: [container()] } } },
    }, { name: "retention" });
}

const pdb = (spec: Record<string, unknown>) =>
    fake("kubernetes:policy/v1:PodDisruptionBudget", { metadata: { name: "ledger" }, spec: { selector: { matchLabels: { app: "ledger" } }, ...spec } }, { name: "ledger" });

function launchTemplate(overrides: Record<string, unknown>) {
    return fake("aws:ec2/launchTemplate:LaunchTemplate", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 100, volumeType: "gp3" } }],
        metadataOptions: { httpTokens: "required" },
        ...overrides,
    }, { name: "system-lt" });
}

const pod = (containers: Record<string, unknown>[]) => fake("kubernetes:core/v1:Pod", { metadata: { name: "debug" }, spec: { containers } }, { name: "debug" });

// ---- Clusters --------------------------------------------------------------

function eks(overrides: Record<string, unknown> = {}) {
    return fake("aws:eks/cluster:Cluster", {
        name: "finplat-prod-eks",
        version: "1.33",
        vpcConfig: { subnetIds: ["subnet-1", "subnet-2"], endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] },
        encryptionConfig: { provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/abc" }, resources: ["secrets"] },
        enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        tags: { environment: "prod" },
        ...overrides,
    }, { name: "pair-aws-eks", protect: true });
}

const aksPool = (name: string, zones: string[] | undefined) => ({ name, mode: "System", vmSize: "Standard_D4s_v5", availabilityZones: zones });

function aks(overrides: Record<string, unknown> = {}) {
    return fake("azure-native:containerservice:ManagedCluster", {
        resourceName: "finplat-prod-aks",
        agentPoolProfiles: [aksPool("system", ["1", "2", "3"])],
        networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkDataplane: "cilium", networkPolicy: "cilium" },
        aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: ["11111111-2222-3333-4444-555555555555"] },
        disableLocalAccounts: true,
        enableRBAC: true,
        tags: { environment: "prod" },
        ...overrides,
    }, { name: "pair-azure-aks", protect: true });
}

const agentPool = (zones: string[]) =>
    fake("azure-native:containerservice:AgentPool", { agentPoolName: "workload", mode: "User", availabilityZones: zones }, { name: "pair-azure-workload" });

// ---- Backup storage ----------------------------------------------------------

const BUCKET_URN = "urn:pulumi:test::dr-platform::aws:s3/bucket:Bucket::backups";

function bucketStack(opts: { sse?: boolean; pab?: Record<string, boolean> | false; versioning?: string | false; link?: "dependency" | "value" } = {}) {
    const link = opts.link ?? "dependency";
    const ref = (name: string, type: string, inputs: Record<string, unknown>) =>
        fake(type, { bucket: link === "value" ? "backups-1a2b3c" : "backups-id", ...inputs }, { name, dependencies: link === "dependency" ? [BUCKET_URN] : [] });
    const resources = [fake("aws:s3/bucket:Bucket", { bucket: "backups-1a2b3c", forceDestroy: false }, { name: "backups", protect: true })];
    if (opts.sse !== false) {
        resources.push(ref("backups-sse", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc" }, bucketKeyEnabled: true }],
        }));
    }
    if (opts.pab !== false) {
        resources.push(ref("backups-pab", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
            blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...opts.pab,
        }));
    }
    if (opts.versioning !== false) {
        resources.push(ref("backups-versioning", "aws:s3/bucketVersioning:BucketVersioning", { versioningConfiguration: { status: opts.versioning ?? "Enabled" } }));
    }
    return resources;
}

/** A backup bucket and, as asked, its access logging, its replication (KMS discipline or not), and the log bucket. */
function backupBucketStack(opts: { logging?: boolean; replication?: "kms" | "plain" | false; purpose?: string } = {}) {
    const logBucket = fake("aws:s3/bucket:Bucket", { bucket: "access-logs-9f8e", tags: { "bucket-purpose": "access-logs" } }, { name: "access-logs", protect: true });
    const resources = [
        fake("aws:s3/bucket:Bucket", { bucket: "backups-1a2b3c", tags: { "bucket-purpose": opts.purpose ?? "backup" } }, { name: "backups", protect: true }),
        logBucket,
    ];
    if (opts.logging !== false) {
        resources.push(fake("aws:s3/bucketLogging:BucketLogging", { bucket: "backups-1a2b3c", targetBucket: "access-logs-9f8e", targetPrefix: "backups/" }, { name: "backups-logging" }));
    }
    if (opts.replication) {
        const destination = { bucket: "arn:aws:s3:::backups-replica-7d6c", ...(opts.replication === "kms" ? { encryptionConfiguration: { replicaKmsKeyId: "arn:aws:kms:us-west-2:123456789012:key/r" } } : {}) };
        resources.push(fake("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {
            bucket: "backups-1a2b3c",
            role: "arn:aws:iam::123456789012:role/replication",
            rules: [{ id: "to-us-west-2", status: "Enabled", filter: {}, deleteMarkerReplication: { status: "Enabled" }, sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } }, destination }],
        }, { name: "backups-replication" }));
    }
    return resources;
}

function storageAccount(overrides: Record<string, unknown> = {}) {
    return fake("azure-native:storage:StorageAccount", {
        kind: "StorageV2", sku: { name: "Standard_ZRS" }, allowBlobPublicAccess: false, enableHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2", ...overrides,
    }, { name: "backupssa", protect: true });
}

const ACCOUNT_URN = "urn:pulumi:test::dr-platform::azure-native:storage:StorageAccount::backupssa";
const blobService = (inputs: Record<string, unknown>) =>
    fake("azure-native:storage:BlobServiceProperties", { accountName: "backupssa1234", blobServicesName: "default", ...inputs }, { name: "backups-blob", dependencies: [ACCOUNT_URN] });

// ---- Keys, DNS -------------------------------------------------------------------

const kmsKey = (inputs: Record<string, unknown>) => fake("aws:kms/key:Key", { description: "EKS secrets", deletionWindowInDays: 30, ...inputs }, { name: "pair-aws-secrets", protect: true });
const vaultKey = (properties: Record<string, unknown>) =>
    fake("azure-native:keyvault:Key", { keyName: "vault-unseal", vaultName: "kv1", properties: { kty: "RSA", keySize: 3072, ...properties } }, { name: "pair-azure-vault-unseal", protect: true });
const ROTATION = { attributes: { expiryTime: "P2Y" }, lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P1Y" } }] };

const record = (inputs: Record<string, unknown>) =>
    fake("aws:route53/record:Record", { zoneId: "Z123", name: "app.fin.example.com", type: "CNAME", ttl: 60, records: ["lb.example.com"], ...inputs }, { name: "app-primary" });

// ---- Identities -------------------------------------------------------------------------

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/abc";
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EKS0000";
const policyJson = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const rolePolicy = (...statements: Record<string, unknown>[]) =>
    fake("aws:iam/rolePolicy:RolePolicy", { role: "pair-aws-ebs-csi-irsa-1a2b3c", policy: policyJson(...statements) }, { name: "pair-aws-ebs-csi-irsa" });
const GRANTS = { Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: [KEY_ARN] };
const FOR_AWS_RESOURCES = { Bool: { "kms:GrantIsForAWSResource": "true" } };
const trust = (condition: Record<string, unknown>, principal: unknown = { Federated: `arn:aws:iam::123456789012:oidc-provider/${ISSUER}` }) =>
    fake("aws:iam/role:Role", {
        assumeRolePolicy: policyJson({ Effect: "Allow", Principal: principal, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition }),
    }, { name: "pair-aws-velero-irsa" });
const PINNED = { StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:velero:velero-server", [`${ISSUER}:aud`]: "sts.amazonaws.com" } };
const fic = (inputs: Record<string, unknown>) => fake("azure-native:managedidentity:FederatedIdentityCredential", {
    issuer: "https://westus3.oic.prod-aks.azure.com/tenant/guid/", subject: "system:serviceaccount:velero:velero-server", audiences: ["api://AzureADTokenExchange"], ...inputs,
}, { name: "pair-azure-velero-fic" });
const SUBSCRIPTION = "/subscriptions/00000000-1111-2222-3333-444444444444";
const assignment = (role: string, scope: string) => fake("azure-native:authorization:RoleAssignment", {
    principalId: "p", principalType: "ServicePrincipal", roleDefinitionId: `${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${role}`, scope,
}, { name: "pair-azure-velero-grant" });
const CONTAINER = `${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa/blobServices/default/containers/velero`;
const BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
// ---- Ingress layer -------------------------------------------------------------

const HOST = "app.aws.fin.example.com";
const ingress = (spec: Record<string, unknown>, annotations: Record<string, string> = {}, name = "app") =>
    fake("kubernetes:networking.k8s.io/v1:Ingress", { metadata: { name, namespace: "financial-app", annotations }, spec: { ingressClassName: "nginx", ...spec } }, { name });
const rule = (host?: string) => ({ ...(host ? { host } : {}), http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "app", port: { name: "https" } } } }] } });
const listener = (name: string, protocol: string, extra: Record<string, unknown> = {}) => ({ name, protocol, port: protocol === "HTTP" ? 80 : 443, hostname: HOST, ...extra });
const TLS_LISTENER = listener("https-cluster", "HTTPS", { tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "public-gateway-tls" }] } });
const gateway = (listeners: Record<string, unknown>[]) =>
    fake("kubernetes:gateway.networking.k8s.io/v1:Gateway", { metadata: { name: "public", namespace: "envoy-gateway-system" }, spec: { gatewayClassName: "envoy-gateway", listeners } }, { name: "public-gateway" });
const route = (parentRefs: Record<string, unknown>[]) =>
    fake("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", { metadata: { name: "app", namespace: "financial-app" }, spec: { parentRefs, hostnames: [HOST] } }, { name: "app-route" });
const parent = (sectionName?: string) => ({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "envoy-gateway-system", ...(sectionName ? { sectionName } : {}) });

const CASES: RuleCase[] = [
    // images-no-latest-tag
    { policy: "images-no-latest-tag", title: "a version tag passes", resources: [deployment([container()])], expect: [] },
    { policy: "images-no-latest-tag", title: "a digest without a tag passes", resources: [pod([container({ image: `ghcr.io/finplat/ledger@sha256:${"0123456789abcdef".repeat(4)}` })])], expect: [] },
    {
        policy: "images-no-latest-tag", title: "a malformed digest does not pin", environment: "prod", level: "mandatory",
        resources: [pod([container({ image: "ghcr.io/finplat/ledger@sha256:0123456789abcdef" })])], expect: [/image "ghcr.io\/finplat\/ledger@sha256:0123456789abcdef" digest "sha256:0123456789abcdef" is not sha256:<64 hex>/],
    },
    { policy: "images-no-latest-tag", title: "a registry port is not a tag", resources: [deployment([container({ image: "registry.fin.example.com:5000/ledger:2.0.0" })])], expect: [] },
    {
        policy: "images-no-latest-tag", title: "latest in prod is mandatory", environment: "prod", level: "mandatory",
        resources: [deployment([container({ image: "ghcr.io/finplat/ledger:latest" })])], expect: [/container "app" image "ghcr.io\/finplat\/ledger:latest" uses the mutable "latest" tag/],
    },
    {
        policy: "images-no-latest-tag", title: "an untagged init container of a CronJob fails; advisory in dev", environment: "dev", level: "advisory",
        resources: [cronJob([container()], [container({ name: "migrate", image: "busybox" })])], expect: [/initContainer "migrate" image "busybox" has no tag/],
    },
    { policy: "images-no-latest-tag", title: "not a workload: not applicable", resources: [eks()], expect: [], notApplicable: true },

    // images-allowed-registries
    {
        policy: "images-allowed-registries", title: "the registries of the generated prod config pass (the stack's and the platform's)", environment: "prod",
        resources: [deployment([container({ image: "registry.fin.example.com/ledger:1.4.2" }), container({ name: "pause", image: "registry.k8s.io/pause:3.10" }), container({ name: "debug", image: "busybox:1.37.0" })])], expect: [],
    },
    {
        policy: "images-allowed-registries", title: "prod config: Docker Hub outside the platform's path prefixes fails", environment: "prod",
        resources: [deployment([container({ image: "nginx:1.27" })])], expect: [/image "nginx:1.27" comes from docker.io/],
    },
    {
        policy: "images-allowed-registries", title: "without a pack config no registry is allowed, and the violation says how to configure it",
        resources: [deployment([container({ image: "registry.k8s.io/pause:3.10" })])], expect: [/no allowed registries are configured; run with --policy-pack-config/],
    },
    {
        policy: "images-allowed-registries", title: "a configured wildcard registry passes",
        overrides: { "images-allowed-registries": { allowedRegistries: ["123456789012.dkr.ecr.*.amazonaws.com"] } },
        resources: [deployment([container({ image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ledger:1.0.0" })])], expect: [],
    },
    {
        policy: "images-allowed-registries", title: "an unknown registry fails, also for init containers", environment: "dev", level: "mandatory",
        resources: [deployment([container({ image: "evil.example.net/ledger:1.0" })], {}, [container({ name: "init", image: "docker.io.evil.example.net/x:1" })])],
        expect: [/container "app" image "evil.example.net\/ledger:1.0" comes from evil.example.net/, /initContainer "init" .* comes from docker.io.evil.example.net/],
    },
    {
        policy: "images-allowed-registries", title: "a hand-written entry is compared as validation normalizes it (case, trailing slash)",
        overrides: { "images-allowed-registries": { allowedRegistries: ["GHCR.io/finplat/", " "] } },
        resources: [deployment([container({ image: "ghcr.io/finplat/ledger:1.0" })])], expect: [],
    },
    {
        policy: "images-allowed-registries", title: "a path prefix entry does not admit its siblings",
        overrides: { "images-allowed-registries": { allowedRegistries: ["ghcr.io/finplat"] } },
        resources: [deployment([container({ image: "ghcr.io/finplat-evil/ledger:1.0" })])], expect: [/comes from ghcr.io/],
    },

    // container-security-context
    { policy: "container-security-context", title: "hardened containers pass", resources: [deployment([container()], {}, [container({ name: "migrate" })])], expect: [] },
    {
        policy: "container-security-context", title: "runAsNonRoot on the pod is enough",
        resources: [deployment([container({ securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ["all"] } } })], { securityContext: { runAsNonRoot: true, runAsUser: 10001 } })], expect: [],
    },
    {
        policy: "container-security-context", title: "a bare container fails all three checks", environment: "prod", level: "mandatory",
        resources: [deployment([container({ securityContext: undefined })])],
        expect: [/container "app": runAsNonRoot is not true.*; readOnlyRootFilesystem is not true; capabilities.drop does not include ALL/],
    },
    {
        policy: "container-security-context", title: "an init container running as root fails",
        resources: [cronJob([container()], [container({ name: "chown", securityContext: { ...HARDENED, runAsNonRoot: false, runAsUser: 0 } })])],
        expect: [/initContainer "chown": runAsNonRoot is not true.*; runAsUser is 0/],
    },

    // container-resource-limits
    { policy: "container-resource-limits", title: "a memory limit passes by default", resources: [deployment([container()])], expect: [] },
    {
        policy: "container-resource-limits", title: "no limits fails; advisory in dev", environment: "dev", level: "advisory",
        resources: [deployment([container({ resources: { requests: { cpu: "100m" } } })])], expect: [/container "app" has no memory limit/],
    },
    {
        policy: "container-resource-limits", title: "requiredLimits can demand CPU limits",
        overrides: { "container-resource-limits": { requiredLimits: ["cpu", "memory"] } },
        resources: [pod([container()])], expect: [/container "app" has no cpu limit/],
    },

    // EKS
    { policy: "eks-secrets-encryption", title: "KMS-encrypted Secrets pass", resources: [eks()], expect: [] },
    { policy: "eks-secrets-encryption", title: "no encryptionConfig fails", resources: [eks({ encryptionConfig: undefined })], expect: [/no encryptionConfig/] },
    {
        policy: "eks-secrets-encryption", title: "encryption of other resources only fails",
        resources: [eks({ encryptionConfig: [{ provider: { keyArn: "arn:aws:kms:us-east-1:1:key/x" }, resources: ["configmaps"] }] })], expect: [/does not include "secrets"/],
    },
    { policy: "eks-control-plane-logging", title: "all five log types pass", resources: [eks()], expect: [] },
    {
        policy: "eks-control-plane-logging", title: "missing log types fail; mandatory in prod", environment: "prod", level: "mandatory",
        resources: [eks({ enabledClusterLogTypes: ["api", "audit"] })], expect: [/not enabled: authenticator, controllerManager, scheduler/],
    },
    { policy: "eks-public-endpoint-restricted", title: "a restricted public endpoint passes", resources: [eks()], expect: [] },
    {
        policy: "eks-public-endpoint-restricted", title: "a private-only endpoint passes",
        resources: [eks({ vpcConfig: { subnetIds: ["s"], endpointPrivateAccess: true, endpointPublicAccess: false } })], expect: [],
    },
    {
        policy: "eks-public-endpoint-restricted", title: "0.0.0.0/0 in prod is mandatory", environment: "prod", level: "mandatory",
        resources: [eks({ vpcConfig: { subnetIds: ["s"], endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } })], expect: [/open to 0.0.0.0\/0/],
    },
    {
        policy: "eks-public-endpoint-restricted", title: "a public endpoint with no CIDRs is open (AWS default); advisory in dev", environment: "dev", level: "advisory",
        resources: [eks({ vpcConfig: { subnetIds: ["s"] } })], expect: [/lists no publicAccessCidrs/],
    },

    // AKS
    { policy: "aks-zone-redundant-pools", title: "three-zone pools pass", resources: [aks(), agentPool(["1", "2", "3"])], expect: [] },
    {
        policy: "aks-zone-redundant-pools", title: "a single-zone or zoneless pool fails",
        resources: [aks({ agentPoolProfiles: [aksPool("system", ["1"]), aksPool("extra", undefined)] }), agentPool([])],
        expect: [/agent pool "system" spans 1 zone/, /agent pool "extra" has no availabilityZones/, /AgentPool "pair-azure-workload" has no availabilityZones/],
    },
    { policy: "aks-network-policy", title: "cilium passes", resources: [aks()], expect: [] },
    { policy: "aks-network-policy", title: "no network policy fails", resources: [aks({ networkProfile: { networkPlugin: "kubenet" } })], expect: [/networkPolicy is not set/] },
    { policy: "aks-network-policy", title: "networkPolicy none fails", resources: [aks({ networkProfile: { networkPlugin: "azure", networkPolicy: "none" } })], expect: [/networkPolicy is not set/] },
    { policy: "aks-entra-id-rbac", title: "managed Entra ID with Azure RBAC passes", resources: [aks()], expect: [] },
    {
        policy: "aks-entra-id-rbac", title: "legacy AAD without Azure RBAC fails",
        resources: [aks({ aadProfile: { managed: false }, enableRBAC: false })], expect: [/managed is not true/, /enableAzureRBAC is not true/, /enableRBAC is false/],
    },
    { policy: "aks-local-accounts-disabled", title: "disabled local accounts pass", resources: [aks()], expect: [] },
    {
        policy: "aks-local-accounts-disabled", title: "local accounts in prod are mandatory", environment: "prod", level: "mandatory",
        resources: [aks({ disableLocalAccounts: false })], expect: [/disableLocalAccounts is not true/],
    },
    {
        policy: "aks-local-accounts-disabled", title: "local accounts in dev are advisory", environment: "dev", level: "advisory",
        resources: [aks({ disableLocalAccounts: undefined })], expect: [/disableLocalAccounts is not true/],
    },

    // S3
    { policy: "s3-bucket-hardened", title: "a bucket with its three companions passes", resources: bucketStack(), expect: [] },
    { policy: "s3-bucket-hardened", title: "companions matched by bucket name pass", resources: bucketStack({ link: "value" }), expect: [] },
    {
        policy: "s3-bucket-hardened", title: "unknown bucket ids (preview) still match through dependencies",
        resources: bucketStack().map((r) => (r.type === "aws:s3/bucket:Bucket" ? { ...r, inputs: { ...r.inputs, bucket: UNKNOWN } } : { ...r, inputs: { ...r.inputs, bucket: UNKNOWN } })),
        expect: [],
    },
    { policy: "s3-bucket-hardened", title: "no versioning fails", resources: bucketStack({ versioning: false }), expect: [/Bucket "backups": no BucketVersioning with status Enabled/] },
    { policy: "s3-bucket-hardened", title: "suspended versioning fails", resources: bucketStack({ versioning: "Suspended" }), expect: [/no BucketVersioning with status Enabled/] },
    {
        policy: "s3-bucket-hardened", title: "a partial public access block and no encryption fail",
        resources: bucketStack({ sse: false, pab: { restrictPublicBuckets: false } }), expect: [/no BucketServerSideEncryptionConfiguration.*; BucketPublicAccessBlock does not set all/],
    },
    {
        policy: "s3-bucket-hardened", title: "companions of another bucket do not count",
        resources: [...bucketStack(), fake("aws:s3/bucket:Bucket", { bucket: "other-9z" }, { name: "other" })], expect: [/Bucket "other": no BucketServerSideEncryption.*no BucketPublicAccessBlock.*no BucketVersioning/],
    },

    { policy: "s3-backup-bucket-access-logged", title: "a backup bucket logging into the access-log bucket passes (the log bucket itself is exempt)", resources: backupBucketStack(), expect: [] },
    { policy: "s3-backup-bucket-access-logged", title: "a backup bucket without access logging fails", resources: backupBucketStack({ logging: false }), expect: [/Bucket "backups": no BucketLogging/] },
    { policy: "s3-backup-bucket-access-logged", title: "an untagged bucket counts as a backup bucket", resources: backupBucketStack({ logging: false, purpose: "" }).map((r) => (r.name === "backups" ? { ...r, inputs: { bucket: "backups-1a2b3c" } } : r)), expect: [/Bucket "backups": no BucketLogging/] },
    { policy: "s3-backup-bucket-replicated", title: "prod: a backup bucket replicated with a KMS key passes", resources: backupBucketStack({ replication: "kms" }), expect: [] },
    { policy: "s3-backup-bucket-replicated", title: "prod: a backup bucket without replication fails", resources: backupBucketStack(), expect: [/Bucket "backups": no BucketReplicationConfig/] },
    { policy: "s3-backup-bucket-replicated", title: "prod: replication that does not re-encrypt with KMS fails", resources: backupBucketStack({ replication: "plain" }), expect: [/replication has no enabled rule that copies KMS-encrypted objects/] },
    { policy: "s3-backup-bucket-replicated", title: "a replica bucket need not replicate itself", resources: backupBucketStack({ purpose: "backup-replica" }), expect: [], notApplicable: true },
    { policy: "s3-backup-bucket-replicated", title: "dev keeps its backups in one region", resources: backupBucketStack(), environment: "dev", expect: [], notApplicable: true },

    // Azure storage
    { policy: "storage-account-hardened", title: "a private TLS 1.2 HTTPS-only account passes", resources: [storageAccount()], expect: [] },
    {
        policy: "storage-account-hardened", title: "public blobs, HTTP and TLS 1.0 fail",
        resources: [storageAccount({ allowBlobPublicAccess: true, enableHttpsTrafficOnly: false, minimumTlsVersion: "TLS1_0" })],
        expect: [/allowBlobPublicAccess is not false; enableHttpsTrafficOnly is not true; minimumTlsVersion is "TLS1_0"/],
    },
    { policy: "storage-account-hardened", title: "unset settings fail (explicit is required)", resources: [storageAccount({ allowBlobPublicAccess: undefined, minimumTlsVersion: undefined })], expect: [/allowBlobPublicAccess is not false; minimumTlsVersion is null/] },
    { policy: "storage-blob-recovery", title: "versioning passes", resources: [storageAccount(), blobService({ isVersioningEnabled: true })], expect: [] },
    { policy: "storage-blob-recovery", title: "soft delete alone passes", resources: [storageAccount(), blobService({ deleteRetentionPolicy: { enabled: true, days: 14 } })], expect: [] },
    { policy: "storage-blob-recovery", title: "no BlobServiceProperties fails", resources: [storageAccount()], expect: [/StorageAccount "backupssa": no BlobServiceProperties/] },
    {
        policy: "storage-blob-recovery", title: "BlobServiceProperties without versioning or retention fails",
        resources: [storageAccount(), blobService({ isVersioningEnabled: false, deleteRetentionPolicy: { enabled: false } })], expect: [/enables neither versioning nor delete retention/],
    },

    // Keys
    { policy: "kms-key-rotation", title: "a rotating key passes", resources: [kmsKey({ enableKeyRotation: true, rotationPeriodInDays: 365 })], expect: [] },
    { policy: "kms-key-rotation", title: "a key without rotation fails", resources: [kmsKey({})], expect: [/enableKeyRotation is not true/] },
    { policy: "kms-key-rotation", title: "asymmetric keys cannot rotate: not applicable", resources: [kmsKey({ customerMasterKeySpec: "RSA_4096", keyUsage: "SIGN_VERIFY" })], expect: [], notApplicable: true },
    { policy: "keyvault-key-rotation", title: "a rotation policy with a rotate action passes", resources: [vaultKey({ rotationPolicy: ROTATION })], expect: [] },
    { policy: "keyvault-key-rotation", title: "no rotation policy fails", resources: [vaultKey({})], expect: [/no properties.rotationPolicy/] },
    {
        policy: "keyvault-key-rotation", title: "a notify-only policy fails",
        resources: [vaultKey({ rotationPolicy: { lifetimeActions: [{ action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } }] } })], expect: [/no lifetime action of type "rotate"/],
    },

    // Protection
    { policy: "stateful-resources-protected", title: "a protected prod cluster passes", environment: "prod", resources: [eks(), aks(), kmsKey({ enableKeyRotation: true })], expect: [] },
    {
        policy: "stateful-resources-protected", title: "an unprotected prod bucket and resource group fail", environment: "prod", level: "mandatory",
        resources: [
            fake("aws:s3/bucket:Bucket", { bucket: "b" }, { name: "backups", protect: false }),
            fake("azure-native:resources:ResourceGroup", { location: "westus3" }, { name: "pair-azure-rg" }),
        ],
        expect: [/Bucket "backups" is not protected/, /ResourceGroup "pair-azure-rg" is not protected/],
    },
    { policy: "stateful-resources-protected", title: "dev is not protected by design: not applicable", environment: "dev", resources: [fake("aws:route53/zone:Zone", { name: "aws.dev.fin.example.com" })], expect: [], notApplicable: true },
    { policy: "stateful-resources-protected", title: "stateless resources are not applicable", environment: "prod", resources: [fake("aws:iam/role:Role", {})], expect: [], notApplicable: true },

    // Failover
    { policy: "route53-failover-health-check", title: "a failover record with a health check passes", resources: [record({ setIdentifier: "aws", failoverRoutingPolicies: [{ type: "PRIMARY" }], healthCheckId: "hc-1" })], expect: [] },
    { policy: "route53-failover-health-check", title: "a health check known only after deploy passes", resources: [record({ setIdentifier: "aws", failoverRoutingPolicies: [{ type: "PRIMARY" }], healthCheckId: UNKNOWN })], expect: [] },
    { policy: "route53-failover-health-check", title: "a failover record without a health check fails", resources: [record({ setIdentifier: "azure", failoverRoutingPolicies: [{ type: "SECONDARY" }] })], expect: [/failover record without a healthCheckId/] },
    { policy: "route53-failover-health-check", title: "a simple record is not applicable", resources: [record({})], expect: [], notApplicable: true },

    // Identities
    { policy: "iam-kms-grant-for-aws-resource", title: "grants only for AWS resources pass", resources: [rolePolicy({ ...GRANTS, Condition: FOR_AWS_RESOURCES })], expect: [] },
    { policy: "iam-kms-grant-for-aws-resource", title: "a policy known only after deploy passes (checked on the next preview and by the test suite)", resources: [fake("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: UNKNOWN })], expect: [] },
    { policy: "iam-kms-grant-for-aws-resource", title: "a grant without the AWS-resource condition fails", resources: [rolePolicy(GRANTS)], expect: [/statement 0 allows kms:CreateGrant without Bool kms:GrantIsForAWSResource "true"/] },
    { policy: "iam-kms-grant-for-aws-resource", title: "kms:* grants CreateGrant too", resources: [rolePolicy({ Effect: "Allow", Action: "kms:*", Resource: KEY_ARN })], expect: [/allows kms:CreateGrant/] },
    {
        policy: "iam-kms-grant-for-aws-resource", title: "a key policy's account-root statement delegates to IAM and passes; a role named in it does not",
        resources: [fake("aws:kms/key:Key", { policy: policyJson(
            { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
            { Sid: "Ebs", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/ebs" }, Action: "kms:CreateGrant", Resource: "*" },
        ) }, { name: "pair-aws-storage" })],
        expect: [/statement Ebs allows kms:CreateGrant/],
    },
    { policy: "iam-web-identity-trust-pinned", title: "sub and aud pinned with StringEquals pass", resources: [trust(PINNED)], expect: [] },
    { policy: "iam-web-identity-trust-pinned", title: "a trust without sub fails", resources: [trust({ StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } })], expect: [/does not pin .*EKS0000:sub to exactly one value/] },
    {
        policy: "iam-web-identity-trust-pinned", title: "a wildcard sub (StringLike) fails",
        resources: [trust({ StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${ISSUER}:sub`]: "system:serviceaccount:velero:*" } })],
        expect: [/does not pin .*:sub/],
    },
    { policy: "iam-web-identity-trust-pinned", title: "a trust open to every principal fails", resources: [trust({}, "*")], expect: [/trusts every principal/] },
    { policy: "azure-federated-credential-pinned", title: "one issuer, one subject, the token-exchange audience pass", resources: [fic({})], expect: [] },
    { policy: "azure-federated-credential-pinned", title: "an issuer known only after deploy passes", resources: [fic({ issuer: UNKNOWN })], expect: [] },
    { policy: "azure-federated-credential-pinned", title: "a second audience fails", resources: [fic({ audiences: ["api://AzureADTokenExchange", "other"] })], expect: [/audiences must be exactly \["api:\/\/AzureADTokenExchange"\]/] },
    { policy: "azure-federated-credential-pinned", title: "a claims expression instead of a subject fails", resources: [fic({ subject: undefined, claimsMatchingExpression: { value: "claims['sub'] matches 'system:serviceaccount:velero:*'", languageVersion: 1 } })], expect: [/claimsMatchingExpression matches many subjects/, /subject must be one exact subject, not undefined/] },
    { policy: "azure-role-assignment-scoped", title: "a data role on a container passes", resources: [assignment(BLOB_CONTRIBUTOR, CONTAINER)], expect: [] },
    { policy: "azure-role-assignment-scoped", title: "a role on a resource group fails", resources: [assignment(BLOB_CONTRIBUTOR, `${SUBSCRIPTION}/resourceGroups/rg`)], expect: [/is a subscription or resource group/] },
    { policy: "azure-role-assignment-scoped", title: "Contributor fails, even on a resource", resources: [assignment("b24988ac-6180-42a0-ab88-20f7382dd24c", CONTAINER)], expect: [/assigns Contributor/] },
    // Security layers on every cluster
    { policy: "security-layers-installed", title: "prod: Kyverno (denying) and Falco on both clusters pass", environment: "prod", resources: [...clusterPlatform("aws"), ...clusterPlatform("azure")], expect: [] },
    {
        policy: "security-layers-installed", title: "prod: a cluster without Falco, and Kyverno policies that only audit, fail", environment: "prod", level: "mandatory",
        resources: [...clusterPlatform("aws"), ...clusterPlatform("azure", { charts: ["vault", "kyverno"], actions: ["Audit", "Warn"] })],
        expect: [/Cluster pair-azure-k8s has no falco release/, /Kyverno policy restrict-image-registries only Audit\/Warns in prod; it must Deny/],
    },
    {
        policy: "security-layers-installed", title: "dev: a cluster without Kyverno is reported as advisory", environment: "dev", level: "advisory",
        resources: [...clusterPlatform("aws", { charts: ["vault", "falco"] }), ...clusterPlatform("azure")], expect: [/Cluster pair-aws-k8s has no kyverno release/],
    },
    { policy: "security-layers-installed", title: "a stack without Helm releases is not applicable", environment: "prod", resources: [eks()], expect: [], notApplicable: true },
    // Ingress layer
    {
        policy: "ingress-tls-required", title: "an Ingress with TLS for every host and its nginx canary (TLS inherited) pass",
        resources: [ingress({ tls: [{ hosts: [HOST], secretName: "app-tls" }], rules: [rule(HOST)] }), ingress({ rules: [rule(HOST)] }, { "nginx.ingress.kubernetes.io/canary": "true" }, "app-canary")], expect: [],
    },
    {
        policy: "ingress-tls-required", title: "an Ingress host outside its TLS section, or a host-less rule, fails",
        resources: [ingress({ tls: [{ hosts: [HOST], secretName: "app-tls" }], rules: [rule(HOST), rule("app.fin.example.com"), rule()] })],
        expect: [/Ingress "app": host app\.fin\.example\.com is not in a TLS section with a secretName; a rule without a host is served without TLS/],
    },
    { policy: "ingress-tls-required", title: "an HTTPRoute on the Gateway's HTTPS listener passes", resources: [gateway([TLS_LISTENER]), route([parent("https-cluster")])], expect: [] },
    {
        policy: "ingress-tls-required", title: "an HTTPS listener without a certificate fails", level: "mandatory", environment: "dev",
        resources: [gateway([listener("https-cluster", "HTTPS", { tls: { mode: "Terminate" } })])], expect: [/Gateway "public-gateway": listener https-cluster \(HTTPS\) names no certificateRefs/],
    },
    {
        policy: "ingress-tls-required", title: "an HTTPRoute attached to a plain-HTTP listener, by section or by the whole Gateway, fails",
        resources: [gateway([TLS_LISTENER, listener("http", "HTTP")]), route([parent("http")]), { ...route([parent()]), name: "app-route-2", urn: "urn:pulumi:test::dr-platform::route2" }],
        expect: [/HTTPRoute "app-route": attaches to listeners without TLS: public\/http \(HTTP\)/, /HTTPRoute "app-route-2": attaches to listeners without TLS: public\/http \(HTTP\)/],
    },
    { policy: "ingress-tls-required", title: "no Ingress, Gateway or HTTPRoute: not applicable", resources: [eks()], expect: [], notApplicable: true },
    { policy: "gateway-no-plain-http-listener", title: "HTTPS-only listeners pass", resources: [gateway([TLS_LISTENER])], expect: [] },
    {
        policy: "gateway-no-plain-http-listener", title: "a plain-HTTP listener is mandatory in prod", environment: "prod", level: "mandatory",
        resources: [gateway([TLS_LISTENER, listener("http", "HTTP")])], expect: [/Gateway "public-gateway": plain-HTTP listener\(s\) http:80/],
    },
    {
        policy: "gateway-no-plain-http-listener", title: "a plain-HTTP (redirect) listener is advisory in dev", environment: "dev", level: "advisory",
        resources: [gateway([TLS_LISTENER, listener("http", "HTTP")])], expect: [/plain-HTTP listener/],
    },

    // Environment guard
    {
        policy: "policy-environment-matches-stack", title: "prod config on prod-tagged resources passes", environment: "prod",
        resources: [eks(), aks(), fake("kubernetes:core/v1:Namespace", { metadata: { name: "finance" } })], expect: [],
    },
    {
        policy: "policy-environment-matches-stack", title: "dev config on a prod stack fails", environment: "dev", level: "mandatory",
        resources: [eks(), aks()], expect: [/runs with environment "dev", but 2 resource\(s\) are tagged environment=prod .*config.prod.json/],
    },
    {
        policy: "policy-environment-matches-stack", title: "no config at all on a dev stack fails (the default is prod)",
        resources: [eks({ tags: { environment: "dev" } })], expect: [/runs with environment "prod"/],
    },

    // Kubernetes objects (adopted from the compliance-ready Kubernetes rules)
    {
        policy: "kubernetes-recommended-labels", title: "a Job labelled on its own metadata passes, whatever other labels it has",
        resources: [job({ "app.kubernetes.io/name": "retention", "app.kubernetes.io/part-of": "platform", track: "stable" })], expect: [],
    },
    {
        policy: "kubernetes-recommended-labels", title: "a Job labelled only on its pod template fails; mandatory in prod", environment: "prod", level: "mandatory",
        resources: [job(undefined, { "app.kubernetes.io/name": "retention", "app.kubernetes.io/part-of": "platform" })], expect: [/Job "retention" has no app.kubernetes.io\/name, app.kubernetes.io\/part-of label/],
    },
    {
        policy: "kubernetes-recommended-labels", title: "a Service without part-of fails; advisory in dev", environment: "dev", level: "advisory",
        resources: [fake("kubernetes:core/v1:Service", { metadata: { name: "ledger", labels: { "app.kubernetes.io/name": "ledger" } }, spec: { ports: [{ port: 443 }] } }, { name: "ledger" })],
        expect: [/Service "ledger" has no app.kubernetes.io\/part-of label/],
    },
    {
        policy: "kubernetes-recommended-labels", title: "labels computed at deploy time pass a preview",
        resources: [job({ "app.kubernetes.io/name": UNKNOWN, "app.kubernetes.io/part-of": "platform" })], expect: [],
    },
    { policy: "kubernetes-recommended-labels", title: "a ConfigMap is not applicable", resources: [fake("kubernetes:core/v1:ConfigMap", { metadata: { name: "c" } })], expect: [], notApplicable: true },
    { policy: "pdb-allows-voluntary-disruption", title: "maxUnavailable 1 passes", resources: [pdb({ maxUnavailable: 1 })], expect: [] },
    { policy: "pdb-allows-voluntary-disruption", title: "minAvailable 50% passes", resources: [pdb({ minAvailable: "50%" })], expect: [] },
    { policy: "pdb-allows-voluntary-disruption", title: "maxUnavailable 0 fails", resources: [pdb({ maxUnavailable: 0 })], expect: [/maxUnavailable 0 allows no eviction/] },
    { policy: "pdb-allows-voluntary-disruption", title: "maxUnavailable \"0%\" fails", resources: [pdb({ maxUnavailable: "0%" })], expect: [/maxUnavailable "0%" allows no eviction/] },
    { policy: "pdb-allows-voluntary-disruption", title: "minAvailable 100% fails", resources: [pdb({ minAvailable: "100%" })], expect: [/minAvailable "100%" allows no eviction/] },

    // EC2 launch templates (adopted from the compliance-ready AWS rules)
    { policy: "launch-template-hardened", title: "encrypted root volume, no public IP passes", resources: [launchTemplate({})], expect: [] },
    {
        policy: "launch-template-hardened", title: "an unencrypted volume and a public IP fail",
        resources: [launchTemplate({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false", volumeSize: 100 } }], networkInterfaces: [{ associatePublicIpAddress: "true" }] })],
        expect: [/EBS device \/dev\/xvda is not encrypted/, /gets a public IP address/],
    },

    // Azure API versions (adopted from the compliance-ready Azure rules)
    { policy: "azure-stable-api-versions", title: "the module's default (stable) version passes", resources: [aks()], expect: [] },
    { policy: "azure-stable-api-versions", title: "an explicit stable version passes", resources: [fake("azure-native:containerservice/v20240801:ManagedCluster", {})], expect: [] },
    {
        policy: "azure-stable-api-versions", title: "a preview version fails; advisory in dev", environment: "dev", level: "advisory",
        resources: [fake("azure-native:containerservice/v20250102preview:ManagedCluster", {}, { name: "aks" })], expect: [/ManagedCluster "aks" uses the preview API version v20250102preview/],
    },
    { policy: "azure-stable-api-versions", title: "an AWS resource is not applicable", resources: [eks()], expect: [], notApplicable: true },
];

/** One cluster's releases and its Kyverno policy, registered with that cluster's Kubernetes provider. */
function clusterPlatform(cloud: string, opts: { charts?: string[]; actions?: string[] } = {}): TestResource[] {
    const provider = `urn:pulumi:test::dr-platform::pulumi:providers:kubernetes::pair-${cloud}-k8s::0a1b2c`;
    const releases = (opts.charts ?? ["vault", "kyverno", "falco"]).map((chart) =>
        ({ ...fake("kubernetes:helm.sh/v3:Release", { chart, version: "1.0.0", name: chart }, { name: `pair-${cloud}-${chart}` }), provider }));
    const policy = { ...fake("kubernetes:policies.kyverno.io/v1:ValidatingPolicy", { metadata: { name: "restrict-image-registries" }, spec: { validationActions: opts.actions ?? ["Deny"] } }, { name: `pair-${cloud}-registries` }), provider };
    return [...releases, policy];
}

describe("policy rules", () => {
    for (const c of CASES) {
        it(`${c.policy}: ${c.title}`, async () => {
            const policy = policies.find((p) => p.name === c.policy);
            assert.ok(policy, `no policy named ${c.policy}`);
            const result = await runPolicy(policy, c.resources, { config: c.environment, overrides: c.overrides });
            const messages = result.violations.map(formatViolation);
            assert.equal(result.violations.length, c.expect.length, `expected ${c.expect.length} violation(s), got:\n${messages.join("\n")}`);
            c.expect.forEach((pattern, i) => assert.match(result.violations[i].message, pattern));
            if (c.level) result.violations.forEach((v) => assert.equal(v.level, c.level, formatViolation(v)));
            if (c.notApplicable !== undefined) assert.equal(result.applied === 0, c.notApplicable, `applied to ${result.applied} resource(s)`);
            else assert.ok(result.applied > 0, "the rule did not apply to any resource");
        });
    }

    it("every rule has a passing and a failing case", () => {
        const missing = policies.flatMap((p) => {
            const cases = CASES.filter((c) => c.policy === p.name && !c.notApplicable);
            const gaps: string[] = [];
            if (!cases.some((c) => c.expect.length === 0)) gaps.push(`${p.name}: no passing case`);
            if (!cases.some((c) => c.expect.length > 0)) gaps.push(`${p.name}: no failing case`);
            return gaps;
        });
        assert.deepEqual(missing, []);
    });

    it("violations in dev are advisory exactly where the rule's dev level says so", async () => {
        const failing = CASES.filter((c) => c.expect.length > 0);
        for (const policy of policies) {
            const c = failing.find((x) => x.policy === policy.name)!;
            for (const env of ["dev", "prod"] as const) {
                const result = await runPolicy(policy, c.resources, { config: env, overrides: c.overrides });
                // Prod-only rules do not apply in dev; the others report at the configured level.
                result.violations.forEach((v) => assert.equal(v.level, policy.levels[env], `${policy.name} in ${env}`));
            }
        }
    });

    it("the custom resources the rules are tested on are valid against their pinned CRDs (the fields the rules read exist)", async () => {
        // A rule and its fake could agree on a misspelled field; the pinned field lists (tests/crd-fields) cannot.
        const custom = CASES.flatMap((c) => c.resources.map((r) => ({ c, r, target: typeToApiVersionKind(r.type) })))
            .filter(({ target }) => target && FIELD_LISTS[gvk(target.apiVersion, target.kind)]);
        assert.deepEqual([...new Set(custom.map(({ r }) => r.type))].sort(), [
            "kubernetes:gateway.networking.k8s.io/v1:Gateway",
            "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
            "kubernetes:policies.kyverno.io/v1:ValidatingPolicy",
        ]);
        const failures: string[] = [];
        for (const { c, r, target } of custom) {
            await validateKubernetesObject(target!.apiVersion, target!.kind, r.inputs).catch((err: Error) => failures.push(`${c.policy}: ${c.title}: ${r.type} "${r.name}": ${err.message}`));
        }
        assert.deepEqual(failures, []);
    });
});
