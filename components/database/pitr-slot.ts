import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { podSecurityLabels } from "../cluster/pod-security";
import { createPlatformNamespace } from "../addons/helm-addon";
import { ClusterHandle } from "../cluster/contract";
import { databaseNetworkPolicies } from "./network-policies";
import { archiveObjectStoreName, pitrClusterName, pitrNamespace } from "./names";
import { ObjectStoreSettings, objectStoreSpec } from "./object-store";

/** What the drill needs to bootstrap a point-in-time-recovery Cluster in the slot. */
export interface PitrSlot {
    namespace: string;
    /** The only Cluster name whose ServiceAccount the slot's identity trusts. */
    clusterName: string;
    /** ObjectStore (in `namespace`) on this side's own archive; the identity can only read it. */
    objectStore: string;
    /** For the PITR Cluster's spec.serviceAccountTemplate.metadata.annotations. */
    serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
    /** For its spec.inheritedMetadata.labels (Azure workload identity; empty on AWS). */
    podLabels: Record<string, string>;
}

export interface PitrSlotArgs {
    cluster: ClusterHandle;
    /** The database's namespace; the slot is `<namespace>-pitr`. */
    databaseNamespace: string;
    sidecarResources: ObjectStoreSettings["sidecarResources"];
    /** The operator and plugin releases (the ObjectStore CRD). */
    dependsOn: pulumi.Resource[];
}

/**
 * A slot to verify point-in-time recovery on this side, without touching the live database:
 * its own namespace, a read-only identity on this side's archive trusted for exactly one
 * ServiceAccount (the PITR Cluster's), an ObjectStore on that archive, and the same ingress
 * policies as the database (no client may connect). The drill creates and deletes the
 * Cluster itself; an empty slot costs nothing.
 */
export function createPitrSlot(owner: pulumi.ComponentResource, name: string, args: PitrSlotArgs): PitrSlot {
    const { cluster } = args;
    const namespace = pitrNamespace(args.databaseNamespace);
    const clusterName = pitrClusterName(cluster.cloud);
    const objectStore = archiveObjectStoreName(cluster.cloud);
    const opts = { parent: owner, provider: cluster.provider };

    const ns = createPlatformNamespace(owner, `${name}-pitr`, cluster, namespace, podSecurityLabels(cluster.kubernetesVersion));
    const identity = cluster.grantWorkloadIdentity(`${name}-pitr`, {
        namespace,
        serviceAccount: clusterName,
        permissions: [{ kind: "archive-store-read" }],
        parent: owner,
    });
    new k8s.apiextensions.CustomResource(`${name}-pitr-${objectStore}`, {
        apiVersion: "barmancloud.cnpg.io/v1",
        kind: "ObjectStore",
        metadata: { name: objectStore, namespace },
        spec: objectStoreSpec(cluster.archive, { sidecarResources: args.sidecarResources }),
    }, { ...opts, dependsOn: [ns, ...args.dependsOn] });
    for (const [suffix, spec] of Object.entries(databaseNetworkPolicies(clusterName, []))) {
        new k8s.networking.v1.NetworkPolicy(`${name}-pitr-${suffix}`, {
            metadata: { name: `${clusterName}-${suffix}`, namespace },
            spec,
        }, { ...opts, dependsOn: [ns] });
    }
    return { namespace, clusterName, objectStore, serviceAccountAnnotations: identity.serviceAccountAnnotations, podLabels: identity.podLabels };
}
