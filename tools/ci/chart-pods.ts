/**
 * What Kyverno's `disallow-privileged-pods` would refuse among a rendered chart's pods,
 * so a chart bump that starts a privileged pod outside the documented node-agent
 * namespaces fails CI instead of being refused by an Enforce cluster. The same
 * criteria as the policy (components/security/kyverno-policies.ts), read from the
 * rendered manifests; the policy itself stays the authority in the cluster.
 */
import * as yaml from "js-yaml";
import { containersOf, podSpecOf } from "../../policy/lib/workloads";
import { BASELINE_CAPABILITIES } from "../../components/security/kyverno-policies";
import { PRIVILEGED_NAMESPACES, SYSTEM_NAMESPACES } from "../../components/security/namespaces";

type Doc = { kind?: string; apiVersion?: string; metadata?: { name?: string; namespace?: string }; [key: string]: unknown };

/** The parts of a container and a pod spec the check reads. */
interface Container {
    ports?: { hostPort?: number }[];
    securityContext?: { privileged?: boolean; capabilities?: { add?: string[] } };
}
interface PodSpec {
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    volumes?: { name?: string; hostPath?: unknown }[];
}

/** The pod spec of a rendered object, by its resource type as Pulumi names it (the pack's workload list). */
function podSpecOfDoc(doc: Doc): PodSpec | undefined {
    const [group, version] = (doc.apiVersion ?? "").includes("/") ? doc.apiVersion!.split("/") : ["core", doc.apiVersion];
    return podSpecOf(`kubernetes:${group}/${version}:${doc.kind}`, doc) as PodSpec | undefined;
}

/** Why each pod of the manifests would be refused in `releaseNamespace` (objects without a namespace are in it). */
export function privilegedPodProblems(text: string, releaseNamespace: string): string[] {
    const problems: string[] = [];
    for (const doc of yaml.loadAll(text) as Doc[]) {
        if (!doc || typeof doc !== "object") continue;
        const pod = podSpecOfDoc(doc);
        if (!pod) continue;
        const namespace = doc.metadata?.namespace ?? releaseNamespace;
        if (namespace in SYSTEM_NAMESPACES || namespace in PRIVILEGED_NAMESPACES) continue;
        const where = `${doc.kind} ${namespace}/${doc.metadata?.name}`;
        for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) if (pod[field] === true) problems.push(`${where}: ${field}`);
        for (const volume of pod.volumes ?? []) if (volume?.hostPath) problems.push(`${where}: hostPath volume ${volume.name}`);
        // Containers and init containers, as the pack reads them (a rendered chart has no ephemeral ones).
        for (const { name, spec } of containersOf(pod)) {
            const c = spec as Container;
            if (c.securityContext?.privileged === true) problems.push(`${where}: container ${name} is privileged`);
            for (const port of c.ports ?? []) if (port?.hostPort) problems.push(`${where}: container ${name} uses host port ${port.hostPort}`);
            for (const cap of c.securityContext?.capabilities?.add ?? []) {
                if (!BASELINE_CAPABILITIES.includes(cap)) problems.push(`${where}: container ${name} adds capability ${cap}`);
            }
        }
    }
    return problems;
}
