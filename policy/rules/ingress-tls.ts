/**
 * Public entry points terminate TLS, whichever controller serves them:
 * - an Ingress lists every host it routes in a TLS section with a Secret (an nginx
 *   canary Ingress is exempt: nginx serves its hosts with the main Ingress's TLS);
 * - a Gateway's HTTPS/TLS listeners name a certificate (or pass TLS through);
 * - an HTTPRoute attaches only to TLS listeners of the Gateways in the stack;
 * - and, in prod, a Gateway has no plain-HTTP listener at all.
 */
import { PolicyResource } from "@pulumi/policy";
import { ADVISORY_IN_DEV, MANDATORY, forTypes, resourceRule, stackRule } from "../lib/guardrail";
import { Props, known, knownArray, knownStrings, label } from "../lib/values";

export const INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress";
export const GATEWAY_TYPE = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
export const HTTP_ROUTE_TYPE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const TLS_PROTOCOLS = ["HTTPS", "TLS"];

function isNginxCanary(ingress: Props): boolean {
    return known(() => ingress.metadata?.annotations?.["nginx.ingress.kubernetes.io/canary"]) === "true";
}

function ingressProblems(ingress: Props): string[] {
    if (isNginxCanary(ingress)) return [];
    const covered = new Set(knownArray<Props>(() => ingress.spec?.tls).filter((t) => known(() => t.secretName)).flatMap((t) => knownStrings(() => t.hosts)));
    return knownArray<Props>(() => ingress.spec?.rules).flatMap((rule) => {
        const host = known(() => rule.host);
        if (typeof host !== "string" || host === "") return ["a rule without a host is served without TLS"];
        return covered.has(host) ? [] : [`host ${host} is not in a TLS section with a secretName`];
    });
}

function listenerProblems(gateway: Props): string[] {
    return knownArray<Props>(() => gateway.spec?.listeners).flatMap((listener) => {
        const protocol = known(() => listener.protocol);
        if (!TLS_PROTOCOLS.includes(protocol)) return [];
        const mode = known(() => listener.tls?.mode) ?? "Terminate";
        if (mode === "Passthrough") return [];
        return knownArray(() => listener.tls?.certificateRefs).length > 0 ? [] : [`listener ${known(() => listener.name)} (${protocol}) names no certificateRefs`];
    });
}

const keyOf = (namespace: unknown, name: unknown) => `${String(namespace)}/${String(name)}`;

/** The listeners a parentRef attaches to that do not terminate (or pass through) TLS. */
function plainListenersOf(route: Props, gateways: Map<string, Props>): string[] {
    const routeNamespace = known(() => route.metadata?.namespace);
    return knownArray<Props>(() => route.spec?.parentRefs).flatMap((ref) => {
        const kind = known(() => ref.kind) ?? "Gateway";
        if (kind !== "Gateway") return [];
        const gateway = gateways.get(keyOf(known(() => ref.namespace) ?? routeNamespace, known(() => ref.name)));
        // A Gateway this stack does not declare cannot be checked here.
        if (!gateway) return [];
        const section = known(() => ref.sectionName);
        const listeners = knownArray<Props>(() => gateway.spec?.listeners).filter((l) => section === undefined || known(() => l.name) === section);
        return listeners.filter((l) => !TLS_PROTOCOLS.includes(known(() => l.protocol))).map((l) => `${known(() => gateway.metadata?.name)}/${known(() => l.name)} (${known(() => l.protocol)})`);
    });
}

export const ingressTlsRequired = stackRule({
    name: "ingress-tls-required",
    description: "Ingresses list every host in a TLS section, Gateway HTTPS/TLS listeners name a certificate, and HTTPRoutes attach only to TLS listeners.",
    levels: MANDATORY,
    remediationSteps:
        "Give the Ingress a tls entry (hosts + secretName, e.g. from cert-manager), give each HTTPS listener tls.certificateRefs, " +
        "and attach HTTPRoutes to HTTPS listeners by sectionName.",
    validateStack: (args, reportViolation) => {
        const of = (type: string) => args.resources.filter((r) => r.type === type);
        const ingresses = of(INGRESS_TYPE);
        const gateways = of(GATEWAY_TYPE);
        const routes = of(HTTP_ROUTE_TYPE);
        if (ingresses.length + gateways.length + routes.length === 0) args.notApplicable("no Ingress, Gateway or HTTPRoute in the stack");
        const report = (resource: PolicyResource, problems: string[]) => {
            if (problems.length > 0) reportViolation(`${label(resource)}: ${problems.join("; ")}.`, resource.urn);
        };
        ingresses.forEach((ingress) => report(ingress, ingressProblems(ingress.props)));
        gateways.forEach((gateway) => report(gateway, listenerProblems(gateway.props)));
        const byKey = new Map(gateways.map((g) => [keyOf(known(() => g.props.metadata?.namespace), known(() => g.props.metadata?.name)), g.props]));
        for (const route of routes) {
            const plain = plainListenersOf(route.props, byKey);
            report(route, plain.length ? [`attaches to listeners without TLS: ${plain.join(", ")}`] : []);
        }
    },
});

export const gatewayNoPlainHttpListener = resourceRule({
    name: "gateway-no-plain-http-listener",
    description: "In prod, no Gateway has a plain-HTTP listener (dev: advisory, e.g. for a redirect listener).",
    levels: ADVISORY_IN_DEV,
    remediationSteps: "Serve HTTPS only (protocol HTTPS with a certificate); clients that use http:// get no answer instead of cleartext.",
    validateResource: forTypes([GATEWAY_TYPE], (args, report) => {
        const plain = knownArray<Props>(() => args.props.spec?.listeners).filter((l) => known(() => l.protocol) === "HTTP");
        if (plain.length > 0) report(`${label(args)}: plain-HTTP listener(s) ${plain.map((l) => `${known(() => l.name)}:${known(() => l.port)}`).join(", ")}.`);
    }),
});

export const ingressTlsRules = [ingressTlsRequired, gatewayNoPlainHttpListener];
