import { ELASTICSEARCH, PROMETHEUS, VAULT } from "../components/addons/well-known";
import { RuntimeProfile } from "../components/security/falco-rules";
import { SignatureAttestor } from "../components/security/kyverno-policies";
import { allowedRegistries } from "../components/security/registries";
import { SecuritySettings } from "../components/platform/platform-services";
import { StackConfig } from "./config";

const portOf = (url: string) => Number(new URL(url).port);

/** The ports of the in-cluster services the app talks to: DNS, Vault, Elasticsearch (Fluentd), Prometheus (remote write). */
export function appInClusterPorts(): number[] {
    return [53, portOf(VAULT.address), ELASTICSEARCH.port, portOf(PROMETHEUS.remoteWriteUrl)];
}

/** The app's runtime rules: an external database by its range and port, an in-cluster one (its -rw Service) by its port. */
export function appRuntimeProfile(config: StackConfig): RuntimeProfile {
    const database = config.app.database;
    const external = database.mode === "external" && database.cidr ? [{ cidr: database.cidr, port: database.port }] : [];
    const inCluster = database.mode === "in-cluster" ? [database.port] : [];
    return { namespace: config.app.namespace, allowedCidrs: external, inClusterPorts: [...appInClusterPorts(), ...inCluster] };
}

/** The attestor from validated config (config rules guarantee the chosen method's block is there). */
export function signatureAttestor(config: StackConfig): SignatureAttestor {
    const signature = config.security.imageSignature;
    if (signature.method === "key") return { method: "key", publicKey: signature.publicKey!.trim() };
    const keyless = signature.keyless!;
    // An anchored expression is matched as one (Kyverno's subjectRegExp); anything else exactly.
    const identity = keyless.subject.startsWith("^") ? { subjectRegExp: keyless.subject } : { subject: keyless.subject };
    return { method: "keyless", issuer: keyless.issuer, ...identity, rekorUrl: keyless.rekorUrl };
}

/** What Kyverno and Falco protect on each cluster, from config. */
export function securitySettings(config: StackConfig): SecuritySettings {
    return {
        allowedRegistries: allowedRegistries(config.security.allowedRegistries),
        signedImages: { repositories: [config.app.image.repository], attestor: signatureAttestor(config) },
        runtimeProfiles: config.app.enabled ? [appRuntimeProfile(config)] : [],
    };
}
