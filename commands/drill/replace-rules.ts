/**
 * Which input changes make the engine replace a resource (delete and
 * re-create, or create-before-delete) instead of updating it in place.
 *
 * Sources: the upstream providers' ForceNew/immutable fields (terraform-
 * provider-aws schemas behind @pulumi/aws, ARM's immutable identity
 * properties behind azure-native, the Kubernetes API's immutable fields).
 * The table is deliberately conservative: a path listed here that a provider
 * could update in place only produces a false alarm in `--simulate`; a
 * missing one would hide a replacement, so when in doubt a path is listed.
 *
 * Paths are dotted input paths as the offline harness records them; `[]`
 * matches any array index. A rule matches a changed path when one is a prefix
 * of the other at a segment boundary (so `vpcConfig.subnetIds` matches a
 * change at `vpcConfig.subnetIds[1]`, and a change of the whole `vpcConfig`).
 */

/** Identity of most ARM resources: moving one means a new resource. */
const AZURE_IDENTITY = ["resourceGroupName", "location"];
/** Kubernetes object identity. */
const K8S_IDENTITY = ["metadata.name", "metadata.namespace"];

export const REPLACE_PATHS: Record<string, string[]> = {
    // ---- AWS: EKS
    "aws:eks/cluster:Cluster": [
        "name",
        "roleArn",
        "vpcConfig.subnetIds",
        "vpcConfig.securityGroupIds",
        "encryptionConfig.provider.keyArn",
        "kubernetesNetworkConfig.serviceIpv4Cidr",
        "kubernetesNetworkConfig.ipFamily",
        "outpostConfig",
        "bootstrapSelfManagedAddons",
        "accessConfig.bootstrapClusterCreatorAdminPermissions",
    ],
    "aws:eks/nodeGroup:NodeGroup": [
        "clusterName",
        "nodeGroupName",
        "nodeGroupNamePrefix",
        "nodeRoleArn",
        "subnetIds",
        "instanceTypes",
        "amiType",
        "capacityType",
        "diskSize",
        "remoteAccess",
        "launchTemplate.id",
        "launchTemplate.name",
    ],
    "aws:eks/addon:Addon": ["addonName", "clusterName"],
    "aws:eks/accessEntry:AccessEntry": ["clusterName", "principalArn", "type"],
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": ["clusterName", "policyArn", "principalArn"],
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ["clusterName", "namespace", "serviceAccount"],
    // ---- AWS: network
    "aws:ec2/vpc:Vpc": ["cidrBlock", "instanceTenancy", "ipv4IpamPoolId"],
    "aws:ec2/subnet:Subnet": ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn"],
    "aws:ec2/natGateway:NatGateway": ["allocationId", "subnetId", "connectivityType", "privateIp"],
    "aws:ec2/eip:Eip": ["domain", "vpc", "publicIpv4Pool", "networkBorderGroup"],
    "aws:ec2/internetGateway:InternetGateway": [],
    "aws:ec2/routeTable:RouteTable": ["vpcId"],
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ["subnetId", "gatewayId"],
    "aws:ec2/route:Route": ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"],
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "vpcId", "description"],
    "aws:ec2/securityGroupRule:SecurityGroupRule": [
        "type",
        "securityGroupId",
        "fromPort",
        "toPort",
        "protocol",
        "cidrBlocks",
        "ipv6CidrBlocks",
        "prefixListIds",
        "sourceSecurityGroupId",
        "self",
    ],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["securityGroupId"],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["securityGroupId"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["name", "namePrefix"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["vpcId", "serviceName", "vpcEndpointType"],
    // ---- AWS: identity, keys, storage
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:iam/policy:Policy": ["name", "namePrefix", "path", "description"],
    "aws:iam/rolePolicy:RolePolicy": ["name", "namePrefix", "role"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:iam/instanceProfile:InstanceProfile": ["name", "namePrefix", "path"],
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ["url"],
    "aws:kms/key:Key": ["customerMasterKeySpec", "keySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"],
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled"],
    "aws:s3/bucketV2:BucketV2": ["bucket", "bucketPrefix", "objectLockEnabled"],
    "aws:s3/bucketVersioning:BucketVersioning": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketVersioningV2:BucketVersioningV2": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix"],
    // ---- AWS: DNS. name/zoneId are ForceNew; a type or setIdentifier change makes
    // the provider delete the old record set and create a new one: a replacement for DNS clients.
    "aws:route53/zone:Zone": ["name", "delegationSetId"],
    "aws:route53/record:Record": ["name", "zoneId", "type", "setIdentifier"],
    "aws:route53/healthCheck:HealthCheck": ["type", "requestInterval", "measureLatency", "referenceName", "routingControlArn"],
    // ---- Azure
    "azure-native:resources:ResourceGroup": ["resourceGroupName", "location"],
    "azure-native:containerservice:ManagedCluster": [
        ...AZURE_IDENTITY,
        "resourceName",
        "dnsPrefix",
        "fqdnSubdomain",
        "nodeResourceGroup",
        "networkProfile.networkPlugin",
        "networkProfile.podCidr",
        "networkProfile.serviceCidr",
        "networkProfile.dnsServiceIP",
        "networkProfile.outboundType",
        "agentPoolProfiles[].name",
        "agentPoolProfiles[].vmSize",
        "agentPoolProfiles[].osDiskSizeGB",
        "agentPoolProfiles[].availabilityZones",
        "agentPoolProfiles[].vnetSubnetID",
        "apiServerAccessProfile.enablePrivateCluster",
    ],
    "azure-native:containerservice:MaintenanceConfiguration": ["resourceGroupName", "resourceName", "configName"],
    "azure-native:containerservice:AgentPool": [
        "resourceGroupName",
        "resourceName",
        "agentPoolName",
        "vmSize",
        "osDiskSizeGB",
        "osDiskType",
        "osType",
        "osSKU",
        "availabilityZones",
        "vnetSubnetID",
        "podSubnetID",
        "scaleSetPriority",
        "kubeletDiskType",
        "maxPods",
    ],
    "azure-native:network:VirtualNetwork": [...AZURE_IDENTITY, "virtualNetworkName"],
    "azure-native:network:Subnet": ["resourceGroupName", "virtualNetworkName", "subnetName", "addressPrefix"],
    "azure-native:network:NatGateway": [...AZURE_IDENTITY, "natGatewayName"],
    "azure-native:network:PublicIPAddress": [...AZURE_IDENTITY, "publicIpAddressName", "sku", "publicIPAllocationMethod", "zones"],
    "azure-native:network:NetworkSecurityGroup": [...AZURE_IDENTITY, "networkSecurityGroupName"],
    "azure-native:network:RouteTable": [...AZURE_IDENTITY, "routeTableName"],
    // sku.name is updatable, but not every transition: see STORAGE_SKU below (VALUE_RULES).
    "azure-native:storage:StorageAccount": [...AZURE_IDENTITY, "accountName", "kind", "isHnsEnabled"],
    "azure-native:storage:BlobContainer": ["resourceGroupName", "accountName", "containerName"],
    "azure-native:storage:BlobServiceProperties": ["resourceGroupName", "accountName"],
    "azure-native:storage:ManagementPolicy": ["resourceGroupName", "accountName"],
    "azure-native:dns:Zone": [...AZURE_IDENTITY, "zoneName", "zoneType"],
    "azure-native:dns:RecordSet": ["resourceGroupName", "zoneName", "relativeRecordSetName", "recordType"],
    "azure-native:keyvault:Vault": [...AZURE_IDENTITY, "vaultName", "properties.tenantId"],
    "azure-native:keyvault:Key": ["resourceGroupName", "vaultName", "keyName", "properties.kty", "properties.curveName", "properties.keySize"],
    "azure-native:managedidentity:UserAssignedIdentity": [...AZURE_IDENTITY, "resourceName"],
    "azure-native:managedidentity:FederatedIdentityCredential": ["resourceGroupName", "resourceName", "federatedIdentityCredentialResourceName"],
    "azure-native:authorization:RoleAssignment": ["scope", "roleAssignmentName", "principalId", "roleDefinitionId", "principalType"],
    "azure-native:operationalinsights:Workspace": [...AZURE_IDENTITY, "workspaceName"],
    // ---- Kubernetes (identity everywhere; immutable spec fields below)
    "kubernetes:core/v1:Namespace": ["metadata.name"],
    "kubernetes:apps/v1:Deployment": [...K8S_IDENTITY, "spec.selector"],
    "kubernetes:apps/v1:DaemonSet": [...K8S_IDENTITY, "spec.selector"],
    "kubernetes:apps/v1:StatefulSet": [...K8S_IDENTITY, "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"],
    "kubernetes:batch/v1:Job": [...K8S_IDENTITY, "spec.selector", "spec.template", "spec.completions", "spec.completionMode"],
    "kubernetes:core/v1:PersistentVolumeClaim": [
        ...K8S_IDENTITY,
        "spec.accessModes",
        "spec.storageClassName",
        "spec.volumeName",
        "spec.volumeMode",
        "spec.selector",
        "spec.dataSource",
    ],
    "kubernetes:core/v1:PersistentVolume": ["metadata.name", "spec.csi", "spec.storageClassName"],
    "kubernetes:core/v1:Service": [...K8S_IDENTITY, "spec.clusterIP", "spec.clusterIPs", "spec.ipFamilies"],
    "kubernetes:core/v1:Secret": [...K8S_IDENTITY, "type"],
    "kubernetes:storage.k8s.io/v1:StorageClass": ["metadata.name", "provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"],
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": [...K8S_IDENTITY, "roleRef"],
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": ["metadata.name", "roleRef"],
    "kubernetes:helm.sh/v3:Release": ["name", "namespace"],
    // CloudNativePG: a Cluster's storage class and UIDs cannot change (webhook); a ScheduledBackup's cluster is immutable.
    "kubernetes:postgresql.cnpg.io/v1:Cluster": [...K8S_IDENTITY, "spec.storage.storageClass", "spec.walStorage.storageClass", "spec.postgresUID", "spec.postgresGID"],
    "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup": [...K8S_IDENTITY, "spec.cluster"],
    // ---- Providers: a provider replacement replaces everything it manages.
    "pulumi:providers:aws": ["region"],
    "pulumi:providers:kubernetes": ["kubeconfig", "context", "cluster"],
    "pulumi:providers:azure-native": ["subscriptionId", "tenantId"],
};

/** Paths for a type: the table, else the identity rules of its provider family. */
export function replacePathsFor(type: string): string[] {
    const listed = REPLACE_PATHS[type];
    if (listed) return listed;
    if (type.startsWith("kubernetes:")) return K8S_IDENTITY;
    if (type.startsWith("azure-native:")) return AZURE_IDENTITY;
    return [];
}

// ---------------------------------------------------------------- value-dependent rules

/**
 * What the engine does with a change whose outcome depends on the values: nothing special (an
 * in-place update), a replacement, or an update the cloud refuses (`refused`: it needs a step
 * outside `pulumi up` first, and the update fails until then).
 */
export interface ChangeVerdict {
    replaceRule?: string;
    refused?: string;
}

interface StorageSku {
    tier: string;
    /** Replicated over the primary region's zones (ZRS, GZRS, RA-GZRS). */
    zonal: boolean;
    /** Copied to the paired region (GRS, RA-GRS, GZRS, RA-GZRS), read access or not. */
    geo: boolean;
}

function parseStorageSku(name: unknown): StorageSku | undefined {
    const match = typeof name === "string" ? /^(Standard|Premium|StandardV2|PremiumV2)_(LRS|ZRS|GRS|RAGRS|GZRS|RAGZRS)$/.exec(name) : null;
    if (!match) return undefined;
    const redundancy = match[2];
    return { tier: match[1], zonal: ["ZRS", "GZRS", "RAGZRS"].includes(redundancy), geo: ["GRS", "RAGRS", "GZRS", "RAGZRS"].includes(redundancy) };
}

/**
 * An Azure storage account's SKU (azure-native sends it as an update; it is not a create-only
 * property). Azure Storage, "Change how a storage account is replicated" (learn.microsoft.com,
 * azure/storage/common/redundancy-migration, 2025-10): geo-redundancy and read access are changed
 * by updating the SKU (LRS ↔ GRS ↔ RA-GRS, ZRS ↔ GZRS ↔ RA-GZRS: in place, no downtime; adding
 * geo-redundancy costs a one-time egress and a failover waits for the first sync). Adding or
 * removing zone-redundancy (LRS ↔ ZRS, GRS ↔ GZRS…) is a *conversion*, started with
 * `az storage account migration start` / Start-AzStorageAccountMigration (or a manual migration),
 * which an update of the SKU does not start: ARM refuses it. Standard ↔ Premium is a new account.
 */
export function storageSkuChange(before: unknown, after: unknown): ChangeVerdict | undefined {
    const from = parseStorageSku(before);
    const to = parseStorageSku(after);
    if (!from || !to) return { refused: `sku.name ${JSON.stringify(before)} → ${JSON.stringify(after)}: not a storage SKU this rule knows; check the transition in Azure's redundancy-migration guide` };
    if (from.tier !== to.tier) {
        return { refused: `sku.name ${before} → ${after}: a storage account cannot move between ${from.tier} and ${to.tier}; copy the data to a new account (manual migration)` };
    }
    if (from.zonal !== to.zonal) {
        const step = from.geo !== to.geo ? " (zone and geo-redundancy change in two steps: this program changes geo-redundancy in place, the conversion the zones)" : "";
        const target = `${from.tier}_${to.zonal ? (from.geo ? "GZRS" : "ZRS") : from.geo ? "GRS" : "LRS"}`;
        return {
            refused:
                `sku.name ${before} → ${after}: ${to.zonal ? "adding" : "removing"} zone-redundancy is a conversion, which an update of the SKU does not start; ` +
                `run \`az storage account migration start --sku ${target}\` (or Start-AzStorageAccountMigration), wait until it completes, \`pulumi refresh\`, then apply${step}`,
        };
    }
    return undefined;
}

/** Changes whose outcome depends on the old and new value, by type and input path. */
export const VALUE_RULES: Record<string, Record<string, (before: unknown, after: unknown) => ChangeVerdict | undefined>> = {
    "azure-native:storage:StorageAccount": {
        "sku.name": storageSkuChange,
        sku: (before, after) => storageSkuChange((before as { name?: unknown } | undefined)?.name, (after as { name?: unknown } | undefined)?.name),
    },
};

/** The verdict on one changed input: a value rule for the exact path, else the path rules (a replacement or nothing). */
export function changeVerdict(type: string, changedPath: string, before: unknown, after: unknown): ChangeVerdict {
    const valueRule = VALUE_RULES[type]?.[changedPath];
    if (valueRule) return valueRule(before, after) ?? {};
    const replaceRule = replaceRuleFor(type, changedPath);
    return replaceRule ? { replaceRule } : {};
}

/** Normalizes `a.b[3].c` to `a.b[].c` and splits into segments. */
function segments(path: string): string[] {
    return path.replace(/\[\d+\]/g, "[]").replace(/\[\]/g, ".[]").split(".").filter(Boolean);
}

function isPrefix(prefix: string[], of: string[]): boolean {
    return prefix.length <= of.length && prefix.every((segment, i) => segment === of[i]);
}

/** The replace rule a changed input path triggers for a type, if any. */
export function replaceRuleFor(type: string, changedPath: string): string | undefined {
    const changed = segments(changedPath);
    return replacePathsFor(type).find((rule) => {
        const ruleSegments = segments(rule);
        return isPrefix(ruleSegments, changed) || isPrefix(changed, ruleSegments);
    });
}
