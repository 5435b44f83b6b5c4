/**
 * The platform's own alerts: the failures that break disaster recovery or the
 * platform itself and that kube-prometheus-stack's default rules do not cover
 * (certificates, backups, Vault) or that we want on one page with a runbook
 * (node readiness, crash loops).
 *
 * Plain data, so the Monitoring component stays about wiring and the rules
 * can be read (and tested) on their own.
 */

/** Alertmanager routes on this label; see Monitoring's route tree. */
export type AlertSeverity = "critical" | "warning";

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: AlertSeverity } & Record<string, string>;
    annotations: { summary: string; description: string; runbook: string };
}

export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

export interface PlatformRuleOptions {
    /** Seconds since the last successful Velero backup after which backups count as stale. */
    backupStaleAfterSeconds: number;
}

const DAY = 24 * 3600;

function humanDuration(seconds: number): string {
    if (seconds % DAY === 0) return `${seconds / DAY}d`;
    if (seconds % 3600 === 0) return `${seconds / 3600}h`;
    if (seconds % 60 === 0) return `${seconds / 60}m`;
    return `${seconds}s`;
}

/** The five alert families, one group each, so a group name says what broke. */
export function platformAlertGroups(options: PlatformRuleOptions): RuleGroup[] {
    const stale = options.backupStaleAfterSeconds;
    if (!Number.isFinite(stale) || stale <= 0) {
        throw new Error(`backupStaleAfterSeconds must be a positive number of seconds, got ${stale}`);
    }
    return [
        {
            name: "platform.certificates",
            rules: [
                {
                    alert: "CertificateExpiringSoon",
                    // cert-manager renews at 2/3 of the lifetime (30 days before expiry for 90-day certs), so 14 days left means renewal is failing.
                    expr: `certmanager_certificate_expiration_timestamp_seconds - time() < ${14 * DAY}`,
                    for: "1h",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}",
                        description: "cert-manager has not renewed this certificate although fewer than 14 days remain.",
                        runbook: "kubectl -n {{ $labels.namespace }} describe certificate {{ $labels.name }}; check the CertificateRequest/Order events and the ClusterIssuer (DNS-01 needs the cluster's DNS zone permissions).",
                    },
                },
                {
                    alert: "CertificateExpiryImminent",
                    expr: `certmanager_certificate_expiration_timestamp_seconds - time() < ${3 * DAY}`,
                    for: "10m",
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}",
                        description: "TLS for this name breaks within 3 days.",
                        runbook: "Fix renewal as for CertificateExpiringSoon; if the issuer is down, fail traffic over to the peer cluster before expiry.",
                    },
                },
            ],
        },
        {
            name: "platform.backups",
            rules: [
                {
                    alert: "VeleroBackupFailed",
                    expr: "increase(velero_backup_failure_total[1h]) > 0",
                    for: "5m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "Velero backup of schedule {{ $labels.schedule }} failed",
                        description: "A backup failed in the last hour. One failure is a warning; VeleroBackupStale pages when the RPO is at risk.",
                        runbook: "velero backup get; velero backup describe <name> --details; velero backup logs <name>. Check the backup store credentials and bucket/container access.",
                    },
                },
                {
                    alert: "VeleroBackupStale",
                    expr: `time() - velero_backup_last_successful_timestamp > ${stale}`,
                    for: "10m",
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "No successful Velero backup of schedule {{ $labels.schedule }} for {{ $value | humanizeDuration }}",
                        description: `The last successful backup is older than ${humanDuration(stale)}: a restore on the peer cluster would lose more data than the RPO allows.`,
                        runbook: "Find why scheduled backups fail (VeleroBackupFailed, velero backup logs), then run `velero backup create --from-schedule <schedule>` and confirm it completes.",
                    },
                },
            ],
        },
        {
            name: "platform.vault",
            rules: [
                {
                    alert: "VaultSealed",
                    expr: "vault_core_unsealed == 0",
                    for: "5m",
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "Vault pod {{ $labels.pod }} is sealed",
                        description: "A sealed Vault serves no secrets; applications cannot start or renew leases.",
                        runbook: "kubectl -n vault logs {{ $labels.pod }}; auto-unseal failing usually means the pod's identity lost access to the unseal key (KMS / Key Vault).",
                    },
                },
            ],
        },
        {
            name: "platform.nodes",
            rules: [
                {
                    alert: "NodeNotReady",
                    expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0',
                    for: "10m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "Node {{ $labels.node }} has not been Ready for 10 minutes",
                        description: "Pods on this node are being evicted or are unreachable; capacity is reduced.",
                        runbook: "kubectl describe node {{ $labels.node }}; check kubelet conditions (memory/disk/PID pressure) and the cloud instance status; the node group replaces unhealthy instances.",
                    },
                },
            ],
        },
        {
            name: "platform.pods",
            rules: [
                {
                    alert: "PodCrashLooping",
                    // More than 3 restarts in 15 minutes, sustained.
                    expr: "rate(kube_pod_container_status_restarts_total[15m]) * 900 > 3",
                    for: "15m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is crash looping",
                        description: "The container restarted more than 3 times in 15 minutes.",
                        runbook: "kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c {{ $labels.container }} --previous; kubectl -n {{ $labels.namespace }} describe pod {{ $labels.pod }}.",
                    },
                },
            ],
        },
    ];
}
