import { strict as assert } from "assert";
import { imagesInManifests } from "../../tools/ci/chart-images";
import { privilegedPodProblems } from "../../tools/ci/chart-pods";
import { helmTemplateArgs, renderedImageProblems } from "../../tools/ci/cve-gate";

const RENDERED = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: vault-agent-injector }
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: busybox:1.37.0
      containers:
        - name: injector
          image: "hashicorp/vault-k8s:1.7.6"
          env:
            - name: AGENT_INJECT_VAULT_IMAGE
              value: hashicorp/vault:2.0.4
            - name: AGENT_INJECT_LOG_LEVEL
              value: info
          args:
            - --prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.87.0
            - --log-level=info
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: { name: kps-prometheus }
spec:
  image: quay.io/prometheus/prometheus:v3.14.0-distroless
---
# an empty document
`;

describe("CI chart rendering", () => {
    it("finds every image a rendered chart starts: containers, custom resources, *_IMAGE env and image flags", () => {
        assert.deepEqual(imagesInManifests(RENDERED), [
            "busybox:1.37.0",
            "hashicorp/vault-k8s:1.7.6",
            "hashicorp/vault:2.0.4",
            "quay.io/prometheus-operator/prometheus-config-reloader:v0.87.0",
            "quay.io/prometheus/prometheus:v3.14.0-distroless",
        ]);
    });

    it("a rendered image outside the allowed registries, or latest in prod, is reported with its file", () => {
        const inventory = { environment: "prod", allowedRegistries: ["docker.io/hashicorp", "quay.io/prometheus"] };
        assert.deepEqual(renderedImageProblems("prod/vault.yaml", ["hashicorp/vault:2.0.4", "nginx:latest", "quay.io/prometheus/prometheus"], inventory), [
            "prod/vault.yaml: nginx:latest uses the mutable \"latest\" tag",
            "prod/vault.yaml: nginx:latest is not from an allowed registry",
            "prod/vault.yaml: quay.io/prometheus/prometheus has no tag or digest (it would mean latest)",
        ]);
    });

    it("renders each release as deployed: same chart, version, namespace and values, the cluster's Kubernetes version, no test hooks", () => {
        const args = helmTemplateArgs({ cluster: "aws", resource: "pair-aws-platform-velero", release: "velero", namespace: "velero", chart: "velero", version: "12.1.0", repository: "https://vmware-tanzu.github.io/helm-charts", kubernetesVersion: "1.33", valuesFile: "pair-aws-platform-velero.values.json" }, "/tmp/values");
        assert.deepEqual(args, [
            "template", "velero", "velero", "--repo", "https://vmware-tanzu.github.io/helm-charts", "--version", "12.1.0", "--namespace", "velero",
            "--values", "/tmp/values/pair-aws-platform-velero.values.json", "--skip-tests", "--kube-version", "1.33.0", "--api-versions", "monitoring.coreos.com/v1",
        ]);
        const oci = helmTemplateArgs({ cluster: "aws", resource: "r", release: "eg", namespace: "envoy-gateway-system", chart: "oci://docker.io/envoyproxy/gateway-helm", version: "v1.9.0", valuesFile: "r.values.json" }, "/v");
        assert.deepEqual(oci.slice(0, 5), ["template", "eg", "oci://docker.io/envoyproxy/gateway-helm", "--version", "v1.9.0"], "an OCI chart takes no --repo");
    });
});

describe("CI check of rendered chart pods against the privileged-pods policy", () => {
    const manifest = (namespace?: string) => `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent${namespace ? `, namespace: ${namespace}` : ""} }
spec:
  template:
    spec:
      hostNetwork: true
      volumes: [{ name: host, hostPath: { path: /var/log } }]
      initContainers:
        - name: setup
          image: example.io/agent:1.0
          securityContext: { privileged: true }
      containers:
        - name: agent
          image: example.io/agent:1.0
          ports: [{ containerPort: 9100, hostPort: 9100 }]
          securityContext: { privileged: true, capabilities: { add: [NET_BIND_SERVICE, SYS_ADMIN] } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: config }
`;

    it("reports every privileged trait of a pod (init containers included) in an ordinary namespace, with its release namespace by default", () => {
        assert.deepEqual(privilegedPodProblems(manifest(), "vault"), [
            "DaemonSet vault/agent: hostNetwork",
            "DaemonSet vault/agent: hostPath volume host",
            "DaemonSet vault/agent: container agent is privileged",
            "DaemonSet vault/agent: container agent uses host port 9100",
            "DaemonSet vault/agent: container agent adds capability SYS_ADMIN",
            "DaemonSet vault/agent: container setup is privileged",
        ]);
    });

    it("admits them in the documented node-agent and system namespaces", () => {
        assert.deepEqual(privilegedPodProblems(manifest(), "monitoring"), []);
        assert.deepEqual(privilegedPodProblems(manifest("kube-system"), "vault"), []);
    });
});
