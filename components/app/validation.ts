import { VAULT } from "../addons/well-known";
import { edgeLimitProblems } from "./edge";
import { appImageProblems, pinnedImageProblems } from "./image";
import { METRICS_PATH } from "./layout";
import { publicEntryProblems } from "./public-entry";
import { databaseSettings, settingsProblems } from "./settings";
import { FinancialAppArgs } from "./types";
import { RESERVED_VAULT_SECRET_NAMES } from "./vault";

const VAULT_SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A normalized absolute path, as Envoy sees it after normalize_path and merge_slashes: no empty, `.` or `..` segment, no query. */
const NORMALIZED_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;
/** A lower-case DNS name of at least two labels, as an Ingress host and a certificate dnsName accept it. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * The public health route forwards exactly this path to the management listener,
 * so it must not be the whole listener (`/`) nor the metrics endpoint, and must
 * be a path Envoy can actually match after normalizing the request.
 */
export function healthCheckPathProblems(path: string): string[] {
    const field = `healthCheckPath: "${path}"`;
    if (!path.startsWith("/")) return [`${field} must start with /`];
    if (path === "/") return [`${field} would expose the whole management listener; use the app's health endpoint, e.g. /healthz`];
    const lower = path.toLowerCase();
    if (lower === METRICS_PATH || lower.startsWith(`${METRICS_PATH}/`)) return [`${field} would publish the app's metrics; ${METRICS_PATH} stays internal`];
    const segments = path.split("/").slice(1);
    if (!NORMALIZED_PATH.test(path) || segments.some((s) => s === "." || s === "..")) {
        return [`${field} must be a normalized path (letters, digits, "-", "_", ".", "~" between single slashes, no trailing slash, no query), or Envoy never matches it`];
    }
    return [];
}

function cidrProblems(cidr: string): string[] {
    const match = IPV4_CIDR.exec(cidr);
    const valid = match !== null && match.slice(1, 5).every((o) => Number(o) <= 255) && Number(match[5]) <= 32;
    return valid ? [] : [`database.cidr: "${cidr}" is not an IPv4 CIDR`];
}

function databaseProblems(args: FinancialAppArgs): string[] {
    const database = args.database;
    if (database.mode !== "in-cluster") return cidrProblems(database.cidr);
    const problems: string[] = [];
    if (!DNS_NAME.test(database.host)) problems.push(`database.host: "${database.host}" must be a Service DNS name such as app-db-rw.database.svc`);
    if (Object.keys(database.podLabels).length === 0) problems.push("database.podLabels: empty; the egress policy would reach every pod of the namespace");
    // The platform sets where the database is; a setting that says otherwise would silently win in the app.
    for (const [key, value] of Object.entries(databaseSettings(database))) {
        if (key in args.settings && args.settings[key] !== value) problems.push(`settings.${key}: "${args.settings[key]}" contradicts the in-cluster database (${value}); remove it`);
    }
    return problems;
}

/** Aliases share the Ingress and its certificate: each a distinct DNS name, none the hostname itself. */
export function aliasProblems(hostname: string, aliases: string[]): string[] {
    const problems: string[] = [];
    const seen = new Set<string>([hostname]);
    for (const alias of aliases) {
        if (!DNS_NAME.test(alias)) problems.push(`aliases: "${alias}" must be a lower-case DNS name such as app.fin.example.com`);
        else if (seen.has(alias)) problems.push(`aliases: "${alias}" is listed twice (or equals hostname)`);
        seen.add(alias);
    }
    return problems;
}

/**
 * Every rule the component enforces, checked before anything is registered, so
 * bad input fails the whole run with one message that lists each problem.
 * The stack validates config too; this guards every other caller.
 */
export function argsProblems(args: FinancialAppArgs): string[] {
    const problems: string[] = [...appImageProblems(args.image, args.environment)];
    const { canary, sizing } = args;

    if (!Number.isInteger(canary.weight) || canary.weight < 0 || canary.weight > 100) problems.push(`canary.weight: ${canary.weight} must be an integer from 0 to 100`);
    if (canary.weight > 0) {
        if (!canary.tag) problems.push(`canary.tag: required when canary.weight is ${canary.weight}`);
        else if (args.environment === "prod" && canary.tag === "latest") problems.push(`canary.tag: "latest" is not allowed in prod`);
        if (canary.replicas < 1) problems.push(`canary.replicas: ${canary.replicas} must be at least 1 when the canary takes traffic`);
    }

    if (sizing.minReplicas < 1) problems.push(`sizing.minReplicas: ${sizing.minReplicas} must be at least 1`);
    if (sizing.maxReplicas < sizing.minReplicas) problems.push(`sizing.maxReplicas: ${sizing.maxReplicas} must be >= minReplicas (${sizing.minReplicas})`);
    if (sizing.replicas < sizing.minReplicas || sizing.replicas > sizing.maxReplicas) {
        problems.push(`sizing.replicas: ${sizing.replicas} must lie between minReplicas (${sizing.minReplicas}) and maxReplicas (${sizing.maxReplicas})`);
    }
    if (sizing.targetCpuUtilization < 1 || sizing.targetCpuUtilization > 100) problems.push(`sizing.targetCpuUtilization: ${sizing.targetCpuUtilization} must be a percentage (1..100)`);
    if (!(sizing.targetRequestsPerSecond > 0)) problems.push(`sizing.targetRequestsPerSecond: ${sizing.targetRequestsPerSecond} must be positive`);

    for (const [sidecar, reference] of Object.entries(args.sidecarImages)) {
        problems.push(...pinnedImageProblems(`sidecarImages.${sidecar}`, reference, args.environment));
    }

    problems.push(...databaseProblems(args));
    if (!Number.isInteger(args.database.port) || args.database.port < 1 || args.database.port > 65535) problems.push(`database.port: ${args.database.port} is not a TCP port`);
    if (args.migrateCommand.length === 0) problems.push("migrateCommand: empty");
    if (args.cachePreloadCommand.length === 0) problems.push("cachePreloadCommand: empty");
    if (args.reconciliationCommand && args.reconciliationCommand.length === 0) problems.push("reconciliationCommand: empty");
    if (!args.vaultRole) problems.push("vaultRole: empty");
    if (!args.onCallGroup) problems.push("onCallGroup: empty");
    if (args.healthCheckPath !== undefined) problems.push(...healthCheckPathProblems(args.healthCheckPath));
    problems.push(...aliasProblems(args.hostname, args.aliases ?? []));
    if (args.publicEntry) problems.push(...publicEntryProblems(args.publicEntry));
    // nginx serves every alias on the Ingress; the Gateway has one listener for them (the global name), so Envoy would drop the rest.
    const aliases = args.aliases ?? [];
    if (args.publicEntry?.running.includes("envoy-gateway") && aliases.length > 1) {
        problems.push(`aliases: ${aliases.length} given (${aliases.join(", ")}), but envoy-gateway's Gateway has one listener for aliases (the global name); give at most one`);
    }
    if (args.edge) problems.push(...edgeLimitProblems(args.edge));

    const seen = new Set<string>();
    for (const secret of args.vaultSecrets) {
        if (!VAULT_SECRET_NAME.test(secret.name)) problems.push(`vaultSecrets: "${secret.name}" must be lowercase letters, digits and dashes`);
        if (seen.has(secret.name)) problems.push(`vaultSecrets: "${secret.name}" is listed twice`);
        if (RESERVED_VAULT_SECRET_NAMES.includes(secret.name)) problems.push(`vaultSecrets: "${secret.name}" is reserved for the log shipper's Elasticsearch credentials`);
        if (!secret.path || secret.path.startsWith("/") || secret.path.startsWith(`${VAULT.kvMount}/`)) {
            problems.push(`vaultSecrets.${secret.name}.path: "${secret.path}" must be relative to the "${VAULT.kvMount}" KV v2 mount (e.g. financial-app/database)`);
        }
        seen.add(secret.name);
    }

    problems.push(...settingsProblems(args.settings));
    return problems;
}

/** Throws one Error naming the component and every problem. */
export function assertValidArgs(componentName: string, args: FinancialAppArgs): void {
    const problems = argsProblems(args);
    if (problems.length > 0) {
        throw new Error(`FinancialApp "${componentName}" has invalid arguments:\n  - ${problems.join("\n  - ")}`);
    }
}
