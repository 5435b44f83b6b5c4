/**
 * Isolation, as the seeds' "RBAC system with strict policies" asks, over the objects
 * the program declares in the real stacks. Charts' RBAC (controllers' ClusterRoles)
 * is rendered by Helm at deploy time: the offline check reaches the program's own
 * Roles, ClusterRoles, bindings, ServiceAccounts and workloads, not the charts'.
 */
import { strict as assert } from "assert";
import { DEBUG_RULES } from "../../components/app/debug-access";
import { PLATFORM_NAMESPACES, SYSTEM_NAMESPACES } from "../../components/security/namespaces";
import { POD_SPEC_PATHS, podSpecOf } from "../../policy/lib/workloads";
import { Evaluation } from "../../commands/offline/harness";
import { Grant, PolicyRule, clusterWideWriters, grantsOf, rightsBeyond } from "../support/rbac";
import { stackEvaluation } from "../support/stacks";

const APP_NAMESPACE = "financial-app";
/** Where the platform's controllers run: the only ServiceAccounts that may write cluster-wide. */
const CONTROLLER_NAMESPACES = [...PLATFORM_NAMESPACES, ...Object.keys(SYSTEM_NAMESPACES)];

/**
 * Declared workloads that call the Kubernetes API, and so get a token. None today:
 * the app reaches Vault with a projected token of Vault's audience, not the API.
 */
const USES_KUBERNETES_API: readonly string[] = [];

describe("isolation (RBAC and tokens) in the dev and prod stacks", () => {
    let stacks: Evaluation[];
    before(async () => {
        stacks = await Promise.all([stackEvaluation("dev"), stackEvaluation("prod")]);
    });

    it("the app's ServiceAccounts have no Kubernetes API rights beyond what the debug runbook grants on-call humans", () => {
        for (const ev of stacks) {
            const serviceAccounts = ev.ofType("kubernetes:core/v1:ServiceAccount").filter((sa) => sa.inputs.metadata.namespace === APP_NAMESPACE);
            assert.equal(serviceAccounts.length, 2, "one per cluster");
            for (const grant of grantsOf(ev)) {
                const appSubjects = grant.subjects.filter((s) => s.kind === "ServiceAccount" && (s.namespace ?? grant.scope) === APP_NAMESPACE);
                if (appSubjects.length === 0) continue;
                assert.ok(grant.rules, `${grant.binding.name} binds an app ServiceAccount to ${grant.roleRef.kind} ${grant.roleRef.name}, which the program does not declare`);
                assert.deepEqual(rightsBeyond(grant.rules!, DEBUG_RULES as PolicyRule[]), [], grant.binding.name);
            }
            // The runbook's own grant: to the on-call group, in the app namespace, exactly the debug rules.
            const debug = grantsOf(ev).filter((g) => g.scope === APP_NAMESPACE);
            assert.equal(debug.length, 2);
            for (const g of debug) {
                assert.deepEqual(g.subjects.map((s) => s.kind), ["Group"]);
                assert.deepEqual(g.rules, DEBUG_RULES);
            }
        }
    });

    it("the comparison catches rights beyond the runbook (exec, secrets, wildcards)", () => {
        assert.deepEqual(rightsBeyond([
            { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
            { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
            { apiGroups: [""], resources: ["secrets"], verbs: ["*"] },
        ], DEBUG_RULES as PolicyRule[]), ["create core/pods/exec", "* core/secrets"]);
    });

    it("no ServiceAccount outside the platform's controllers holds cluster-wide write rights (through the program's own bindings)", () => {
        for (const ev of stacks) {
            assert.deepEqual(clusterWideWriters(grantsOf(ev), CONTROLLER_NAMESPACES), []);
            // Every namespaced grant stays in its namespace: no RoleBinding hands a ServiceAccount of another namespace write rights.
            for (const grant of grantsOf(ev).filter((g) => g.scope !== "cluster")) {
                for (const subject of grant.subjects.filter((s) => s.kind === "ServiceAccount")) {
                    assert.equal(subject.namespace ?? grant.scope, grant.scope, `${grant.binding.name} grants ${subject.namespace}/${subject.name} rights in ${grant.scope}`);
                }
            }
        }
    });

    it("the cluster-wide check flags an app ServiceAccount bound to edit or to an undeclared role, not a read-only one or a controller", () => {
        const grant = (namespace: string, roleRef: string, rules?: PolicyRule[]): Grant => ({
            binding: { name: `bind-${namespace}-${roleRef}` } as Grant["binding"], scope: "cluster", roleRef: { kind: "ClusterRole", name: roleRef }, rules,
            subjects: [{ kind: "ServiceAccount", name: "sa", namespace }],
        });
        assert.deepEqual(clusterWideWriters([
            grant(APP_NAMESPACE, "edit", [{ apiGroups: ["*"], resources: ["*"], verbs: ["update"] }]),
            grant(APP_NAMESPACE, "some-chart-role"),
            grant(APP_NAMESPACE, "view", [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list"] }]),
            grant("cert-manager", "cert-manager-controller", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]),
        ], CONTROLLER_NAMESPACES), [
            "financial-app/sa via bind-financial-app-edit (ClusterRole edit)",
            "financial-app/sa via bind-financial-app-some-chart-role (ClusterRole some-chart-role)",
        ]);
    });

    it("a token is mounted only where a pod uses the API: every declared pod opts out unless listed", () => {
        for (const ev of stacks) {
            const serviceAccounts = new Map(ev.ofType("kubernetes:core/v1:ServiceAccount").map((sa) => [`${sa.inputs.metadata.namespace}/${sa.inputs.metadata.name}`, sa]));
            const workloads = ev.resources.filter((r) => POD_SPEC_PATHS[r.type]);
            assert.ok(workloads.length >= 6, "app Deployments, CronJobs and the retention Jobs on both clusters");
            for (const workload of workloads) {
                if (USES_KUBERNETES_API.includes(workload.name)) continue;
                const pod = podSpecOf(workload.type, workload.inputs)!;
                const namespace = workload.inputs.metadata?.namespace;
                const sa = serviceAccounts.get(`${namespace}/${pod.serviceAccountName ?? "default"}`);
                const mounted = pod.automountServiceAccountToken ?? sa?.inputs.automountServiceAccountToken ?? true;
                assert.equal(mounted, false, `${workload.type} ${workload.name} mounts a ServiceAccount token it does not use`);
            }
            for (const sa of [...serviceAccounts.values()].filter((s) => s.inputs.metadata.namespace === APP_NAMESPACE)) {
                assert.equal(sa.inputs.automountServiceAccountToken, false, `${sa.name}: off on the ServiceAccount too, for pods created by hand`);
            }
        }
    });
});
