/**
 * A small ClusterHandle for testing one add-on in isolation. Build it inside
 * an `evaluate({ program })` callback: it registers a real k8s Provider under
 * the mocks. Identity grants are recorded, not created.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { EKS_PUBLIC_LOAD_BALANCING } from "../../components/aws/load-balancer";
import { AKS_PUBLIC_LOAD_BALANCING } from "../../components/azure/load-balancer";
import {
    CloudName,
    ClusterHandle,
    ClusterRole,
    ForeignBackupAccess,
    ForeignReaderRequest,
    WorkloadIdentity,
    WorkloadIdentityRequest,
    defaultPlacement,
} from "../../components/cluster/contract";

export interface FakeCluster extends ClusterHandle {
    grants: { name: string; request: WorkloadIdentityRequest }[];
    readers: { name: string; request: ForeignReaderRequest }[];
}

export function fakeCluster(cloud: CloudName, role: ClusterRole = "active", name = `fake-${cloud}`): FakeCluster {
    const out = pulumi.output;
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: "{}" });
    const grants: FakeCluster["grants"] = [];
    const readers: FakeCluster["readers"] = [];
    const aws = cloud === "aws";
    const zones = aws ? ["us-east-1a", "us-east-1b", "us-east-1c"] : ["1", "2", "3"];
    return {
        name,
        cloud,
        region: aws ? "us-east-1" : "westus3",
        role,
        kubernetesVersion: "1.33",
        clusterName: out(`${name}-cluster`),
        endpoint: out(`https://${name}.example.com`),
        kubeconfig: pulumi.secret("{}"),
        provider,
        oidcIssuerUrl: out(`https://issuer.example.com/${name}`),
        dns: aws
            ? { provider: "route53", zoneName: "aws.fin.example.com", zoneId: out("Z0FAKEZONE"), region: "us-east-1", nameServers: out(["ns-1.awsdns-01.org"]) }
            : { provider: "azure-dns", zoneName: "azure.fin.example.com", nameServers: out(["ns1-01.azure-dns.com."]), resourceGroupName: out("fake-rg"), subscriptionId: out("sub-id"), tenantId: out("tenant-id") },
        backups: aws
            ? { provider: "aws", bucket: out("fake-backups"), region: "us-east-1", kmsKeyArn: out("arn:aws:kms:us-east-1:123456789012:key/fake") }
            : { provider: "azure", storageAccount: out("fakebackups"), container: out("velero"), resourceGroupName: out("fake-rg"), subscriptionId: out("sub-id") },
        archive: aws
            ? { provider: "aws", bucket: out("fake-pg-archive"), region: "us-east-1", kmsKeyArn: out("arn:aws:kms:us-east-1:123456789012:key/fake") }
            : { provider: "azure", storageAccount: out("fakebackups"), container: out("pg-archive"), resourceGroupName: out("fake-rg"), subscriptionId: out("sub-id") },
        unsealKey: aws
            ? { provider: "awskms", keyId: out("fake-unseal-key"), region: "us-east-1" }
            : { provider: "azurekeyvault", vaultName: out("fake-kv"), keyName: out("vault-unseal"), tenantId: out("tenant-id") },
        placement: defaultPlacement(zones),
        publicLoadBalancing: aws ? EKS_PUBLIC_LOAD_BALANCING : AKS_PUBLIC_LOAD_BALANCING,
        defaultStorageClass: aws ? "gp3-encrypted" : "managed-csi",
        nodeAutoscaling: aws ? { mode: "cluster-autoscaler", cloudProvider: "aws", region: "us-east-1", clusterName: `${name}-cluster` } : { mode: "managed" },
        readiness: [],
        grants,
        readers,
        grantWorkloadIdentity(grantName: string, request: WorkloadIdentityRequest): WorkloadIdentity {
            grants.push({ name: grantName, request });
            return aws
                ? { serviceAccountAnnotations: out<Record<string, string>>({ "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/${grantName}` }), podLabels: {}, principalId: out(`arn:aws:iam::123456789012:role/${grantName}`) }
                : { serviceAccountAnnotations: out<Record<string, string>>({ "azure.workload.identity/client-id": `client-${grantName}` }), podLabels: { "azure.workload.identity/use": "true" }, principalId: out(`client-${grantName}`) };
        },
        grantBackupReadAccess(readerName: string, request: ForeignReaderRequest): ForeignBackupAccess {
            readers.push({ name: readerName, request });
            const store = request.store === "archive" ? this.archive : this.backups;
            return aws
                ? { provider: "aws", store, storageClass: "gp3-encrypted", roleArn: out(`arn:aws:iam::123456789012:role/${readerName}`), tokenAudience: "sts.amazonaws.com" }
                : { provider: "azure", store, storageClass: "managed-csi", clientId: out(`client-${readerName}`), tenantId: out("tenant-id"), tokenAudience: "api://AzureADTokenExchange" };
        },
    };
}
