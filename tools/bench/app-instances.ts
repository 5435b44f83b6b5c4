/**
 * N FinancialApp instances on one cluster handle, for the per-instance cost
 * benchmark. Each instance has its own namespace, as separate teams' apps would.
 */
import { FinancialApp } from "../../components/app/financial-app";
import { appArgs } from "../../tests/app/app-fixture";
import { fakeCluster } from "../../tests/support/fake-cluster";
import { Evaluation, evaluate } from "../../commands/offline/harness";

/** The program: one fake cluster handle and `count` apps on it. */
export function declareApps(count: number): void {
    const cluster = fakeCluster("aws");
    for (let i = 0; i < count; i++) {
        new FinancialApp(`app-${i}`, appArgs(cluster, { name: `financial-app-${i}`, namespace: `financial-app-${i}`, hostname: `app-${i}.aws.fin.example.com` }));
    }
}

export function evaluateApps(count: number): Promise<Evaluation> {
    return evaluate({ project: "bench", stack: "bench", config: {}, program: () => declareApps(count) });
}
