/**
 * Pod Security Standards `restricted`, enforced and also audited and warned,
 * pinned to the cluster's minor version so an upgrade cannot loosen or break it.
 * For every namespace that runs workloads without host access (the app, the database).
 */
export function podSecurityLabels(kubernetesVersion: string): Record<string, string> {
    const version = `v${kubernetesVersion}`;
    const labels: Record<string, string> = {};
    for (const mode of ["enforce", "audit", "warn"]) {
        labels[`pod-security.kubernetes.io/${mode}`] = "restricted";
        labels[`pod-security.kubernetes.io/${mode}-version`] = version;
    }
    return labels;
}
