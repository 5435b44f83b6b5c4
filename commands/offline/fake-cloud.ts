/**
 * Realistic provider outputs for the offline mock runtime: ARNs, IDs, issuer
 * URLs and kubeconfigs shaped like the ones AWS and Azure return, derived
 * deterministically from the resource name so evaluations are repeatable.
 */
import { createHash } from "crypto";

const ACCOUNT = "123456789012";
const SUBSCRIPTION = "00000000-1111-2222-3333-444444444444";
const TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

function digest(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function guid(seed: string): string {
    const h = digest(seed, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function region(inputs: Record<string, any>): string {
    return inputs.region ?? "us-east-1";
}

function azureId(name: string, provider: string, kind: string, inputs: Record<string, any>): string {
    const rg = inputs.resourceGroupName ?? `${name}-rg`;
    return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/${provider}/${kind}/${name}`;
}

type Outputs = Record<string, unknown>;

const AWS: Record<string, (name: string, inputs: Record<string, any>) => Outputs> = {
    "aws:ec2/vpc:Vpc": (name) => ({ arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/vpc-${digest(name, 17)}` }),
    "aws:kms/key:Key": (name, inputs) => {
        const keyId = guid(name);
        return { id: keyId, keyId, arn: `arn:aws:kms:${region(inputs)}:${ACCOUNT}:key/${keyId}` };
    },
    "aws:iam/role:Role": (name, inputs) => {
        const roleName = inputs.name ?? `${name}-${digest(name, 7)}`;
        return { id: roleName, name: roleName, arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, uniqueId: `AROA${digest(name, 17).toUpperCase()}` };
    },
    "aws:iam/policy:Policy": (name, inputs) => {
        const policyName = inputs.name ?? `${name}-${digest(name, 7)}`;
        const arn = `arn:aws:iam::${ACCOUNT}:policy${inputs.path ?? "/"}${policyName}`;
        return { id: arn, name: policyName, arn, policyId: `ANPA${digest(name, 17).toUpperCase()}` };
    },
    "aws:eks/cluster:Cluster": (name, inputs) => {
        const id = digest(name, 32).toUpperCase();
        return {
            name: inputs.name ?? name,
            arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/${inputs.name ?? name}`,
            endpoint: `https://${id}.gr7.us-east-1.eks.amazonaws.com`,
            identities: [{ oidcs: [{ issuer: `https://oidc.eks.us-east-1.amazonaws.com/id/${id}` }] }],
            certificateAuthority: { data: Buffer.from(`-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----`).toString("base64") },
            status: "ACTIVE",
        };
    },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_name, inputs) => {
        const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(inputs.url ?? "").replace(/^https:\/\//, "")}`;
        return { id: arn, arn };
    },
    "aws:route53/zone:Zone": (name, inputs) => ({
        zoneId: `Z${digest(name, 20).toUpperCase()}`,
        arn: `arn:aws:route53:::hostedzone/Z${digest(name, 20).toUpperCase()}`,
        nameServers: ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"],
        name: inputs.name,
    }),
    "aws:route53/healthCheck:HealthCheck": (name) => ({ id: guid(name) }),
    "aws:s3/bucket:Bucket": (name, inputs) => {
        const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? name}${digest(name, 8)}`;
        // A bucket's id is its name.
        return { id: bucket, bucket, arn: `arn:aws:s3:::${bucket}`, region: region(inputs) };
    },
    "aws:eks/nodeGroup:NodeGroup": (name, inputs) => ({ arn: `arn:aws:eks:us-east-1:${ACCOUNT}:nodegroup/${inputs.clusterName}/${name}/${guid(name)}`, status: "ACTIVE" }),
    "aws:ec2/launchTemplate:LaunchTemplate": (name) => ({ id: `lt-${digest(name, 17)}`, latestVersion: 1 }),
};

const AZURE: Record<string, (name: string, inputs: Record<string, any>) => Outputs> = {
    "azure-native:resources:ResourceGroup": (name, inputs) => {
        const rgName = inputs.resourceGroupName ?? `${name}${digest(name, 6)}`;
        return { name: rgName, id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rgName}` };
    },
    "azure-native:containerservice:ManagedCluster": (name, inputs) => {
        const resourceName = inputs.resourceName ?? name;
        return {
            name: resourceName,
            id: azureId(resourceName, "Microsoft.ContainerService", "managedClusters", inputs),
            fqdn: `${inputs.dnsPrefix ?? resourceName}-${digest(name, 8)}.hcp.${inputs.location ?? "eastus"}.azmk8s.io`,
            oidcIssuerProfile: { enabled: true, issuerURL: `https://${inputs.location ?? "eastus"}.oic.prod-aks.azure.com/${TENANT}/${guid(name)}/` },
            provisioningState: "Succeeded",
        };
    },
    "azure-native:managedidentity:UserAssignedIdentity": (name, inputs) => ({
        name: inputs.resourceName ?? name,
        id: azureId(name, "Microsoft.ManagedIdentity", "userAssignedIdentities", inputs),
        clientId: guid(`${name}-client`),
        principalId: guid(`${name}-principal`),
        tenantId: TENANT,
    }),
    "azure-native:storage:StorageAccount": (name, inputs) => {
        const accountName = inputs.accountName ?? `${name.replace(/[^a-z0-9]/g, "").slice(0, 16)}${digest(name, 8)}`;
        return { name: accountName, id: azureId(accountName, "Microsoft.Storage", "storageAccounts", inputs), primaryEndpoints: { blob: `https://${accountName}.blob.core.windows.net/` } };
    },
    "azure-native:storage:BlobContainer": (name, inputs) => ({
        name: inputs.containerName ?? name,
        id: `${azureId(inputs.accountName ?? name, "Microsoft.Storage", "storageAccounts", inputs)}/blobServices/default/containers/${inputs.containerName ?? name}`,
    }),
    "azure-native:network:Subnet": (name, inputs) => ({
        name: inputs.subnetName ?? name,
        id: `${azureId(inputs.virtualNetworkName ?? name, "Microsoft.Network", "virtualNetworks", inputs)}/subnets/${inputs.subnetName ?? name}`,
    }),
    "azure-native:managedidentity:FederatedIdentityCredential": (name, inputs) => ({
        name: inputs.federatedIdentityCredentialResourceName ?? name,
        id: `${azureId(inputs.resourceName ?? name, "Microsoft.ManagedIdentity", "userAssignedIdentities", inputs)}/federatedIdentityCredentials/${inputs.federatedIdentityCredentialResourceName ?? name}`,
    }),
    "azure-native:authorization:RoleAssignment": (name, inputs) => ({
        name: guid(name),
        id: `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${guid(name)}`,
    }),
    "azure-native:dns:Zone": (name, inputs) => ({
        name: inputs.zoneName ?? name,
        id: azureId(inputs.zoneName ?? name, "Microsoft.Network", "dnszones", inputs),
        nameServers: ["ns1-01.azure-dns.com.", "ns2-01.azure-dns.net.", "ns3-01.azure-dns.org.", "ns4-01.azure-dns.info."],
    }),
    "azure-native:keyvault:Vault": (name, inputs) => {
        const vaultName = inputs.vaultName ?? `${name.slice(0, 14)}${digest(name, 8)}`;
        return { name: vaultName, id: azureId(vaultName, "Microsoft.KeyVault", "vaults", inputs), properties: { ...inputs.properties, vaultUri: `https://${vaultName}.vault.azure.net/` } };
    },
    "azure-native:keyvault:Key": (name, inputs) => ({
        name: inputs.keyName ?? name,
        id: `${azureId(inputs.vaultName ?? name, "Microsoft.KeyVault", "vaults", inputs)}/keys/${inputs.keyName ?? name}`,
        keyUri: `https://${inputs.vaultName}.vault.azure.net/keys/${inputs.keyName ?? name}`,
    }),
};

const RANDOM: Record<string, (name: string, inputs: Record<string, any>) => Outputs> = {
    // Deterministic, so two evaluations of a stack see the same generated secret.
    "random:index/randomPassword:RandomPassword": (name, inputs) => ({ result: digest(`password-${name}`, 64).slice(0, inputs.length ?? 16) }),
};

/** Outputs a provider would compute for this resource, on top of its inputs. */
export function fakeResourceOutputs(type: string, name: string, inputs: Record<string, any>): Outputs {
    const specific = AWS[type] ?? AZURE[type] ?? RANDOM[type];
    if (specific) return specific(name, inputs);
    if (type.startsWith("azure-native:")) {
        const [, module, kind] = type.split(":");
        return { name: inputs.name ?? name, id: azureId(name, `Microsoft.${module}`, kind, inputs) };
    }
    if (type.startsWith("aws:")) {
        return { arn: `arn:aws:${type.split(":")[1].split("/")[0]}:${region(inputs)}:${ACCOUNT}:${name}` };
    }
    if (type.startsWith("kubernetes:") && type !== "kubernetes:helm.sh/v3:Release") {
        // The API server echoes metadata back, with the name it was given.
        return { metadata: { ...inputs.metadata, name: inputs.metadata?.name ?? name } };
    }
    if (type === "kubernetes:helm.sh/v3:Release") {
        return { status: { name: inputs.name ?? name, namespace: inputs.namespace, status: "deployed", version: 1, chart: inputs.chart } };
    }
    return {};
}

function aksKubeconfig(inputs: Record<string, any>): string {
    const cluster = inputs.resourceName ?? "aks";
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters:\n- cluster:\n    certificate-authority-data: ${Buffer.from("fake-ca").toString("base64")}\n    server: https://${cluster}.hcp.eastus.azmk8s.io:443\n  name: ${cluster}`,
        `contexts:\n- context:\n    cluster: ${cluster}\n    user: clusterUser_${cluster}\n  name: ${cluster}`,
        `current-context: ${cluster}`,
        `users:\n- name: clusterUser_${cluster}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]`,
    ].join("\n");
}

/** Results for the data-source invokes the program makes. */
export function fakeInvokeResult(token: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (token) {
        case "azure-native:authorization:getClientConfig":
            return { clientId: guid("deployer-client"), objectId: guid("deployer-object"), subscriptionId: SUBSCRIPTION, tenantId: TENANT };
        case "azure-native:containerservice:listManagedClusterUserCredentials":
            return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(aksKubeconfig(inputs)).toString("base64") }] };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session`, userId: "AROAEXAMPLE:session", id: ACCOUNT };
        case "aws:route53/getZone:getZone": {
            // The root zone exists before this program (the company's domain).
            const zoneId = `Z${digest(String(inputs.name), 20).toUpperCase()}`;
            return { zoneId, id: zoneId, name: inputs.name, nameServers: ["ns-10.awsdns-10.org"], privateZone: false };
        }
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        default:
            return {};
    }
}
