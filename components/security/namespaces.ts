/**
 * Which namespaces the admission policies leave alone, and which may run
 * privileged pods: two documented lists, one reason per entry. Tests check them
 * against the namespaces the program actually labels.
 */
import { NAMESPACES } from "../addons/well-known";

/** Excluded from every admission policy (and from Kyverno's webhooks), with the reason. */
export const SYSTEM_NAMESPACES: Readonly<Record<string, string>> = {
    "kube-system": "the clouds' managed add-ons (CNI, CoreDNS, kube-proxy, CSI drivers) and the EKS cluster-autoscaler run here, from the clouds' own registries; a fail-closed webhook here could keep a cluster from recovering",
    "kube-public": "cluster-info ConfigMap only; no workloads",
    "kube-node-lease": "node heartbeats (Lease objects) only; no workloads",
    [NAMESPACES.kyverno]: "Kyverno itself: its pods must start while its own webhook is down, or nothing admission-controlled could start again",
};

/**
 * The only namespaces where privileged pods (privileged containers, host namespaces,
 * hostPath, host ports, capabilities beyond Pod Security baseline) are admitted,
 * and why each needs it. Every other platform namespace and every app namespace
 * gets none.
 */
export const PRIVILEGED_NAMESPACES: Readonly<Record<string, string>> = {
    [NAMESPACES.falco]: "Falco loads its modern eBPF probe on every node (CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE, CAP_SYS_PTRACE; host /proc and /etc) to watch every container",
    [NAMESPACES.logging]: "Fluent Bit reads every node's /var/log through hostPath and keeps its position there",
    [NAMESPACES.velero]: "Velero's node agent mounts /var/lib/kubelet/pods from the host to back up pod volumes",
    [NAMESPACES.monitoring]: "node-exporter uses the host's network and PID namespaces and hostPath to report node metrics",
};

/** The platform's own namespaces (add-ons); everything neither system nor platform is an app namespace. */
export const PLATFORM_NAMESPACES: readonly string[] = [...new Set(Object.values(NAMESPACES))].filter((ns) => !(ns in SYSTEM_NAMESPACES));

/** The Pod Security Standards label a privileged namespace carries. */
export const PRIVILEGED_POD_SECURITY_LABELS = { "pod-security.kubernetes.io/enforce": "privileged" } as const;
