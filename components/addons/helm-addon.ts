import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClusterHandle } from "../cluster/contract";
import { ChartRef, chartSource } from "./charts";
import { Values, deepMerge } from "./deep-merge";

/** What the user may say about any add-on, from stack config. */
export interface AddonOverrides {
    /** Helm values deep-merged over the add-on's computed values; the user wins. */
    values?: Values;
}

/** Inputs every add-on component takes. */
export interface AddonArgs extends AddonOverrides {
    cluster: ClusterHandle;
    /** Add-ons (or other resources) that must be ready first. */
    dependsOn?: pulumi.Resource[];
}

export interface ChartInstallArgs {
    cluster: ClusterHandle;
    chart: ChartRef;
    namespace: string;
    /** Helm release name; fixed so labels such as `release:` are predictable. */
    releaseName: string;
    values: Values;
    overrides?: Values;
    dependsOn?: pulumi.Resource[];
    /** Extra namespace labels (Pod Security Standards level, etc.). */
    namespaceLabels?: Record<string, string>;
    /** Skip namespace creation when the namespace is owned elsewhere. */
    existingNamespace?: boolean;
    timeoutSeconds?: number;
}

export interface ChartInstall {
    namespace: pulumi.Output<string>;
    release: k8s.helm.v3.Release;
    namespaceResource?: k8s.core.v1.Namespace;
}

/**
 * A platform namespace on the cluster, created once the cluster is ready. Add-ons
 * that need objects in place before their release (Secrets, Certificates) create
 * it themselves with this and pass `existingNamespace: true` to installChart.
 */
export function createPlatformNamespace(
    owner: pulumi.Resource,
    name: string,
    cluster: ClusterHandle,
    namespace: string,
    labels: Record<string, string> = {},
    /** Protect it when it holds stateful data: deleting a namespace deletes its volumes' claims (default: inherit). */
    protect?: boolean,
): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(`${name}-ns`, {
        metadata: { name: namespace, labels: { "app.kubernetes.io/part-of": "platform", ...labels } },
    }, { parent: owner, provider: cluster.provider, dependsOn: cluster.readiness, protect, retainOnDelete: protect });
}

/**
 * The add-on contract in one function: a namespace, a pinned chart installed
 * as a helm.v3.Release (so chart hooks run), computed values deep-merged with
 * the user's overrides, the cluster's provider, and explicit dependencies.
 */
export function installChart(owner: pulumi.ComponentResource, name: string, args: ChartInstallArgs): ChartInstall {
    const provider = args.cluster.provider;
    const namespaceResource = args.existingNamespace ? undefined : createPlatformNamespace(owner, name, args.cluster, args.namespace, args.namespaceLabels);

    const release = new k8s.helm.v3.Release(name, {
        name: args.releaseName,
        ...chartSource(args.chart),
        version: args.chart.version,
        namespace: namespaceResource ? namespaceResource.metadata.name : args.namespace,
        values: deepMerge(args.values, args.overrides),
        atomic: true,
        cleanupOnFail: true,
        timeout: args.timeoutSeconds ?? 600,
        maxHistory: 10,
    }, {
        parent: owner,
        provider,
        dependsOn: [...(namespaceResource ? [namespaceResource] : []), ...args.cluster.readiness, ...(args.dependsOn ?? [])],
    });

    return {
        namespace: namespaceResource ? namespaceResource.metadata.name : pulumi.output(args.namespace),
        release,
        namespaceResource,
    };
}

/**
 * Spread the pods with these labels over the zones, softly (a zone that is gone or full
 * does not block scheduling): the one zone spread every add-on states the same way.
 */
export function zoneSpread(topologyKey: string, matchLabels: Record<string, string>) {
    return [{ maxSkew: 1, topologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels } }];
}

/** Standard resource block, so every add-on states requests and limits the same way. */
export function resources(cpu: string, memory: string, cpuLimit?: string, memoryLimit?: string) {
    return {
        requests: { cpu, memory },
        limits: { ...(cpuLimit ? { cpu: cpuLimit } : {}), memory: memoryLimit ?? memory },
    };
}
