import { strict as assert } from "assert";
import { CHARTS } from "../../components/addons/charts";
import { veleroSchedules } from "../support/chart-resources";
import { FIELD_LISTS, validateKubernetesObject } from "../support/k8s-schema";
import { stackEvaluation } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Why an object fails its schema, one reason per entry (none when it is valid). */
async function reasons(object: { apiVersion: string; kind: string }): Promise<string[]> {
    try {
        assert.equal(await validateKubernetesObject(object.apiVersion, object.kind, object), "validated");
        return [];
    } catch (err) {
        return (err as Error).message.split("; ");
    }
}

describe("custom resources a chart renders from its values are checked against the pinned CRD", () => {
    it("the Velero Schedule rendering follows chart 12.1.0's templates/schedule.yaml and Velero 1.18.1's CRD (re-check both on an upgrade)", () => {
        assert.equal(CHARTS.velero.version, "12.1.0");
        assert.equal(FIELD_LISTS["velero.io/v1/Schedule"], "velero.io_v1_Schedule@velero-v1.18.1.txt");
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: each cluster's Velero schedules render to valid velero.io/v1 Schedules, with only keys the chart reads`, async () => {
            const releases = (await stackEvaluation(stack)).resources.filter((r) => r.type === RELEASE && r.inputs.chart === CHARTS.velero.chart);
            assert.equal(releases.length, 2, "one Velero per cluster");
            for (const release of releases) {
                const schedules = veleroSchedules(release.inputs.values);
                assert.ok(schedules.length > 0, `${release.name} schedules backups`);
                for (const { key, unknownKeys, object } of schedules) {
                    assert.deepEqual(unknownKeys, [], `${release.name} schedules.${key}`);
                    assert.deepEqual(await reasons(object), [], `${release.name} schedules.${key}`);
                }
            }
        });
    }

    it("a misspelt backup field, a wrong type or an entry key the template does not read is caught", async () => {
        const [schedule] = veleroSchedules({
            schedules: { hourly: { schedule: "0 * * * *", scedule: "0 0 * * *", template: { ttl: "720h0m0s", snapshotVolume: false, includedNamespaces: "*" } } },
        });
        assert.deepEqual(schedule.unknownKeys, ["scedule"]);
        const found = await reasons(schedule.object);
        assert.equal(found.length, 2, found.join("; "));
        assert.ok(found.some((r) => r.includes("spec.template.snapshotVolume")), found.join("; "));
        assert.ok(found.some((r) => r.includes("spec.template.includedNamespaces")), found.join("; "));
    });
});
