import { strict as assert } from "assert";
import { Evaluation } from "../../commands/offline/harness";
import { stackEvaluation } from "../support/stacks";

const AKS = "azure-native:containerservice:ManagedCluster";

describe("Azure AKS cluster", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        [dev, prod] = await Promise.all([stackEvaluation("dev"), stackEvaluation("prod")]);
    });

    it("prod AKS spans 3 zones with a tainted system pool on the managed autoscaler", () => {
        const aks = prod.named(AKS, "pair-azure-aks");
        const [system] = aks.inputs.agentPoolProfiles;
        assert.equal(system.mode, "System");
        assert.deepEqual(system.availabilityZones, ["1", "2", "3"]);
        assert.deepEqual(system.nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);
        assert.deepEqual([system.enableAutoScaling, system.minCount, system.maxCount], [true, 3, 6]);
        const user = prod.named("azure-native:containerservice:AgentPool", "pair-azure-workload");
        assert.equal(user.inputs.mode, "User");
        assert.deepEqual(user.inputs.availabilityZones, ["1", "2", "3"]);
        assert.deepEqual([user.inputs.enableAutoScaling, user.inputs.minCount, user.inputs.maxCount], [true, 3, 30]);
        assert.deepEqual(user.ignoreChanges, ["count"]);
    });

    it("enables the OIDC issuer and workload identity", () => {
        const aks = prod.named(AKS, "pair-azure-aks");
        assert.equal(aks.inputs.oidcIssuerProfile.enabled, true);
        assert.equal(aks.inputs.securityProfile.workloadIdentity.enabled, true);
    });

    it("uses Azure CNI overlay with a network policy engine", () => {
        const network = prod.named(AKS, "pair-azure-aks").inputs.networkProfile;
        assert.equal(network.networkPlugin, "azure");
        assert.equal(network.networkPluginMode, "overlay");
        assert.equal(network.networkPolicy, "cilium");
        assert.equal(network.dnsServiceIP, "10.96.0.10");
    });

    it("integrates Entra ID with Azure RBAC; local accounts are disabled in prod only", () => {
        const prodAks = prod.named(AKS, "pair-azure-aks").inputs;
        assert.deepEqual([prodAks.aadProfile.managed, prodAks.aadProfile.enableAzureRBAC], [true, true]);
        assert.deepEqual(prodAks.aadProfile.adminGroupObjectIDs, ["11111111-2222-3333-4444-555555555555"]);
        assert.equal(prodAks.disableLocalAccounts, true);
        assert.equal(dev.named(AKS, "pair-azure-aks").inputs.disableLocalAccounts, false);
    });

    it("upgrades automatically on the patch channel inside a weekly maintenance window", () => {
        assert.equal(prod.named(AKS, "pair-azure-aks").inputs.autoUpgradeProfile.upgradeChannel, "patch");
        const window = prod.named("azure-native:containerservice:MaintenanceConfiguration", "pair-azure-upgrade-window").inputs;
        assert.equal(window.configName, "aksManagedAutoUpgradeSchedule");
        assert.deepEqual(window.maintenanceWindow.schedule.weekly, { dayOfWeek: "Sunday", intervalWeeks: 1 });
        assert.equal(window.maintenanceWindow.startTime, "02:00");
    });

    it("restricts API server access to the configured ranges", () => {
        const access = prod.named(AKS, "pair-azure-aks").inputs.apiServerAccessProfile;
        assert.deepEqual(access, { enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24"] });
    });

    it("tunes the managed autoscaler from the shared autoscaler config", () => {
        const profile = prod.named(AKS, "pair-azure-aks").inputs.autoScalerProfile;
        assert.equal(profile.expander, "least-waste");
        assert.equal(profile.scaleDownUtilizationThreshold, "0.5");
        assert.equal(profile.scaleDownUnneededTime, "15m");
    });

    it("gives the deploying principal Kubernetes cluster admin before anything uses the cluster's provider", () => {
        const grant = prod.named("azure-native:authorization:RoleAssignment", "pair-azure-deployer-cluster-admin");
        assert.match(grant.inputs.roleDefinitionId, /b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b$/);
        assert.match(grant.inputs.scope, /managedClusters\/finplat-prod-aks$/);
        const provider = prod.named("pulumi:providers:kubernetes", "pair-azure-k8s");
        assert.ok(provider.dependencies.includes(grant.urn));
    });

    it("purge-protects the Key Vault in prod only (it cannot be undone)", () => {
        assert.equal(prod.named("azure-native:keyvault:Vault", "pair-azure-kv").inputs.properties.enablePurgeProtection, true);
        assert.equal(dev.named("azure-native:keyvault:Vault", "pair-azure-kv").inputs.properties.enablePurgeProtection, undefined);
    });

    it("keeps the kubeconfig secret", () => {
        const provider = prod.named("pulumi:providers:kubernetes", "pair-azure-k8s");
        assert.ok(provider.secretInputs.includes("kubeconfig"));
    });

    it("grants the control plane only Network Contributor on its node subnet", () => {
        const grant = prod.named("azure-native:authorization:RoleAssignment", "pair-azure-control-plane-network");
        assert.match(grant.inputs.roleDefinitionId, /4d97b98b-1d4f-4787-a291-c67834d212e7$/);
        assert.match(grant.inputs.scope, /\/pair-azure-nodes$/);
    });

    it("keeps backups in a private, Entra-only, versioned storage account", () => {
        const account = prod.ofType("azure-native:storage:StorageAccount")[0].inputs;
        assert.deepEqual([account.allowBlobPublicAccess, account.allowSharedKeyAccess, account.minimumTlsVersion], [false, false, "TLS1_2"]);
        assert.equal(account.sku.name, "Standard_RAGZRS", "prod's backups survive the loss of the region (geo-zone-redundant, readable in the paired region)");
        assert.equal(dev.ofType("azure-native:storage:StorageAccount")[0].inputs.sku.name, "Standard_LRS", "dev saves on redundancy (backups.azureStorageSku)");
        const blob = prod.ofType("azure-native:storage:BlobServiceProperties")[0].inputs;
        assert.equal(blob.isVersioningEnabled, true);
        assert.equal(blob.deleteRetentionPolicy.enabled, true);
        const containers = prod.ofType("azure-native:storage:BlobContainer").map((c) => [c.inputs.containerName, c.inputs.publicAccess]);
        assert.deepEqual(containers, [["velero", "None"], ["pg-archive", "None"]], "Velero's and the database archive's containers, both private");
    });

    it("creates the Vault unseal key in an RBAC, purge-protected Key Vault, with rotation", () => {
        const vault = prod.named("azure-native:keyvault:Vault", "pair-azure-kv").inputs.properties;
        assert.equal(vault.enableRbacAuthorization, true);
        const key = prod.named("azure-native:keyvault:Key", "pair-azure-vault-unseal");
        assert.deepEqual(key.inputs.properties.keyOps, ["wrapKey", "unwrapKey"]);
        assert.ok(key.inputs.properties.rotationPolicy.lifetimeActions.length > 0);
        assert.ok(key.dependencies.some((d) => d.endsWith("::pair-azure-deployer-keys")), "the deployer's key rights come first");
        assert.equal(key.protect, true);
    });
});
