/**
 * Falco rules for a protected workload namespace (the financial app), rendered as a
 * rules file. They build on the macros of Falco's default ruleset (falco_rules.yaml,
 * installed by falcoctl at start-up) where those say exactly what we mean
 * (spawned_process, open_write, open_read, container), and define their own where the
 * defaults differ: the default `outbound` macro ignores private addresses, and every
 * destination of this app is private. Conditions follow the current
 * falcosecurity/rules style (no `evt.dir` filters).
 */
export interface RuntimeProfile {
    /** The namespace whose containers the rules watch. */
    namespace: string;
    /** Destinations outside the cluster the workload may connect to (its database). */
    allowedCidrs: { cidr: string; port: number }[];
    /**
     * Ports of the in-cluster services it may reach (Vault, Elasticsearch, Prometheus, DNS).
     * Matched by port, not address: Service and pod addresses differ per cloud; the
     * namespace's NetworkPolicies pin the exact peers.
     */
    inClusterPorts: number[];
}

/** Falco priorities by what they mean here; Falcosidekick maps critical to the on-call route. */
export const RULE_PRIORITIES = {
    shell: "CRITICAL",
    debugShell: "NOTICE",
    systemWrite: "CRITICAL",
    outbound: "CRITICAL",
    tokenRead: "CRITICAL",
} as const;

/** Paths no running container of the app writes below (its root filesystem is read-only). */
const SYSTEM_PATHS = ["/bin/", "/sbin/", "/usr/", "/lib/", "/lib64/", "/etc/", "/boot/", "/root/", "/var/lib/", "/opt/"];

/** Where ServiceAccount tokens are mounted: the default path, and the Vault agent's projected token. */
const TOKEN_PATHS = ["/var/run/secrets/kubernetes.io/serviceaccount/", "/run/secrets/kubernetes.io/serviceaccount/", "/var/run/secrets/vault.hashicorp.com/serviceaccount/"];

const SHELLS = ["sh", "bash", "ash", "dash", "zsh", "ksh", "csh", "tcsh", "fish", "busybox"];

const OUTPUT_FIELDS = "user=%user.name uid=%user.uid command=%proc.cmdline parent=%proc.pname container=%container.name image=%container.image.repository:%container.image.tag pod=%k8s.pod.name ns=%k8s.ns.name";

/**
 * One rules file for the profiles; macro and list names carry the namespace so several
 * profiles coexist. Written as JSON, which every YAML parser (Falco's included) reads.
 */
export function runtimeRules(profiles: readonly RuntimeProfile[]): string {
    const items: Record<string, unknown>[] = [{ list: "finplat_shells", items: SHELLS }];
    for (const profile of profiles) {
        const id = profile.namespace.replace(/[^a-z0-9]/g, "_");
        const inNamespace = `finplat_${id}_container`;
        const allowedDestinations = [
            ...profile.allowedCidrs.map((d) => `(fd.snet = "${d.cidr}" and fd.sport = ${d.port})`),
            `(fd.sport in (${profile.inClusterPorts.join(", ")}))`,
        ].join(" or ");
        const tokenPaths = TOKEN_PATHS.map((p) => `fd.name startswith "${p}"`).join(" or ");
        const systemPaths = SYSTEM_PATHS.map((p) => `fd.name startswith "${p}"`).join(" or ");
        items.push(
            { macro: inNamespace, condition: `(container.id != host and k8s.ns.name = "${profile.namespace}")` },
            {
                macro: `finplat_${id}_outbound`,
                condition: `(evt.type = connect and (fd.typechar = 4 or fd.typechar = 6) and fd.ip != "0.0.0.0" and fd.net != "127.0.0.0/8" and (evt.rawres >= 0 or evt.res = EINPROGRESS))`,
            },
            {
                rule: `Shell in ${profile.namespace} container`,
                desc: `A shell started in a container of ${profile.namespace}; its images ship no interactive use.`,
                condition: `spawned_process and ${inNamespace} and proc.name in (finplat_shells) and not container.name startswith "debugger-"`,
                output: `Shell in a ${profile.namespace} container (${OUTPUT_FIELDS})`,
                priority: RULE_PRIORITIES.shell,
                tags: ["finplat", profile.namespace, "mitre_execution"],
            },
            {
                rule: `Shell in ${profile.namespace} debug container`,
                desc: "A shell in a `kubectl debug` ephemeral container (the on-call runbook); recorded, not paged.",
                condition: `spawned_process and ${inNamespace} and proc.name in (finplat_shells) and container.name startswith "debugger-"`,
                output: `Shell in a ${profile.namespace} debug container (${OUTPUT_FIELDS})`,
                priority: RULE_PRIORITIES.debugShell,
                tags: ["finplat", profile.namespace, "debug"],
            },
            {
                rule: `Write below system paths in ${profile.namespace}`,
                desc: "A file below a system directory was opened for writing; the app's root filesystem is read-only, so this is tampering or a pod deployed outside the platform.",
                condition: `open_write and ${inNamespace} and (${systemPaths})`,
                output: `Write below a system path in ${profile.namespace} (file=%fd.name ${OUTPUT_FIELDS})`,
                priority: RULE_PRIORITIES.systemWrite,
                tags: ["finplat", profile.namespace, "filesystem", "mitre_persistence"],
            },
            {
                rule: `Unexpected outbound connection from ${profile.namespace}`,
                desc: "A connection to anything but the database, Vault, the telemetry sinks and DNS.",
                condition: `finplat_${id}_outbound and ${inNamespace} and not (${allowedDestinations})`,
                output: `Unexpected outbound connection from ${profile.namespace} (connection=%fd.name ${OUTPUT_FIELDS})`,
                priority: RULE_PRIORITIES.outbound,
                tags: ["finplat", profile.namespace, "network", "mitre_exfiltration"],
            },
            {
                rule: `ServiceAccount token read in ${profile.namespace}`,
                desc: "A ServiceAccount token was read by a process other than the Vault agent; the app itself never calls the Kubernetes API.",
                condition: `open_read and ${inNamespace} and (${tokenPaths}) and not proc.name = vault`,
                output: `ServiceAccount token read in ${profile.namespace} (file=%fd.name ${OUTPUT_FIELDS})`,
                priority: RULE_PRIORITIES.tokenRead,
                tags: ["finplat", profile.namespace, "credential_access", "mitre_credential_access"],
            },
        );
    }
    return `${JSON.stringify(items, null, 2)}\n`;
}
