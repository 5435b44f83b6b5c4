import { createPublicKey } from "crypto";
import { imageAllowed, registryPatternProblem } from "../../components/security/image-reference";
import { allowedRegistries } from "../../components/security/registries";
import { ParsedStackConfig } from "./schema";

/**
 * Cross-key rules of the security layers: registry patterns, the images the stack
 * names against them, the image-signature identity, and what prod must enforce.
 * Each problem names the key, the value and what is allowed.
 */

function checkRegistries(config: ParsedStackConfig): string[] {
    const problems: string[] = [];
    config.security.allowedRegistries.forEach((pattern, i) => {
        const problem = registryPatternProblem(pattern);
        if (problem) problems.push(`security.allowedRegistries[${i}]: "${pattern}" ${problem}`);
    });
    if (problems.length) return problems;
    const allowed = allowedRegistries(config.security.allowedRegistries);
    const named: [string, string][] = [
        ["app.image.repository", config.app.image.repository],
        ...Object.entries(config.app.sidecarImages).map(([name, ref]) => [`app.sidecarImages.${name}`, ref] as [string, string]),
    ];
    for (const [key, reference] of named) {
        if (!imageAllowed(reference, allowed)) {
            problems.push(`${key}: "${reference}" is not from an allowed registry; add its registry to security.allowedRegistries (allowed now: ${allowed.join(", ")})`);
        }
    }
    return problems;
}

function httpsUrlProblem(value: string): string | undefined {
    try {
        return new URL(value).protocol === "https:" ? undefined : "must be an https:// URL";
    } catch {
        return "must be an https:// URL";
    }
}

function checkKeyless(keyless: NonNullable<ParsedStackConfig["security"]["imageSignature"]["keyless"]>): string[] {
    const key = "security.imageSignature.keyless";
    const problems: string[] = [];
    const issuerProblem = httpsUrlProblem(keyless.issuer);
    if (issuerProblem) problems.push(`${key}.issuer: "${keyless.issuer}" ${issuerProblem} (the OIDC issuer of the signing identity, e.g. https://token.actions.githubusercontent.com)`);
    const subject = keyless.subject;
    if (subject.startsWith("^")) {
        try {
            new RegExp(subject);
            if (!subject.endsWith("$")) problems.push(`${key}.subject: "${subject}" starts a regular expression with ^ but does not end it with $; any identity containing a match would be trusted`);
            else if (["^.*$", "^.+$"].includes(subject)) problems.push(`${key}.subject: "${subject}" accepts any signer; name the release workflow`);
        } catch (err) {
            problems.push(`${key}.subject: "${subject}" is not a valid regular expression (${(err as Error).message})`);
        }
    } else if (!/^(https:\/\/\S+|[^@\s]+@[^@\s]+\.[^@\s]+)$/.test(subject)) {
        problems.push(`${key}.subject: "${subject}" must be the signer's identity: a workflow URL (https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main), an e-mail address, or an anchored regular expression (^…$)`);
    }
    if (keyless.rekorUrl !== undefined) {
        const rekorProblem = httpsUrlProblem(keyless.rekorUrl);
        if (rekorProblem) problems.push(`${key}.rekorUrl: "${keyless.rekorUrl}" ${rekorProblem}`);
    }
    return problems;
}

function checkSignature(config: ParsedStackConfig): string[] {
    const signature = config.security.imageSignature;
    if (signature.method === "keyless") {
        return signature.keyless ? checkKeyless(signature.keyless) : [`security.imageSignature.keyless: required when method is "keyless" ({issuer, subject}; a subject written ^…$ is matched as a regular expression)`];
    }
    if (!signature.publicKey) return [`security.imageSignature.publicKey: required when method is "key" (the cosign public key, PEM)`];
    const pem = signature.publicKey.trim();
    if (!/^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----$/.test(pem)) {
        return [`security.imageSignature.publicKey: must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----), e.g. cosign.pub`];
    }
    try {
        createPublicKey(pem);
    } catch (err) {
        return [`security.imageSignature.publicKey: the PEM does not parse as a public key (${(err as Error).message})`];
    }
    return [];
}

function checkProdEnforcement(config: ParsedStackConfig): string[] {
    const { kyverno } = config.platform;
    if (config.environment !== "prod" || !kyverno.enabled) return [];
    const problems: string[] = [];
    if (kyverno.mode !== "Enforce") problems.push(`platform.kyverno.mode: "${kyverno.mode}" is not allowed in prod; prod refuses violations ("Enforce")`);
    if (kyverno.replicas < 3) problems.push(`platform.kyverno.replicas: prod runs the admission controller highly available with at least 3 replicas, got ${kyverno.replicas}`);
    return problems;
}

export function securityProblems(config: ParsedStackConfig): string[] {
    return [...checkRegistries(config), ...checkSignature(config), ...checkProdEnforcement(config)];
}
