/**
 * The admission policies Kyverno enforces, as plain objects (one builder per policy).
 *
 * Kyverno 1.19's own recommendation: the CEL policy types of policies.kyverno.io/v1
 * (ValidatingPolicy, ImageValidatingPolicy; stable since 1.17). ClusterPolicy
 * (kyverno.io/v1) is deprecated since 1.17 and planned for removal in 1.20.
 *
 * Scope, stated once (namespaces.ts gives each exclusion its reason):
 *  - every policy skips SYSTEM_NAMESPACES;
 *  - registries, pinned images and signatures apply to every other namespace, the
 *    platform's included: an Enforce policy judges the charts' pods too, which is why
 *    the allowed list starts with the platform's own sources (registries.ts);
 *  - "no privileged pods" also skips PRIVILEGED_NAMESPACES, the documented node agents;
 *  - Pod Security restricted and requests/limits apply to app namespaces: everything
 *    neither system nor platform, so a namespace created by hand is covered from its
 *    first pod. Charts' pods are asserted by the add-on tests instead.
 *
 * Policies match Pods; Kyverno's autogen extends each to Deployments, StatefulSets,
 * DaemonSets, Jobs, CronJobs and ReplicaSets, so a bad Deployment is refused before
 * its ReplicaSet fails to create pods.
 */
import { PLATFORM_NAMESPACES, PRIVILEGED_NAMESPACES, SYSTEM_NAMESPACES } from "./namespaces";
import { registryPatternRegExp } from "./image-reference";

const KYVERNO_POLICY_API = "policies.kyverno.io/v1";

/** Enforce: violations are refused (Deny). Audit: admitted, reported, and warned to the client. */
export type Enforcement = "Enforce" | "Audit";

/** Who must have signed the app's images (cosign). */
export type SignatureAttestor =
    | { method: "keyless"; issuer: string; subject?: string; subjectRegExp?: string; rekorUrl?: string }
    | { method: "key"; publicKey: string };

export interface AdmissionPolicyArgs {
    enforcement: Enforcement;
    /** Registry patterns (host, optional path prefix, `*` for one label or segment). */
    allowedRegistries: readonly string[];
    /** Image repositories that must carry a valid signature, and who signs them. */
    signedImages: { repositories: readonly string[]; attestor: SignatureAttestor };
}

export interface KyvernoPolicyObject {
    apiVersion: string;
    kind: "ValidatingPolicy" | "ImageValidatingPolicy";
    metadata: { name: string; annotations: Record<string, string> };
    spec: Record<string, unknown>;
}

const NAME_LABEL = "kubernetes.io/metadata.name";

/** Kyverno's Deny/Audit/Warn per environment: Audit also warns, so `kubectl apply` in dev shows what prod would refuse. */
export function validationActions(enforcement: Enforcement): string[] {
    return enforcement === "Enforce" ? ["Deny"] : ["Audit", "Warn"];
}

/** Fail closed in prod (an unreachable Kyverno refuses, never admits); dev fails open. */
export function failurePolicy(enforcement: Enforcement): "Fail" | "Ignore" {
    return enforcement === "Enforce" ? "Fail" : "Ignore";
}

function namespacesOtherThan(excluded: readonly string[]) {
    return { matchExpressions: [{ key: NAME_LABEL, operator: "NotIn", values: [...new Set(excluded)].sort() }] };
}

const EXCLUDED_EVERYWHERE = Object.keys(SYSTEM_NAMESPACES);
export const EXCLUDED_FROM_PRIVILEGED_CHECK = [...EXCLUDED_EVERYWHERE, ...Object.keys(PRIVILEGED_NAMESPACES)];
export const EXCLUDED_FROM_APP_CHECKS = [...EXCLUDED_EVERYWHERE, ...PLATFORM_NAMESPACES];

function podRules() {
    return [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }];
}

/** Every container of the pod, init and ephemeral ones included. */
const ALL_CONTAINERS = {
    name: "containers",
    expression: "object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])",
};

function validatingPolicy(name: string, title: string, description: string, args: {
    enforcement: Enforcement;
    excludedNamespaces: readonly string[];
    variables: { name: string; expression: string }[];
    validations: { expression: string; message: string }[];
}): KyvernoPolicyObject {
    return {
        apiVersion: KYVERNO_POLICY_API,
        kind: "ValidatingPolicy",
        metadata: { name, annotations: { "policies.kyverno.io/title": title, "policies.kyverno.io/description": description } },
        spec: {
            validationActions: validationActions(args.enforcement),
            failurePolicy: failurePolicy(args.enforcement),
            // Existing objects are re-checked too, so a violation admitted while a webhook was down still reaches the reports.
            evaluation: { background: { enabled: true } },
            matchConstraints: { resourceRules: podRules(), namespaceSelector: namespacesOtherThan(args.excludedNamespaces) },
            variables: args.variables,
            validations: args.validations,
        },
    };
}

/** A CEL raw-string list literal of regular expressions. */
function celRegexList(patterns: readonly string[]): string {
    return `[${patterns.map((p) => {
        const regex = registryPatternRegExp(p);
        if (regex.includes("'")) throw new Error(`registry pattern ${p} cannot contain a quote`);
        return `r'${regex}'`;
    }).join(", ")}]`;
}

export function allowedRegistriesPolicy(args: AdmissionPolicyArgs): KyvernoPolicyObject {
    return validatingPolicy("restrict-image-registries", "Images only from allowed registries",
        "Every container image comes from the platform's own sources or security.allowedRegistries.", {
            enforcement: args.enforcement,
            excludedNamespaces: EXCLUDED_EVERYWHERE,
            variables: [
                ALL_CONTAINERS,
                { name: "allowed", expression: celRegexList(args.allowedRegistries) },
                // registry/repository of every parsable image, Docker Hub spelled docker.io as in the patterns.
                {
                    name: "imageNames",
                    expression: "variables.containers.filter(c, isImage(c.image)).map(c, parseImageReference(c.image)).map(r, (r.registry() == 'index.docker.io' ? 'docker.io' : r.registry()) + '/' + r.repository())",
                },
            ],
            validations: [
                { expression: "variables.containers.all(c, isImage(c.image))", message: "Every container needs a valid image reference." },
                {
                    expression: "variables.imageNames.all(n, variables.allowed.exists(p, n.matches(p)))",
                    message: `Images must come from an allowed registry: ${args.allowedRegistries.join(", ")}. Add a registry with security.allowedRegistries (README "Security layers").`,
                },
            ],
        });
}

export function pinnedImagesPolicy(enforcement: Enforcement): KyvernoPolicyObject {
    return validatingPolicy("require-pinned-images", "No latest, no untagged images",
        "Every image names an explicit tag other than latest, or a digest. An untagged reference means latest.", {
            enforcement,
            excludedNamespaces: EXCLUDED_EVERYWHERE,
            variables: [ALL_CONTAINERS],
            validations: [{
                // parseImageReference gives an untagged reference the tag "latest", so one comparison refuses both.
                expression: "variables.containers.all(c, isImage(c.image) && (parseImageReference(c.image).containsDigest() || parseImageReference(c.image).tag() != 'latest'))",
                message: "Pin every image to a version tag or a digest; latest and untagged images are not allowed.",
            }],
        });
}

export function requestsAndLimitsPolicy(enforcement: Enforcement): KyvernoPolicyObject {
    return validatingPolicy("require-requests-limits", "Requests and a memory limit on every container",
        "App containers request CPU and memory and are limited in memory, as the CrossGuard rule container-resource-limits asks (CPU limits are opt-in: they throttle; ephemeral debug containers cannot carry resources).", {
            enforcement,
            excludedNamespaces: EXCLUDED_FROM_APP_CHECKS,
            variables: [{ name: "containers", expression: "object.spec.containers + object.spec.?initContainers.orValue([])" }],
            validations: [{
                expression: "variables.containers.all(c, c.?resources.?requests.?cpu.orValue('') != '' && c.?resources.?requests.?memory.orValue('') != '' && c.?resources.?limits.?memory.orValue('') != '')",
                message: "Every container and init container requests cpu and memory and sets a memory limit.",
            }],
        });
}

const SECURE_SECCOMP = "['RuntimeDefault', 'Localhost']";

export function restrictedPodSecurityPolicy(enforcement: Enforcement): KyvernoPolicyObject {
    return validatingPolicy("pod-security-restricted", "Pod Security Standards: restricted",
        "The restricted profile's checks for app namespaces: non-root, no privilege escalation, ALL capabilities dropped, RuntimeDefault seccomp, restricted volume types.", {
            enforcement,
            excludedNamespaces: EXCLUDED_FROM_APP_CHECKS,
            variables: [ALL_CONTAINERS, { name: "pod", expression: "object.spec.?securityContext.orValue({})" }],
            validations: [
                {
                    expression: "(variables.pod.?runAsNonRoot.orValue(false) == true && variables.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(true) == true)) || variables.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(false) == true)",
                    message: "Containers must run as non-root (runAsNonRoot: true on the pod or on every container).",
                },
                {
                    expression: "variables.pod.?runAsUser.orValue(1) != 0 && variables.containers.all(c, c.?securityContext.?runAsUser.orValue(1) != 0)",
                    message: "runAsUser must not be 0.",
                },
                {
                    expression: "variables.containers.all(c, c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false)",
                    message: "allowPrivilegeEscalation must be false on every container.",
                },
                {
                    expression: "variables.containers.all(c, c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL') && c.?securityContext.?capabilities.?add.orValue([]).all(a, a == 'NET_BIND_SERVICE'))",
                    message: "Every container drops ALL capabilities and adds none but NET_BIND_SERVICE.",
                },
                {
                    expression: `(variables.pod.?seccompProfile.?type.orValue('') in ${SECURE_SECCOMP} && variables.containers.all(c, c.?securityContext.?seccompProfile.?type.orValue('RuntimeDefault') in ${SECURE_SECCOMP})) || variables.containers.all(c, c.?securityContext.?seccompProfile.?type.orValue('') in ${SECURE_SECCOMP})`,
                    message: "seccompProfile must be RuntimeDefault or Localhost.",
                },
                {
                    expression: "object.spec.?volumes.orValue([]).all(v, has(v.configMap) || has(v.csi) || has(v.downwardAPI) || has(v.emptyDir) || has(v.ephemeral) || has(v.persistentVolumeClaim) || has(v.projected) || has(v.secret))",
                    message: "Only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes are allowed.",
                },
            ],
        });
}

/** Capabilities Pod Security baseline allows to be added; anything else is privileged. */
export const BASELINE_CAPABILITIES = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

export function privilegedPodsPolicy(enforcement: Enforcement): KyvernoPolicyObject {
    return validatingPolicy("disallow-privileged-pods", "No privileged pods outside the node-agent namespaces",
        `Privileged containers, host namespaces, hostPath volumes, host ports and capabilities beyond baseline are only admitted in ${Object.keys(PRIVILEGED_NAMESPACES).join(", ")}.`, {
            enforcement,
            excludedNamespaces: EXCLUDED_FROM_PRIVILEGED_CHECK,
            variables: [ALL_CONTAINERS],
            validations: [
                { expression: "variables.containers.all(c, c.?securityContext.?privileged.orValue(false) == false)", message: "Privileged containers are not allowed here." },
                {
                    expression: "!object.spec.?hostNetwork.orValue(false) && !object.spec.?hostPID.orValue(false) && !object.spec.?hostIPC.orValue(false)",
                    message: "The host's network, PID and IPC namespaces are not allowed here.",
                },
                { expression: "object.spec.?volumes.orValue([]).all(v, !has(v.hostPath))", message: "hostPath volumes are not allowed here." },
                { expression: "variables.containers.all(c, c.?ports.orValue([]).all(p, p.?hostPort.orValue(0) == 0))", message: "Host ports are not allowed here." },
                {
                    expression: `variables.containers.all(c, c.?securityContext.?capabilities.?add.orValue([]).all(a, a in [${BASELINE_CAPABILITIES.map((c) => `'${c}'`).join(", ")}]))`,
                    message: `Only the baseline capabilities may be added here (${BASELINE_CAPABILITIES.join(", ")}).`,
                },
            ],
        });
}

function attestor(signer: SignatureAttestor): Record<string, unknown> {
    if (signer.method === "key") return { name: "cosign", cosign: { key: { data: signer.publicKey } } };
    const identity = { issuer: signer.issuer, ...(signer.subject ? { subject: signer.subject } : { subjectRegExp: signer.subjectRegExp }) };
    return { name: "cosign", cosign: { keyless: { identities: [identity] }, ...(signer.rekorUrl ? { ctlog: { url: signer.rekorUrl } } : {}) } };
}

/** The app's images (any tag or digest of its repositories) carry a valid cosign signature, checked against the registry at admission. */
export function signedImagesPolicy(args: AdmissionPolicyArgs): KyvernoPolicyObject {
    const { repositories, attestor: signer } = args.signedImages;
    return {
        apiVersion: KYVERNO_POLICY_API,
        kind: "ImageValidatingPolicy",
        metadata: {
            name: "verify-app-image-signatures",
            annotations: {
                "policies.kyverno.io/title": "Signed app images",
                "policies.kyverno.io/description": `Images of ${repositories.join(", ")} carry a cosign signature by the configured ${signer.method === "key" ? "key" : "keyless identity"}.`,
            },
        },
        spec: {
            validationActions: validationActions(args.enforcement),
            failurePolicy: failurePolicy(args.enforcement),
            // Registry round trips: give them time, and do not repeat them in background scans.
            webhookConfiguration: { timeoutSeconds: 30 },
            evaluation: { background: { enabled: false } },
            matchConstraints: { resourceRules: podRules(), namespaceSelector: namespacesOtherThan(EXCLUDED_EVERYWHERE) },
            matchImageReferences: repositories.flatMap((repo) => [{ glob: `${repo}:*` }, { glob: `${repo}@*` }]),
            attestors: [attestor(signer)],
            // Pulumi owns the workloads: rewriting their tags to digests would show as drift on every run.
            validationConfigurations: { mutateDigest: false, verifyDigest: false, required: true },
            validations: [{
                expression: "(images.containers + images.initContainers).all(image, verifyImageSignatures(image, [attestors.cosign]) > 0)",
                message: "The app's images must carry a valid cosign signature (security.imageSignature).",
            }],
        },
    };
}

/** Every admission policy, in a fixed order. */
export function admissionPolicies(args: AdmissionPolicyArgs): KyvernoPolicyObject[] {
    return [
        allowedRegistriesPolicy(args),
        pinnedImagesPolicy(args.enforcement),
        requestsAndLimitsPolicy(args.enforcement),
        restrictedPodSecurityPolicy(args.enforcement),
        privilegedPodsPolicy(args.enforcement),
        signedImagesPolicy(args),
    ];
}
