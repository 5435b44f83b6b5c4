import { strict as assert } from "assert";
import { CONTAINERS, PATHS, SHUTDOWN, TERMINATION_GRACE_SECONDS } from "../../components/app/layout";
import { configChecksum } from "../../components/app/config-maps";
import { CLOUDS, TYPES, allContainers, appWorkloads, containerNamed, defaultEvaluation, evaluateApp, mountsOf, objectNamed, podSpecOf, podTemplateOf, volumeNamed } from "./app-fixture";

const IMAGE = "registry.example.com/fin/financial-app:2.4.1";

for (const cloud of CLOUDS) {
    describe(`FinancialApp pod spec (${cloud})`, () => {
        it("runs db-migrate, then cache-preloader, with the app image and the configured commands, before any app container", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            const init = podSpecOf(stable).initContainers;
            assert.deepEqual(init.map((c: any) => c.name), [CONTAINERS.migrate, CONTAINERS.preload, CONTAINERS.logger]);
            assert.deepEqual(init[0].command, ["python", "manage.py", "migrate", "--noinput"]);
            assert.deepEqual(init[1].command, ["preload-cache", "--data", "/var/cache/app/seed"]);
            assert.equal(init[0].image, IMAGE);
            assert.equal(init[1].image, IMAGE);
            // Both are run-to-completion init containers; only the log shipper is a native sidecar.
            assert.equal(init[0].restartPolicy, undefined);
            assert.equal(init[1].restartPolicy, undefined);
            assert.equal(init[2].restartPolicy, "Always");
            // The Vault agent's init container must precede db-migrate (it needs database credentials).
            assert.equal(podTemplateOf(stable).metadata.annotations["vault.hashicorp.com/agent-init-first"], "true");
        });

        it("the cache-preloader writes the shared cache volume that financial-service reads", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            const preload = mountsOf(containerNamed(stable, CONTAINERS.preload));
            const app = mountsOf(containerNamed(stable, CONTAINERS.app));
            assert.deepEqual(preload[PATHS.cache], { volume: "app-cache", readOnly: false });
            assert.equal(app[PATHS.cache].volume, "app-cache");
            assert.deepEqual(volumeNamed(stable, "app-cache").emptyDir, { sizeLimit: "2Gi" });
            assert.equal(mountsOf(containerNamed(stable, CONTAINERS.migrate))[PATHS.cache], undefined, "db-migrate does not touch the cache");
        });

        it("the app listens on loopback for business traffic and exposes only its metrics port; Envoy serves 8443 and a health port", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            const app = containerNamed(stable, CONTAINERS.app);
            const env = Object.fromEntries(app.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
            assert.equal(env.HTTP_ADDRESS, "127.0.0.1:8080");
            assert.equal(env.MANAGEMENT_ADDRESS, "0.0.0.0:9102");
            assert.deepEqual(app.ports, [{ name: "metrics", containerPort: 9102, protocol: "TCP" }]);
            const envoy = containerNamed(stable, CONTAINERS.envoy);
            assert.deepEqual(envoy.ports.map((p: any) => [p.name, p.containerPort]), [["https", 8443], ["envoy-health", 8081]]);
            assert.deepEqual(envoy.args, ["--config-path", "/etc/envoy/envoy.json", "--disable-hot-restart", "--log-level", "info"]);
            const agent = containerNamed(stable, CONTAINERS.metricsAgent);
            assert.equal(agent.ports, undefined, "the agent exposes nothing");
            assert.ok(agent.args.includes("--agent"));
            assert.ok(agent.args.includes("--web.listen-address=127.0.0.1:9090"));
            assert.ok(agent.args.includes("--storage.agent.path=/prometheus"));
        });

        it("mounts Envoy's cert-manager Secret read-only and its config from the Envoy ConfigMap", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            const envoy = mountsOf(containerNamed(stable, CONTAINERS.envoy));
            assert.deepEqual(envoy["/etc/envoy-tls"], { volume: "envoy-tls", readOnly: true });
            assert.deepEqual(envoy["/etc/envoy"], { volume: "envoy-config", readOnly: true });
            assert.deepEqual(volumeNamed(stable, "envoy-tls").secret, { secretName: "financial-app-envoy-tls", defaultMode: 0o440 });
            assert.equal(volumeNamed(stable, "envoy-config").configMap.name, "financial-app-envoy");
            const certificate = objectNamed(ev, TYPES.certificate, "financial-app-envoy-tls");
            assert.equal(certificate.inputs.spec.secretName, "financial-app-envoy-tls");
            assert.deepEqual(certificate.inputs.spec.issuerRef, { name: "internal-ca", kind: "ClusterIssuer", group: "cert-manager.io" });
            for (const name of ["financial-app.financial-app.svc", "financial-app-canary.financial-app.svc", "financial-app.financial-app.svc.cluster.local"]) {
                assert.ok(certificate.inputs.spec.dnsNames.includes(name), `certificate covers ${name}`);
            }
            assert.ok(certificate.inputs.spec.usages.includes("server auth"));
        });

        it("fluentd tails the app's log volume read-only and keeps its buffer on its own volume; the app writes the logs", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            const logger = mountsOf(containerNamed(stable, CONTAINERS.logger));
            assert.deepEqual(logger[PATHS.logs], { volume: "app-logs", readOnly: true });
            assert.deepEqual(logger[PATHS.fluentdConfig], { volume: "fluentd-config", readOnly: true });
            assert.deepEqual(logger[PATHS.fluentdBuffer], { volume: "fluentd-buffer", readOnly: false });
            assert.deepEqual(mountsOf(containerNamed(stable, CONTAINERS.app))[PATHS.logs], { volume: "app-logs", readOnly: false });
            assert.equal(volumeNamed(stable, "fluentd-config").configMap.name, "financial-app-fluentd");
            const agent = mountsOf(containerNamed(stable, CONTAINERS.metricsAgent));
            assert.deepEqual(agent[PATHS.agentWal], { volume: "prometheus-agent-wal", readOnly: false });
            assert.deepEqual(volumeNamed(stable, "prometheus-agent-wal").emptyDir, { sizeLimit: "1Gi" });
        });

        it("every container of stable, canary and CronJob pods is non-root, read-only, capability-free and seccomp-confined", async () => {
            const { ev } = await defaultEvaluation(cloud);
            for (const workload of appWorkloads(ev)) {
                const pod = podSpecOf(workload);
                assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" }, `${workload.name} pod seccomp`);
                assert.equal(pod.securityContext.runAsNonRoot, true);
                assert.ok(pod.securityContext.runAsUser > 0);
                for (const container of allContainers(workload)) {
                    const sc = container.securityContext;
                    const where = `${workload.name}/${container.name}`;
                    assert.equal(sc.runAsNonRoot, true, where);
                    assert.ok(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0, `${where} runAsUser`);
                    assert.equal(sc.readOnlyRootFilesystem, true, where);
                    assert.equal(sc.allowPrivilegeEscalation, false, where);
                    assert.deepEqual(sc.capabilities, { drop: ["ALL"] }, where);
                    assert.deepEqual(sc.seccompProfile, { type: "RuntimeDefault" }, where);
                }
            }
        });

        it("every container has CPU and memory requests and limits, with memory limit >= request", async () => {
            const { ev } = await defaultEvaluation(cloud);
            for (const workload of appWorkloads(ev)) {
                for (const container of allContainers(workload)) {
                    const { requests, limits } = container.resources;
                    const where = `${workload.name}/${container.name}`;
                    for (const key of ["cpu", "memory"]) {
                        assert.ok(requests?.[key], `${where} requests.${key}`);
                        assert.ok(limits?.[key], `${where} limits.${key}`);
                    }
                    assert.ok(parseInt(limits.memory) >= parseInt(requests.memory), where);
                }
            }
            const annotations = podTemplateOf(objectNamed(ev, TYPES.deployment, "financial-app")).metadata.annotations;
            assert.equal(annotations["vault.hashicorp.com/agent-requests-cpu"], "50m", "the injected Vault agent is sized too");
            assert.equal(annotations["vault.hashicorp.com/agent-limits-mem"], "128Mi");
        });

        it("probes the app on its management port (startup, liveness, readiness) and Envoy on its ready endpoint", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const stable = objectNamed(ev, TYPES.deployment, "financial-app");
            const app = containerNamed(stable, CONTAINERS.app);
            assert.deepEqual(app.startupProbe.httpGet, { path: "/healthz", port: "metrics", scheme: "HTTP" });
            assert.ok(app.startupProbe.failureThreshold * app.startupProbe.periodSeconds >= 60, "start-up gets at least a minute");
            assert.deepEqual(app.livenessProbe.httpGet, { path: "/healthz", port: "metrics", scheme: "HTTP" });
            assert.deepEqual(app.readinessProbe.httpGet, { path: "/readyz", port: "metrics", scheme: "HTTP" });
            const envoy = containerNamed(stable, CONTAINERS.envoy);
            assert.deepEqual(envoy.readinessProbe.httpGet, { path: "/ready", port: "envoy-health", scheme: "HTTP" });
            assert.deepEqual(envoy.livenessProbe.tcpSocket, { port: "https" });
        });

        it("shuts down gracefully: the app sleeps before SIGTERM, Envoy outlives its drain, and the grace period covers both", async () => {
            const { ev } = await defaultEvaluation(cloud);
            for (const name of ["financial-app", "financial-app-canary"]) {
                const deployment = objectNamed(ev, TYPES.deployment, name);
                const appSleep = containerNamed(deployment, CONTAINERS.app).lifecycle.preStop.sleep.seconds;
                const envoySleep = containerNamed(deployment, CONTAINERS.envoy).lifecycle.preStop.sleep.seconds;
                const grace = podSpecOf(deployment).terminationGracePeriodSeconds;
                assert.equal(appSleep, SHUTDOWN.endpointPropagation);
                assert.ok(envoySleep >= appSleep + SHUTDOWN.appDrain, "Envoy keeps serving until the app has drained");
                assert.ok(grace > envoySleep, "the kubelet does not kill Envoy mid-drain");
                assert.equal(grace, TERMINATION_GRACE_SECONDS);
            }
        });

        it("spreads each track across the cluster's zones and hosts", async () => {
            const { ev } = await defaultEvaluation(cloud);
            for (const [name, track] of [["financial-app", "stable"], ["financial-app-canary", "canary"]]) {
                const [zone, host] = podSpecOf(objectNamed(ev, TYPES.deployment, name)).topologySpreadConstraints;
                assert.equal(zone.topologyKey, "topology.kubernetes.io/zone");
                assert.equal(zone.whenUnsatisfiable, "DoNotSchedule");
                assert.equal(zone.maxSkew, 1);
                assert.equal(zone.minDomains, 3, "the fake cluster spans three zones");
                assert.equal(zone.labelSelector.matchLabels.track, track);
                assert.deepEqual(zone.matchLabelKeys, ["pod-template-hash"]);
                assert.equal(host.topologyKey, "kubernetes.io/hostname");
            }
        });

        it("rolls the pods when the settings change, through a checksum of the settings ConfigMap", async () => {
            const { ev } = await defaultEvaluation(cloud);
            const settings = objectNamed(ev, TYPES.configMap, "financial-app-settings");
            assert.deepEqual(settings.inputs.data, { LOG_FORMAT: "json", LOG_DIR: "/var/log/app", FEATURE_FLAGS: "ledger-v2" });
            const annotation = podTemplateOf(objectNamed(ev, TYPES.deployment, "financial-app")).metadata.annotations["checksum/financial-app-settings"];
            assert.equal(annotation, configChecksum(settings.inputs.data));
            assert.match(annotation, /^[a-f0-9]{64}$/);

            const changed = await evaluateApp(cloud, { settings: { LOG_FORMAT: "json", LOG_DIR: "/var/log/app", FEATURE_FLAGS: "ledger-v3" } });
            const changedAnnotation = podTemplateOf(objectNamed(changed.ev, TYPES.deployment, "financial-app")).metadata.annotations["checksum/financial-app-settings"];
            assert.notEqual(changedAnnotation, annotation);
            assert.equal(containerNamed(objectNamed(ev, TYPES.deployment, "financial-app"), CONTAINERS.app).envFrom[0].configMapRef.name, "financial-app-settings");
        });

        it("the pods use the app ServiceAccount without an automounted API token", async () => {
            const { ev } = await defaultEvaluation(cloud);
            for (const workload of appWorkloads(ev)) {
                const pod = podSpecOf(workload);
                assert.equal(pod.serviceAccountName, "financial-app");
                assert.equal(pod.automountServiceAccountToken, false, workload.name);
            }
            assert.equal(objectNamed(ev, TYPES.serviceAccount, "financial-app").inputs.automountServiceAccountToken, false);
        });
    });
}
