import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClusterRole, NodePlacement, defaultPlacement } from "./contract";

/** The facts of a cluster that do not depend on its cloud. */
export interface ClusterBasics {
    /** AWS region or Azure location. */
    region: string;
    role: ClusterRole;
    kubernetesVersion: string;
    zones: string[];
}

/**
 * What every ClusterHandle implementation shares, written once: the cloud-neutral
 * fields, node placement, the cloud provider inherited by every child, the one
 * Kubernetes provider built from the secret kubeconfig, and the common outputs.
 */
export abstract class ClusterComponent extends pulumi.ComponentResource {
    public readonly name: string;
    public readonly region: string;
    public readonly role: ClusterRole;
    public readonly kubernetesVersion: string;
    public readonly placement: NodePlacement;

    protected constructor(
        type: string,
        name: string,
        basics: ClusterBasics,
        cloudProvider: pulumi.ProviderResource,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, {}, { ...opts, providers: [cloudProvider] });
        this.name = name;
        this.region = basics.region;
        this.role = basics.role;
        this.kubernetesVersion = basics.kubernetesVersion;
        this.placement = defaultPlacement(basics.zones);
    }

    /** The cluster's Kubernetes provider, once `dependsOn` is ready; every add-on and app resource uses it. */
    protected connect(kubeconfig: pulumi.Output<string>, dependsOn: pulumi.Resource[]): k8s.Provider {
        return new k8s.Provider(`${this.name}-k8s`, { kubeconfig, enableServerSideApply: true }, { parent: this, dependsOn });
    }

    /** Registers the outputs every cluster has, plus the cloud's own (its network id). */
    protected registerClusterOutputs(
        common: { clusterName: pulumi.Output<string>; endpoint: pulumi.Output<string>; kubeconfig: pulumi.Output<string>; oidcIssuerUrl: pulumi.Output<string> },
        cloudSpecific: Record<string, unknown>,
    ): void {
        this.registerOutputs({ ...common, ...cloudSpecific });
    }
}
