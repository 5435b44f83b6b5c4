import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as dns from "@pulumi/azure-native/dns";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as network from "@pulumi/azure-native/network";
import * as resources from "@pulumi/azure-native/resources";
import {
    BackupStoreInfo,
    ForeignBackupAccess,
    ForeignReaderRequest,
    NodeAutoscaling,
    PublicLoadBalancing,
    foreignStoreRead,
    ClusterHandle,
    DnsZoneInfo,
    NODE_POOL_LABEL,
    SYSTEM_POOL_TAINT,
    UnsealKeyInfo,
    WorkloadIdentity,
    WorkloadIdentityRequest,
} from "../cluster/contract";
import { ClusterComponent } from "../cluster/cluster-component";
import { AutoscalerTuning, ClusterArgs, NodePoolSpec } from "../cluster/types";
import { hostAddress, parseCidr, subnet } from "../cluster/cidr";
import { BackupStorage } from "./backup-storage";
import { AKS_PUBLIC_LOAD_BALANCING } from "./load-balancer";
import { createAzureWorkloadIdentity } from "./workload-identity";
import { AzurePermissionScope, roleDefinitionId } from "./role-assignments";

export interface MaintenanceWindow {
    dayOfWeek: "Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday" | "Sunday";
    /** "HH:MM", UTC. */
    startTime: string;
    durationHours: number;
}

export interface AzureClusterArgs extends ClusterArgs {
    /** azure-native provider bound to the subscription; every child uses it. */
    provider: pulumi.ProviderResource;
    location: string;
    /** AKS resource name. */
    clusterName: string;
    /** Overlay pod CIDR (never routed on the VNet, but must not overlap peered networks). */
    podCidr: string;
    serviceCidr: string;
    /** Entra ID groups granted cluster-admin. */
    adminGroupObjectIds: string[];
    /** Disable local (certificate) accounts so every login goes through Entra ID. */
    disableLocalAccounts: boolean;
    upgradeChannel: "patch" | "stable" | "rapid" | "node-image";
    maintenanceWindow: MaintenanceWindow;
    autoscaler: AutoscalerTuning;
    /** "Standard" gives the uptime SLA prod needs. */
    tier: "Free" | "Standard";
    backupSoftDeleteDays: number;
    /** Redundancy of the backup storage account; zone-redundant survives a zone loss. */
    backupStorageSku: "Standard_LRS" | "Standard_ZRS" | "Standard_GZRS" | "Standard_RAGZRS";
}

/** AKS cluster with its network, identities, DNS zone, backup storage and unseal key, behind the ClusterHandle contract. */
export class AzureCluster extends ClusterComponent implements ClusterHandle {
    public readonly cloud = "azure" as const;
    public readonly clusterName: pulumi.Output<string>;
    public readonly endpoint: pulumi.Output<string>;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    public readonly dns: DnsZoneInfo;
    public readonly backups: BackupStoreInfo;
    public readonly archive: BackupStoreInfo;
    public readonly unsealKey: UnsealKeyInfo;
    public readonly nodeAutoscaling: NodeAutoscaling = { mode: "managed" };
    /** AKS's built-in default class (Azure Disk CSI, encrypted at rest by the platform). */
    public readonly defaultStorageClass = "managed-csi";
    public readonly publicLoadBalancing: PublicLoadBalancing = AKS_PUBLIC_LOAD_BALANCING;
    public readonly readiness: pulumi.Resource[];
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly vnetId: pulumi.Output<string>;

    private readonly identityScope: AzurePermissionScope;
    private readonly tags: Record<string, string>;
    private readonly location: string;
    private readonly tenantId: pulumi.Output<string>;
    private readonly azureProvider: pulumi.ProviderResource;

    constructor(name: string, args: AzureClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:azure:AzureCluster", name, { ...args, region: args.location }, args.provider, opts);
        this.location = args.location;
        this.tags = { ...args.tags, "aks-cluster": args.clusterName };
        this.azureProvider = args.provider;
        const parent = { parent: this };
        const stateful = { parent: this, protect: args.protect };
        const client = authorization.getClientConfigOutput({ parent: this });

        const group = new resources.ResourceGroup(`${name}-rg`, { location: args.location, tags: this.tags }, stateful);
        const rg = group.name;

        const vnetCidr = parseCidr(args.networkCidr);
        if (!vnetCidr) throw new Error(`invalid network CIDR ${args.networkCidr}`);
        const vnet = new network.VirtualNetwork(`${name}-vnet`, {
            resourceGroupName: rg,
            location: args.location,
            addressSpace: { addressPrefixes: [args.networkCidr] },
            tags: this.tags,
        }, { ...parent, ignoreChanges: ["subnets"] });
        // Nodes take the first half of the VNet; pods live on the overlay CIDR.
        const nodeSubnet = new network.Subnet(`${name}-nodes`, {
            resourceGroupName: rg,
            virtualNetworkName: vnet.name,
            addressPrefix: subnet(vnetCidr, vnetCidr.prefix + 1, 0),
        }, parent);

        // Control-plane identity created first so it can be granted the subnet before the cluster exists.
        const controlPlaneIdentity = new managedidentity.UserAssignedIdentity(`${name}-control-plane`, {
            resourceGroupName: rg,
            location: args.location,
            tags: this.tags,
        }, parent);
        const subnetAccess = new authorization.RoleAssignment(`${name}-control-plane-network`, {
            principalId: controlPlaneIdentity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(client.subscriptionId, "networkContributor"),
            scope: nodeSubnet.id,
        }, parent);

        const pool = (poolName: string, spec: NodePoolSpec, system: boolean) => ({
            name: poolName,
            mode: system ? "System" : "User",
            vmSize: spec.instanceType,
            availabilityZones: spec.zones,
            enableAutoScaling: true,
            minCount: spec.minSize,
            maxCount: spec.maxSize,
            count: spec.desiredSize,
            osDiskSizeGB: spec.diskSizeGb,
            osSKU: "AzureLinux",
            scaleSetPriority: spec.capacityType === "spot" ? "Spot" : "Regular",
            scaleSetEvictionPolicy: spec.capacityType === "spot" ? "Delete" : undefined,
            vnetSubnetID: nodeSubnet.id,
            nodeLabels: { [NODE_POOL_LABEL]: system ? "system" : "workload" },
            nodeTaints: system ? [`${SYSTEM_POOL_TAINT.key}=${SYSTEM_POOL_TAINT.value}:${SYSTEM_POOL_TAINT.effect}`] : [],
            upgradeSettings: { maxSurge: "33%" },
            tags: this.tags,
        });

        const cluster = new containerservice.ManagedCluster(`${name}-aks`, {
            resourceGroupName: rg,
            resourceName: args.clusterName,
            location: args.location,
            dnsPrefix: args.clusterName,
            kubernetesVersion: args.kubernetesVersion,
            sku: { name: "Base", tier: args.tier },
            identity: {
                type: "UserAssigned",
                userAssignedIdentities: [controlPlaneIdentity.id],
            },
            agentPoolProfiles: [pool("system", args.nodePools.system, true)],
            networkProfile: {
                networkPlugin: "azure",
                networkPluginMode: "overlay",
                networkDataplane: "cilium",
                networkPolicy: "cilium",
                podCidr: args.podCidr,
                serviceCidr: args.serviceCidr,
                // The tenth address, as AKS's own default does for its default service CIDR.
                dnsServiceIP: hostAddress(args.serviceCidr, 10),
                loadBalancerSku: "standard",
            },
            oidcIssuerProfile: { enabled: true },
            securityProfile: {
                workloadIdentity: { enabled: true },
                imageCleaner: { enabled: true, intervalHours: 48 },
            },
            aadProfile: {
                managed: true,
                enableAzureRBAC: true,
                adminGroupObjectIDs: args.adminGroupObjectIds,
                tenantID: client.tenantId,
            },
            disableLocalAccounts: args.disableLocalAccounts,
            enableRBAC: true,
            autoUpgradeProfile: { upgradeChannel: args.upgradeChannel, nodeOSUpgradeChannel: "NodeImage" },
            apiServerAccessProfile: {
                enablePrivateCluster: !args.endpoint.publicAccess,
                authorizedIPRanges: args.endpoint.publicAccess ? args.endpoint.allowedCidrs : [],
            },
            autoScalerProfile: {
                expander: args.autoscaler.expander,
                scaleDownUtilizationThreshold: String(args.autoscaler.scaleDownUtilizationThreshold),
                scaleDownUnneededTime: args.autoscaler.scaleDownUnneededTime,
                balanceSimilarNodeGroups: "true",
                skipNodesWithSystemPods: "true",
                maxGracefulTerminationSec: "600",
            },
            tags: this.tags,
        }, {
            ...stateful,
            dependsOn: [subnetAccess],
            // The managed autoscaler owns the live node count.
            ignoreChanges: ["agentPoolProfiles[0].count"],
        });

        const workloadPoolSpec = pool("workload", args.nodePools.workload, false);
        const workloadPool = new containerservice.AgentPool(`${name}-workload`, {
            resourceGroupName: rg,
            resourceName: cluster.name,
            agentPoolName: workloadPoolSpec.name,
            ...workloadPoolSpec,
            orchestratorVersion: args.kubernetesVersion,
        }, { parent: this, ignoreChanges: ["count"] });

        new containerservice.MaintenanceConfiguration(`${name}-upgrade-window`, {
            resourceGroupName: rg,
            resourceName: cluster.name,
            configName: "aksManagedAutoUpgradeSchedule",
            maintenanceWindow: {
                schedule: { weekly: { dayOfWeek: args.maintenanceWindow.dayOfWeek, intervalWeeks: 1 } },
                startTime: args.maintenanceWindow.startTime,
                durationHours: args.maintenanceWindow.durationHours,
                utcOffset: "+00:00",
            },
        }, parent);

        const zone = new dns.Zone(`${name}-zone`, {
            resourceGroupName: rg,
            zoneName: args.dnsZoneName,
            location: "global",
            zoneType: "Public",
            tags: this.tags,
        }, stateful);

        const backups = new BackupStorage(`${name.replace(/[^a-z0-9]/g, "")}bk`, {
            resourceGroupName: rg,
            location: args.location,
            sku: args.backupStorageSku,
            softDeleteDays: args.backupSoftDeleteDays,
            tags: this.tags,
            protect: args.protect,
        }, parent);

        const vault = new keyvault.Vault(`${name}-kv`, {
            resourceGroupName: rg,
            location: args.location,
            properties: {
                tenantId: client.tenantId,
                sku: { family: "A", name: "standard" },
                enableRbacAuthorization: true,
                enableSoftDelete: true,
                softDeleteRetentionInDays: 90,
                // Purge protection cannot be turned off again; dev vaults stay purgeable.
                enablePurgeProtection: args.protect ? true : undefined,
            },
            tags: this.tags,
        }, stateful);
        // The deploying principal needs key-management rights to create the unseal key.
        const deployerKeyAccess = new authorization.RoleAssignment(`${name}-deployer-keys`, {
            principalId: client.objectId,
            roleDefinitionId: roleDefinitionId(client.subscriptionId, "keyVaultCryptoOfficer"),
            scope: vault.id,
        }, parent);
        const unsealKey = new keyvault.Key(`${name}-vault-unseal`, {
            resourceGroupName: rg,
            vaultName: vault.name,
            keyName: "vault-unseal",
            properties: {
                kty: "RSA",
                keySize: 3072,
                keyOps: ["wrapKey", "unwrapKey"],
                rotationPolicy: {
                    attributes: { expiryTime: "P2Y" },
                    lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P1Y" } }],
                },
            },
        }, { ...stateful, dependsOn: [deployerKeyAccess] });

        this.tenantId = client.tenantId;
        this.identityScope = {
            subscriptionId: client.subscriptionId,
            dnsZoneId: zone.id,
            backupContainerId: backups.containerId,
            archiveContainerId: backups.archiveContainerId,
            unsealKeyId: unsealKey.id,
        };

        this.resourceGroupName = rg;
        this.vnetId = vnet.id;
        this.clusterName = cluster.name;
        this.endpoint = cluster.fqdn.apply((fqdn) => `https://${fqdn}:443`);
        this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
        this.kubeconfig = pulumi.secret(
            containerservice
                .listManagedClusterUserCredentialsOutput({ resourceGroupName: rg, resourceName: cluster.name, format: "exec" }, { parent: this })
                .apply((creds) => Buffer.from(creds.kubeconfigs?.[0]?.value ?? "", "base64").toString("utf8")),
        );
        // With Azure RBAC, creating the cluster grants no Kubernetes access; the deploying
        // principal gets cluster admin, as EKS grants its creator (bootstrapClusterCreatorAdminPermissions).
        const deployerClusterAdmin = new authorization.RoleAssignment(`${name}-deployer-cluster-admin`, {
            principalId: client.objectId,
            roleDefinitionId: roleDefinitionId(client.subscriptionId, "aksRbacClusterAdmin"),
            scope: cluster.id,
        }, parent);
        this.provider = this.connect(this.kubeconfig, [cluster, workloadPool, deployerClusterAdmin]);

        this.dns = {
            provider: "azure-dns",
            zoneName: args.dnsZoneName,
            nameServers: zone.nameServers.apply((servers) => servers ?? []),
            resourceGroupName: rg, subscriptionId: client.subscriptionId, tenantId: client.tenantId };
        this.backups = { provider: "azure", storageAccount: backups.accountName, container: backups.containerName, resourceGroupName: rg, subscriptionId: client.subscriptionId };
        this.archive = { provider: "azure", storageAccount: backups.accountName, container: backups.archiveContainerName, resourceGroupName: rg, subscriptionId: client.subscriptionId };
        this.unsealKey = { provider: "azurekeyvault", vaultName: vault.name, keyName: unsealKey.name, tenantId: client.tenantId };
        this.readiness = [cluster, workloadPool];

        this.registerClusterOutputs(this, { vnetId: this.vnetId });
    }

    grantBackupReadAccess(name: string, request: ForeignReaderRequest): ForeignBackupAccess {
        const read = foreignStoreRead(this, request.store);
        const identity = createAzureWorkloadIdentity(name, {
            namespace: request.namespace,
            serviceAccount: request.serviceAccount,
            permissions: [read.permission],
            resourceGroupName: this.resourceGroupName,
            location: this.location,
            oidcIssuerUrl: request.issuerUrl,
            scope: this.identityScope,
            tags: this.tags,
        }, { parent: request.parent ?? this, provider: this.azureProvider });
        return {
            provider: "azure",
            store: read.store,
            storageClass: this.defaultStorageClass,
            clientId: identity.principalId,
            tenantId: this.tenantId,
            tokenAudience: "api://AzureADTokenExchange",
        };
    }

    grantWorkloadIdentity(name: string, request: WorkloadIdentityRequest): WorkloadIdentity {
        return createAzureWorkloadIdentity(name, {
            ...request,
            resourceGroupName: this.resourceGroupName,
            location: this.location,
            oidcIssuerUrl: this.oidcIssuerUrl,
            scope: this.identityScope,
            tags: this.tags,
        }, { parent: request.parent ?? this, provider: this.azureProvider });
    }
}
