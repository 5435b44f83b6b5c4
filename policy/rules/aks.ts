/** AKS: zone-redundant node pools, a network policy engine, Entra ID with Azure RBAC, no local accounts. */
import { ADVISORY_IN_DEV, MANDATORY, forTypes, resourceRule } from "../lib/guardrail";
import { Props, known, knownArray, knownStrings, label } from "../lib/values";

const MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster";
const AGENT_POOL = "azure-native:containerservice:AgentPool";

export const DEFAULT_MIN_ZONES = 2;

function zoneProblem(zones: string[], minZones: number): string | undefined {
    if (zones.length >= minZones) return undefined;
    return zones.length === 0 ? "has no availabilityZones (a zone outage takes it down)" : `spans ${zones.length} zone(s) (${zones.join(", ")}); at least ${minZones} required`;
}

export const aksZoneRedundantPools = resourceRule({
    name: "aks-zone-redundant-pools",
    description: "Every AKS agent pool (agentPoolProfiles[] of a ManagedCluster, and AgentPool resources) spans several availability zones.",
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Set availabilityZones to at least two zones (e.g. [\"1\", \"2\", \"3\"]) on every pool; zones can only be set when a pool is created.",
    config: {
        minZones: { type: "integer", minimum: 1, maximum: 3, default: DEFAULT_MIN_ZONES, description: "Zones each pool must span." },
    },
    validateResource: forTypes([MANAGED_CLUSTER, AGENT_POOL], (args, report) => {
        const minZones = args.getConfig<{ minZones?: number }>().minZones ?? DEFAULT_MIN_ZONES;
        if (args.type === AGENT_POOL) {
            const problem = zoneProblem(knownStrings(() => args.props.availabilityZones), minZones);
            if (problem) report(`${label(args)} ${problem}.`);
            return;
        }
        const pools = knownArray<Props>(() => args.props.agentPoolProfiles);
        if (pools.length === 0) report(`${label(args)}: no agentPoolProfiles.`);
        pools.forEach((pool, i) => {
            const problem = zoneProblem(knownStrings(() => pool.availabilityZones), minZones);
            if (problem) report(`${label(args)}: agent pool "${known(() => pool.name) ?? i}" ${problem}.`);
        });
    }),
});

export const aksNetworkPolicy = resourceRule({
    name: "aks-network-policy",
    description: "AKS clusters run a network policy engine (networkProfile.networkPolicy), so NetworkPolicies are enforced.",
    levels: MANDATORY,
    remediationSteps: "Set networkProfile.networkPolicy to \"cilium\" (with networkDataplane \"cilium\"), \"azure\" or \"calico\".",
    validateResource: forTypes([MANAGED_CLUSTER], (args, report) => {
        const policy = known(() => args.props.networkProfile?.networkPolicy);
        if (typeof policy !== "string" || policy === "" || policy.toLowerCase() === "none") {
            report(`${label(args)}: networkProfile.networkPolicy is not set; NetworkPolicy objects would be ignored.`);
        }
    }),
});

export const aksEntraIdRbac = resourceRule({
    name: "aks-entra-id-rbac",
    description: "AKS clusters authenticate with Entra ID (aadProfile.managed) and authorize with Azure RBAC (aadProfile.enableAzureRBAC), with Kubernetes RBAC on.",
    levels: MANDATORY,
    remediationSteps: "Set aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: [...] } and keep enableRBAC true.",
    validateResource: forTypes([MANAGED_CLUSTER], (args, report) => {
        const aad = known(() => args.props.aadProfile) ?? {};
        if (known(() => aad.managed) !== true) report(`${label(args)}: aadProfile.managed is not true (no Entra ID integration).`);
        if (known(() => aad.enableAzureRBAC) !== true) report(`${label(args)}: aadProfile.enableAzureRBAC is not true.`);
        if (known(() => args.props.enableRBAC) === false) report(`${label(args)}: enableRBAC is false (Kubernetes RBAC disabled).`);
    }),
});

export const aksLocalAccountsDisabled = resourceRule({
    name: "aks-local-accounts-disabled",
    description: "AKS clusters disable local (certificate) accounts, so every login goes through Entra ID (mandatory in prod).",
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Set disableLocalAccounts: true (needs aadProfile.managed).",
    validateResource: forTypes([MANAGED_CLUSTER], (args, report) => {
        if (known(() => args.props.disableLocalAccounts) !== true) {
            report(`${label(args)}: disableLocalAccounts is not true; the cluster-admin certificate bypasses Entra ID.`);
        }
    }),
});

export const aksRules = [aksZoneRedundantPools, aksNetworkPolicy, aksEntraIdRbac, aksLocalAccountsDisabled];
