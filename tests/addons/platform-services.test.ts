/**
 * PlatformServices refuses a combination of add-ons that cannot work, naming the missing
 * prerequisite, instead of leaving one out (the stack config rejects these combinations too;
 * this is the component's own contract, for callers that build settings in code).
 */
import { strict as assert } from "assert";
import { PlatformServices, PlatformSettings } from "../../components/platform/platform-services";
import { parseStackConfig } from "../../stacks/config";
import { evaluateOnFakeCluster } from "../support/addon-testing";
import { minimalStackConfig } from "../support/stack-config";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const DEV = parseStackConfig(minimalStackConfig("dev"));

/** dev's settings with every add-on off but those `changes` state. */
function settings(changes: Partial<PlatformSettings>): PlatformSettings {
    const p = DEV.platform;
    const off = { enabled: false as const };
    return {
        ...p,
        ingressNginx: { ...p.ingressNginx, ...off },
        externalDns: { ...p.externalDns, ...off },
        certManager: { ...p.certManager, ...off },
        logging: { ...p.logging, ...off },
        monitoring: { ...p.monitoring, ...off },
        metricsAdapter: { ...p.metricsAdapter, ...off },
        vault: { ...p.vault, ...off },
        clusterAutoscaler: { ...p.clusterAutoscaler, ...off },
        velero: { ...p.velero, ...off },
        cloudnativePg: { ...p.cloudnativePg, ...off },
        kyverno: { ...p.kyverno, ...off },
        falco: { ...p.falco, ...off },
        ...changes,
    };
}

async function build(changes: Partial<PlatformSettings>) {
    const { ev } = await evaluateOnFakeCluster("aws", (cluster) => {
        new PlatformServices("p", { cluster, settings: settings(changes), autoscaler: DEV.autoscaler, alertReceivers: {}, backupStaleAfterSeconds: 7200, protect: false });
    });
    return ev;
}

const cloudnativePg = { ...DEV.platform.cloudnativePg, enabled: true };

describe("PlatformServices prerequisites", () => {
    it("installs CloudNativePG (operator and plugin) when cert-manager is installed too", async () => {
        const ev = await build({ certManager: DEV.platform.certManager, cloudnativePg });
        assert.deepEqual(ev.ofType(RELEASE).map((r) => r.name).filter((n) => n.startsWith("p-cloudnative-pg")).sort(), ["p-cloudnative-pg-barman-cloud", "p-cloudnative-pg-operator"]);
    });

    it("refuses CloudNativePG without cert-manager, naming it, rather than silently leaving the database tier out", async () => {
        await assert.rejects(build({ cloudnativePg }), /PlatformServices p: CloudNativePG needs cert-manager/);
    });
});
