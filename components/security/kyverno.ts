import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../addons/charts";
import { AddonArgs, installChart, resources } from "../addons/helm-addon";
import { MONITORING_SELECTOR_LABELS, NAMESPACES } from "../addons/well-known";
import { AdmissionPolicyArgs, Enforcement, admissionPolicies } from "./kyverno-policies";
import { SYSTEM_NAMESPACES } from "./namespaces";
import { policyAlertGroups } from "./policy-report-metrics";

const KYVERNO_RELEASE = "kyverno";

export interface KyvernoArgs extends AddonArgs, AdmissionPolicyArgs {
    /** Admission controller replicas; 3 or more in prod (HA, a PDB, spread over zones). */
    replicas: number;
    /** Render the controllers' ServiceMonitors and the alert rules (needs the monitoring release in dependsOn). */
    serviceMonitor: boolean;
}

/**
 * Kyverno from its official chart and the platform's admission policies.
 *
 * No deadlock: kube-system and Kyverno's own namespace never reach its webhooks (the
 * chart excludes its namespace; we exclude the system namespaces explicitly, see
 * namespaces.ts), so the cluster's own add-ons and Kyverno itself always start, even
 * when prod's fail-closed webhooks have nobody to answer them.
 */
export class Kyverno extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    public readonly policies: k8s.apiextensions.CustomResource[];
    public readonly enforcement: Enforcement;

    constructor(name: string, args: KyvernoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:security:Kyverno", name, {}, opts);
        if (!Number.isInteger(args.replicas) || args.replicas < 1) throw new Error(`Kyverno ${name}: replicas must be a whole number >= 1, got ${args.replicas}`);
        const { cluster } = args;
        const placement = cluster.placement;
        const highlyAvailable = args.replicas > 1;
        const controllerReplicas = highlyAvailable ? 2 : 1;
        const monitor = { enabled: args.serviceMonitor, additionalLabels: { ...MONITORING_SELECTOR_LABELS } };
        const pdb = { enabled: highlyAvailable, minAvailable: 1 };
        const controller = (cpu: string, memory: string, memoryLimit: string) => ({
            replicas: controllerReplicas,
            podDisruptionBudget: pdb,
            resources: resources(cpu, memory, undefined, memoryLimit),
            serviceMonitor: monitor,
        });

        const values = {
            // Kyverno runs on the system pool with the other controllers.
            global: { nodeSelector: placement.systemNodeSelector, tolerations: placement.systemTolerations },
            crds: { install: true },
            config: {
                // Kyverno's own namespace is excluded by the chart (excludeKyvernoNamespace); these are the rest.
                webhooks: {
                    namespaceSelector: {
                        matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: Object.keys(SYSTEM_NAMESPACES).filter((ns) => ns !== NAMESPACES.kyverno) }],
                    },
                },
                excludeKyvernoNamespace: true,
            },
            admissionController: {
                replicas: args.replicas,
                podDisruptionBudget: pdb,
                topologySpreadConstraints: highlyAvailable
                    ? [{ maxSkew: 1, topologyKey: placement.zoneTopologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/component": "admission-controller", "app.kubernetes.io/instance": KYVERNO_RELEASE } } }]
                    : [],
                container: { resources: resources("100m", "256Mi", undefined, "768Mi") },
                serviceMonitor: monitor,
            },
            backgroundController: controller("100m", "128Mi", "256Mi"),
            // Writes the policy reports that kube-state-metrics turns into metrics (policy-report-metrics.ts).
            reportsController: controller("100m", "128Mi", "512Mi"),
            cleanupController: controller("50m", "64Mi", "128Mi"),
            // Exceptions would let a namespace owner waive a policy; waivers go through this repository instead.
            features: { policyExceptions: { enabled: false } },
        };

        const chart = installChart(this, name, {
            cluster,
            chart: CHARTS.kyverno,
            namespace: NAMESPACES.kyverno,
            releaseName: KYVERNO_RELEASE,
            values,
            overrides: args.values,
            dependsOn: args.dependsOn,
        });
        this.namespace = chart.namespace;
        this.release = chart.release;
        this.enforcement = args.enforcement;

        // The release installs the policies.kyverno.io CRDs and the controllers that admit these.
        this.policies = admissionPolicies(args).map((policy) =>
            new k8s.apiextensions.CustomResource(`${name}-${policy.metadata.name}`, policy, { parent: this, provider: cluster.provider, dependsOn: [chart.release] }));

        if (args.serviceMonitor) {
            new k8s.apiextensions.CustomResource(`${name}-alerts`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "admission-policy-alerts", namespace: this.namespace, labels: { ...MONITORING_SELECTOR_LABELS } },
                // New violations page in prod (Enforce); in dev they are warnings.
                spec: { groups: policyAlertGroups(args.enforcement === "Enforce" ? "critical" : "warning") },
            }, { parent: this, provider: cluster.provider, dependsOn: [chart.release, ...(args.dependsOn ?? [])] });
        }

        this.registerOutputs({ namespace: this.namespace, release: this.release, policies: this.policies, enforcement: this.enforcement });
    }
}
