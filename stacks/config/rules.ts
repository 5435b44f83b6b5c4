import { INGRESS_CONTROLLERS } from "../../components/addons/ingress-controllers";
import { cidrsOverlap, parseCidr } from "../../components/cluster/cidr";
import { unpinnedReason } from "../../components/security/image-reference";
import { databaseProblems } from "./database-rules";
import { drBudgetOf, drBudgetProblems, drTargetsOf } from "./dr-budget";
import { NodePoolConfig, ParsedStackConfig } from "./schema";
import { RECEIVER_SECRETS, VAULT_TOKEN_SECRETS } from "./secrets";
import { securityProblems } from "./security-rules";

/**
 * Rules that relate several keys, checked after the schema. Each returns
 * problems as "key.path: what is wrong; what is allowed".
 */

function checkCidrs(config: ParsedStackConfig): string[] {
    const problems: string[] = [];
    const named: [string, string][] = [
        ["aws.vpcCidr", config.aws.vpcCidr],
        ["azure.vnetCidr", config.azure.vnetCidr],
        ["azure.podCidr", config.azure.podCidr],
        ["azure.serviceCidr", config.azure.serviceCidr],
    ];
    const parsed = named.map(([key, text]) => {
        const cidr = parseCidr(text);
        if (!cidr) problems.push(`${key}: "${text}" is not a valid IPv4 CIDR; expected a.b.c.d/n on a network boundary, e.g. 10.10.0.0/16`);
        return { key, text, cidr };
    });
    for (const { key, text, cidr } of parsed.slice(0, 2)) {
        if (cidr && (cidr.prefix < 16 || cidr.prefix > 20)) {
            problems.push(`${key}: "${text}" has prefix /${cidr.prefix}; allowed prefixes are /16 to /20 (room for 3 zones of subnets)`);
        }
    }
    for (let i = 0; i < parsed.length; i++) {
        for (let j = i + 1; j < parsed.length; j++) {
            const a = parsed[i];
            const b = parsed[j];
            if (a.cidr && b.cidr && cidrsOverlap(a.cidr, b.cidr)) {
                problems.push(`${b.key}: ${b.text} overlaps ${a.key} ${a.text}; the networks must not overlap so the clouds can be peered or joined by VPN`);
            }
        }
    }
    for (const [key, access] of [["aws.endpoint", config.aws.endpoint], ["azure.endpoint", config.azure.endpoint]] as const) {
        access.allowedCidrs.forEach((text, i) => {
            if (!parseCidr(text)) problems.push(`${key}.allowedCidrs[${i}]: "${text}" is not a valid IPv4 CIDR`);
        });
    }
    return problems;
}

function checkEndpoints(config: ParsedStackConfig): string[] {
    const problems: string[] = [];
    for (const [key, access] of [["aws.endpoint", config.aws.endpoint], ["azure.endpoint", config.azure.endpoint]] as const) {
        if (access.publicAccess && access.allowedCidrs.length === 0) {
            problems.push(`${key}.allowedCidrs: a public API endpoint needs at least one allowed CIDR (or set ${key}.publicAccess to false)`);
        }
        if (!access.publicAccess && access.allowedCidrs.length > 0) {
            problems.push(`${key}.allowedCidrs: only applies to a public endpoint; remove it or set ${key}.publicAccess to true`);
        }
        if (config.environment === "prod" && access.allowedCidrs.includes("0.0.0.0/0")) {
            problems.push(`${key}.allowedCidrs: 0.0.0.0/0 is not allowed in prod; list your office/VPN/CI ranges`);
        }
    }
    return problems;
}

function checkPool(key: string, pool: NodePoolConfig, clusterZones: string[], environment: string, system: boolean): string[] {
    const problems: string[] = [];
    if (pool.maxSize < pool.minSize) problems.push(`${key}: maxSize (${pool.maxSize}) must be >= minSize (${pool.minSize})`);
    if (pool.desiredSize < pool.minSize || pool.desiredSize > pool.maxSize) {
        problems.push(`${key}: desiredSize (${pool.desiredSize}) must be between minSize (${pool.minSize}) and maxSize (${pool.maxSize})`);
    }
    for (const zone of pool.zones ?? []) {
        if (!clusterZones.includes(zone)) problems.push(`${key}.zones: "${zone}" is not one of the cluster's zones (${clusterZones.join(", ")})`);
    }
    if (system && environment === "prod") {
        const zones = pool.zones ?? clusterZones;
        if (pool.minSize < 3) problems.push(`${key}: prod needs minSize >= 3 system nodes, got ${pool.minSize}`);
        if (zones.length < 3) problems.push(`${key}.zones: prod spreads system nodes across 3 zones, got ${zones.length} (${zones.join(", ")})`);
    }
    return problems;
}

function checkZones(config: ParsedStackConfig, awsZones: string[], azureZones: string[]): string[] {
    const problems: string[] = [];
    awsZones.forEach((zone) => {
        if (!new RegExp(`^${config.aws.region}[a-z]$`).test(zone)) {
            problems.push(`aws.zones: "${zone}" is not a zone of region ${config.aws.region} (expected ${config.aws.region}a, ${config.aws.region}b, ...)`);
        }
    });
    if (new Set(awsZones).size !== awsZones.length) problems.push(`aws.zones: zones must be distinct, got ${awsZones.join(", ")}`);
    if (new Set(azureZones).size !== azureZones.length) problems.push(`azure.zones: zones must be distinct, got ${azureZones.join(", ")}`);
    if (config.environment === "prod") {
        if (awsZones.length < 3) problems.push(`aws.zones: prod needs 3 zones, got ${awsZones.length}`);
        if (azureZones.length < 3) problems.push(`azure.zones: prod needs 3 zones, got ${azureZones.length}`);
    }
    problems.push(...checkPool("aws.nodePools.system", config.aws.nodePools.system, awsZones, config.environment, true));
    problems.push(...checkPool("aws.nodePools.workload", config.aws.nodePools.workload, awsZones, config.environment, false));
    problems.push(...checkPool("azure.nodePools.system", config.azure.nodePools.system, azureZones, config.environment, true));
    problems.push(...checkPool("azure.nodePools.workload", config.azure.nodePools.workload, azureZones, config.environment, false));
    if (config.azure.nodePools.system.capacityType === "spot") {
        problems.push(`azure.nodePools.system.capacityType: AKS system pools cannot use spot capacity; allowed: on-demand`);
    }
    return problems;
}

function checkDns(config: ParsedStackConfig): string[] {
    const problems: string[] = [];
    const root = config.dns.rootZone;
    for (const key of ["aws", "azure"] as const) {
        const zone = config[key].dnsZone;
        if (!zone.endsWith(`.${root}`)) problems.push(`${key}.dnsZone: "${zone}" must be a subdomain of dns.rootZone "${root}"`);
    }
    if (config.aws.dnsZone === config.azure.dnsZone) {
        problems.push(`azure.dnsZone: "${config.azure.dnsZone}" must differ from aws.dnsZone; each cluster's ExternalDNS owns its own zone`);
    }
    return problems;
}

function checkPlatform(config: ParsedStackConfig, secretsPresent: Set<string>): string[] {
    const problems: string[] = [];
    const monitoring = config.platform.monitoring;
    if (monitoring.enabled) {
        for (const receiver of monitoring.receivers) {
            const key = RECEIVER_SECRETS[receiver];
            if (!secretsPresent.has(key)) {
                problems.push(`platform.monitoring.receivers: "${receiver}" needs the secret ${key} (pulumi config set --secret ${key} ...)`);
            }
        }
    }
    if (config.platform.vault.configure) {
        for (const key of Object.values(VAULT_TOKEN_SECRETS)) {
            if (!secretsPresent.has(key)) problems.push(`platform.vault.configure: true needs the secret ${key} (see README "Vault bootstrap")`);
        }
        if (!config.platform.vault.addresses) {
            problems.push(`platform.vault.addresses: required when platform.vault.configure is true ({aws, azure}: the Vault API URLs this Pulumi run can reach)`);
        }
    }
    if (config.platform.vault.configure && !config.platform.vault.enabled) {
        problems.push(`platform.vault.configure: cannot be true while platform.vault.enabled is false`);
    }
    if (config.environment === "prod" && config.platform.vault.enabled && config.platform.vault.replicas < 3) {
        problems.push(`platform.vault.replicas: prod runs Vault HA with at least 3 Raft replicas, got ${config.platform.vault.replicas}`);
    }
    if (config.environment === "prod" && config.platform.ingressNginx.replicas < 2) {
        problems.push(`platform.ingressNginx.replicas: prod needs at least 2 replicas, got ${config.platform.ingressNginx.replicas}`);
    }
    return [...problems, ...checkIngress(config)];
}

/** The serving controller and the one also running during a migration must differ; prod proxies are HA. */
function checkIngress(config: ParsedStackConfig): string[] {
    const problems: string[] = [];
    const { controller, alsoRun } = config.platform.ingress;
    if (alsoRun === controller) {
        const other = INGRESS_CONTROLLERS.find((c) => c !== controller);
        problems.push(`platform.ingress.alsoRun: "${alsoRun}" is already platform.ingress.controller; during a migration it names the other controller ("${other}"), otherwise remove it`);
    }
    const envoyRuns = controller === "envoy-gateway" || alsoRun === "envoy-gateway";
    if (config.environment === "prod" && envoyRuns && config.platform.envoyGateway.replicas < 2) {
        problems.push(`platform.envoyGateway.replicas: prod needs at least 2 Envoy proxy replicas, got ${config.platform.envoyGateway.replicas}`);
    }
    return problems;
}

/** Image references: explicit tags everywhere (twelve-factor), and never `latest` in prod. */
function checkImages(config: ParsedStackConfig): string[] {
    const problems: string[] = [];
    const { image, canary, sidecarImages } = config.app;
    const prod = config.environment === "prod";
    if (!image.tag && !image.digest) {
        problems.push(`app.image: "${image.repository}" has no tag or digest; set app.image.tag to an explicit version (or app.image.digest)`);
    }
    if (prod && image.tag === "latest") {
        problems.push(`app.image.tag: "latest" is not allowed in prod; pin an explicit version tag or a digest`);
    }
    if (canary.weight > 0 && !canary.tag) problems.push(`app.canary.tag: required when app.canary.weight is ${canary.weight} (> 0)`);
    if (prod && canary.tag === "latest") problems.push(`app.canary.tag: "latest" is not allowed in prod`);
    for (const [name, ref] of Object.entries(sidecarImages)) {
        const unpinned = unpinnedReason(ref, prod);
        if (unpinned) problems.push(`app.sidecarImages.${name}: "${ref}" ${unpinned}; pin an explicit version`);
    }
    for (const [key, sizing] of Object.entries(config.app.sizing)) {
        if (sizing.maxReplicas < sizing.minReplicas) problems.push(`app.sizing.${key}: maxReplicas (${sizing.maxReplicas}) must be >= minReplicas (${sizing.minReplicas})`);
    }
    if (config.app.sizing.standby.minReplicas > config.app.sizing.active.minReplicas) {
        problems.push(`app.sizing.standby.minReplicas: the warm standby (${config.app.sizing.standby.minReplicas}) cannot be larger than the active size (${config.app.sizing.active.minReplicas})`);
    }
    return problems;
}

function checkGlobalName(config: ParsedStackConfig): string[] {
    const root = config.dr.globalHostname;
    return root.endsWith(`.${config.dns.rootZone}`) ? [] : [`dr.globalHostname: "${root}" must be in dns.rootZone "${config.dns.rootZone}"`];
}

/** The failover budget computed from config must fit the declared RTO/RPO targets. */
function checkDrBudget(config: ParsedStackConfig): string[] {
    try {
        return drBudgetProblems(drBudgetOf(config), drTargetsOf(config));
    } catch (err) {
        return [(err as Error).message];
    }
}

export function crossFieldProblems(config: ParsedStackConfig, zones: { aws: string[]; azure: string[] }, secretsPresent: Set<string>): string[] {
    return [
        ...checkCidrs(config),
        ...checkEndpoints(config),
        ...checkZones(config, zones.aws, zones.azure),
        ...checkDns(config),
        ...checkPlatform(config, secretsPresent),
        ...checkImages(config),
        ...checkGlobalName(config),
        ...databaseProblems(config, zones),
        ...checkDrBudget(config),
        ...securityProblems(config),
    ];
}
