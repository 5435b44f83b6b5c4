/**
 * Shapes every add-on test repeats: evaluating a program around one fake
 * cluster, checking that a Helm release installs the pinned chart, and
 * checking that a workload has requests and a memory limit.
 */
import { strict as assert } from "assert";
import { CHARTS, ChartRef, chartSource } from "../../components/addons/charts";
import { CloudName, ClusterRole } from "../../components/cluster/contract";
import { Evaluation, RecordedResource, evaluate } from "../../commands/offline/harness";
import { FakeCluster, fakeCluster } from "./fake-cluster";

export interface FakeClusterEvaluation {
    ev: Evaluation;
    /** The fake cluster `build` was given: its grants and readers are what the add-on requested. */
    cluster: FakeCluster;
}

/**
 * Evaluates, offline, a program that creates one fake cluster of `cloud` and
 * hands it to `build`; what `build` returns becomes the stack outputs.
 */
export async function evaluateOnFakeCluster(
    cloud: CloudName,
    build: (cluster: FakeCluster) => unknown,
    role?: ClusterRole,
): Promise<FakeClusterEvaluation> {
    let cluster!: FakeCluster;
    const ev = await evaluate({
        project: "t",
        stack: "t",
        config: {},
        program: () => {
            cluster = fakeCluster(cloud, role);
            return build(cluster);
        },
    });
    return { ev, cluster };
}

/** The chart-table entry a recorded release (or helm.v4 Chart) installs, whether from a repository or an OCI registry. */
export function pinnedChartOf(release: RecordedResource): ChartRef | undefined {
    return Object.values(CHARTS).find((c: ChartRef) => chartSource(c).chart === release.inputs.chart && chartSource(c).repositoryOpts?.repo === release.inputs.repositoryOpts?.repo);
}

/** The Helm release installs `chart` at its pinned version from its repository, in `namespace` (and as `releaseName`, when given). */
export function assertPinnedRelease(release: RecordedResource, chart: ChartRef, namespace: string, releaseName?: string): void {
    const source = chartSource(chart);
    assert.equal(release.inputs.chart, source.chart, `${release.name}: chart`);
    assert.equal(release.inputs.version, chart.version, `${release.name}: pinned ${chart.chart} version`);
    assert.equal(release.inputs.repositoryOpts?.repo, source.repositoryOpts?.repo, `${release.name}: ${chart.chart} repository`);
    assert.equal(release.inputs.namespace, namespace, `${release.name}: namespace`);
    if (releaseName !== undefined) assert.equal(release.inputs.name, releaseName, `${release.name}: release name`);
}

/** `resources` (a Kubernetes ResourceRequirements) requests CPU and memory and limits memory. */
export function assertRequestsAndMemoryLimit(resources: any, what: string): void {
    assert.ok(resources, `${what}: resources set`);
    assert.ok(resources.requests?.cpu, `${what}: cpu request set`);
    assert.ok(resources.requests?.memory, `${what}: memory request set`);
    assert.ok(resources.limits?.memory, `${what}: memory limit set`);
}
