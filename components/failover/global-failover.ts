import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CLOUDS, CloudName, ClusterRole } from "../cluster/contract";

/** One cluster as the global name sees it. */
export interface FailoverTarget {
    /** active: the PRIMARY answer; passive: the SECONDARY answer. */
    role: ClusterRole;
    /**
     * The cluster's own app hostname, e.g. app.aws.fin.example.com, published
     * in the cluster's subzone by that cluster's ExternalDNS. The global record
     * is a CNAME to it, and the health check probes it.
     */
    hostname: pulumi.Input<string>;
    /** Path of the HTTPS health URL on `hostname`, e.g. /healthz. */
    healthCheckPath: string;
    /**
     * The ingress controller behind `hostname` (the one whose route publishes it), tagged on
     * the health check: the check probes the name, so it follows whichever controller serves.
     */
    servedBy?: string;
    /** The cluster's DNS subzone, e.g. aws.fin.example.com; a subdomain of the root zone. */
    zoneName: string;
    /** Authoritative name servers of the subzone (Route53 or Azure DNS), delegated to from the root zone. */
    nameServers: pulumi.Input<string[]>;
}

export interface GlobalFailoverArgs {
    /**
     * The existing public Route53 hosted zone that holds the global name and
     * delegates the clusters' subzones, e.g. fin.example.com. Looked up, never
     * created: it predates this stack and outlives it.
     */
    rootZoneName: string;
    /** The name users resolve, e.g. app.fin.example.com; must lie in the root zone. */
    globalHostname: string;
    /** Exactly one active and one passive target. */
    targets: { aws: FailoverTarget; azure: FailoverTarget };
    healthCheck: {
        /** Route53 request interval: 10 (fast, extra cost) or 30 seconds. Changing it replaces the health checks (AWS cannot update it). */
        intervalSeconds: 10 | 30;
        /** Consecutive failures (1-10) before a target counts as unhealthy. */
        failureThreshold: number;
        /** TTL of the global record: how long resolvers may keep serving the old answer after a switch. */
        ttlSeconds: number;
    };
    /** Tags for the health checks (records and zones take none). */
    tags: Record<string, string>;
    /** TTL of the NS delegation records (default 3600). */
    delegationTtlSeconds?: number;
}

/** The two failover slots of the global name. */
export type FailoverSlot = "primary" | "secondary";
const SLOTS: readonly FailoverSlot[] = ["primary", "secondary"];

function trimDot(name: string): string {
    return name.replace(/\.$/, "").toLowerCase();
}

function isWithin(name: string, zone: string): boolean {
    return trimDot(name).endsWith(`.${trimDot(zone)}`);
}

/**
 * Health-checked global entry point with Route53 failover routing, plus the
 * NS delegations of both clusters' subzones.
 *
 * Per cloud (resource names keyed by cloud): an NS delegation record in the
 * root zone for the cluster's subzone, and an HTTPS health check on the
 * cluster's own hostname. Neither changes when roles flip.
 *
 * The global name is two failover records, one per slot: `<name>-primary`
 * (set identifier "primary", failover PRIMARY) and `<name>-secondary`. Their
 * identity (name, type, set identifier, failover type) never changes; a flip
 * updates only which hostname and health check each slot points at. Each of
 * those updates is a single in-place Route53 UPSERT of a record that keeps
 * its name, type and set identifier, so nothing is deleted or re-created and
 * the name keeps answering throughout.
 *
 * Why slots and not one record per cloud whose failover type flips: Route53
 * allows one PRIMARY and one SECONDARY record per failover group, and Pulumi
 * updates the two records with two separate ChangeResourceRecordSets calls.
 * Swapping the failover types record by record passes through a state with
 * two PRIMARY (or two SECONDARY) records, which Route53 refuses, so the flip
 * would fail half-way. With slots every intermediate state is valid: at
 * worst both slots point at the same cluster for a moment, which still
 * answers.
 *
 * Pass the AWS provider in opts (`provider` or `providers`); every child and
 * the zone lookup inherit it through `parent: this`.
 */
export class GlobalFailover extends pulumi.ComponentResource {
    public readonly globalHostname: pulumi.Output<string>;
    /** The cloud the PRIMARY record points at. */
    public readonly primaryCloud: CloudName;
    /** The cloud each slot points at. */
    public readonly slots: Record<FailoverSlot, CloudName>;
    /** Route53 health check id per cloud. */
    public readonly healthCheckIds: Record<CloudName, pulumi.Output<string>>;
    public readonly healthChecks: Record<CloudName, aws.route53.HealthCheck>;
    /** The failover record per slot (stable across flips). */
    public readonly records: Record<FailoverSlot, aws.route53.Record>;
    /** The failover record currently answering for each cloud. */
    public readonly recordsByCloud: Record<CloudName, aws.route53.Record>;
    /** The NS delegation record per cloud's subzone. */
    public readonly delegations: Record<CloudName, aws.route53.Record>;
    /** Zone id of the root zone. */
    public readonly rootZoneId: pulumi.Output<string>;

    constructor(name: string, args: GlobalFailoverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:failover:GlobalFailover", name, {}, opts);
        validate(args);

        const zone = aws.route53.getZoneOutput({ name: args.rootZoneName, privateZone: false }, { parent: this });
        this.rootZoneId = zone.zoneId;

        const delegations = {} as Record<CloudName, aws.route53.Record>;
        const healthChecks = {} as Record<CloudName, aws.route53.HealthCheck>;
        for (const cloud of CLOUDS) {
            const target = args.targets[cloud];
            delegations[cloud] = new aws.route53.Record(
                `${name}-${cloud}-delegation`,
                {
                    zoneId: zone.zoneId,
                    name: trimDot(target.zoneName),
                    type: "NS",
                    ttl: args.delegationTtlSeconds ?? 3600,
                    records: target.nameServers,
                },
                { parent: this },
            );
            healthChecks[cloud] = new aws.route53.HealthCheck(
                `${name}-${cloud}-health`,
                {
                    type: "HTTPS",
                    fqdn: target.hostname,
                    port: 443,
                    resourcePath: target.healthCheckPath,
                    requestInterval: args.healthCheck.intervalSeconds,
                    failureThreshold: args.healthCheck.failureThreshold,
                    enableSni: true,
                    tags: { ...args.tags, Name: `${trimDot(args.globalHostname)} ${cloud}`, cloud, ...(target.servedBy ? { "ingress-controller": target.servedBy } : {}) },
                },
                // The health check probes the cluster's name, which its subzone only answers once delegated.
                { parent: this, dependsOn: [delegations[cloud]] },
            );
        }

        const active = CLOUDS.find((cloud) => args.targets[cloud].role === "active")!;
        const passive = CLOUDS.find((cloud) => cloud !== active)!;
        this.slots = { primary: active, secondary: passive };
        this.primaryCloud = active;

        const records = {} as Record<FailoverSlot, aws.route53.Record>;
        for (const slot of SLOTS) {
            const cloud = this.slots[slot];
            records[slot] = new aws.route53.Record(
                `${name}-${slot}`,
                {
                    zoneId: zone.zoneId,
                    name: trimDot(args.globalHostname),
                    type: "CNAME",
                    ttl: args.healthCheck.ttlSeconds,
                    setIdentifier: slot,
                    failoverRoutingPolicies: [{ type: slot === "primary" ? "PRIMARY" : "SECONDARY" }],
                    healthCheckId: healthChecks[cloud].id,
                    records: [args.targets[cloud].hostname],
                },
                { parent: this },
            );
        }

        this.records = records;
        this.recordsByCloud = { [active]: records.primary, [passive]: records.secondary } as Record<CloudName, aws.route53.Record>;
        this.delegations = delegations;
        this.healthChecks = healthChecks;
        this.healthCheckIds = { aws: healthChecks.aws.id, azure: healthChecks.azure.id };
        this.globalHostname = pulumi.output(trimDot(args.globalHostname));

        this.registerOutputs({
            globalHostname: this.globalHostname,
            primaryCloud: this.primaryCloud,
            healthCheckIds: this.healthCheckIds,
            records: { primary: records.primary.fqdn, secondary: records.secondary.fqdn },
        });
    }
}

function validate(args: GlobalFailoverArgs): void {
    const problems: string[] = [];
    const roles = CLOUDS.map((cloud) => args.targets[cloud]?.role);
    if (roles.filter((r) => r === "active").length !== 1 || roles.filter((r) => r === "passive").length !== 1) {
        problems.push(`targets: exactly one target must be active and one passive, got aws=${roles[0]}, azure=${roles[1]}`);
    }
    if (!isWithin(args.globalHostname, args.rootZoneName)) {
        problems.push(`globalHostname: "${args.globalHostname}" must be a name inside the root zone "${args.rootZoneName}", where its failover records live`);
    }
    for (const cloud of CLOUDS) {
        const target = args.targets[cloud];
        if (!target) continue;
        if (!isWithin(target.zoneName, args.rootZoneName)) {
            problems.push(`targets.${cloud}.zoneName: "${target.zoneName}" must be a subzone of "${args.rootZoneName}" to be delegated from it`);
        }
        if (!target.healthCheckPath.startsWith("/")) {
            problems.push(`targets.${cloud}.healthCheckPath: "${target.healthCheckPath}" must start with /`);
        }
    }
    if (args.healthCheck.intervalSeconds !== 10 && args.healthCheck.intervalSeconds !== 30) {
        problems.push(`healthCheck.intervalSeconds: Route53 supports 10 or 30, got ${args.healthCheck.intervalSeconds}`);
    }
    if (!Number.isInteger(args.healthCheck.failureThreshold) || args.healthCheck.failureThreshold < 1 || args.healthCheck.failureThreshold > 10) {
        problems.push(`healthCheck.failureThreshold: Route53 supports 1-10, got ${args.healthCheck.failureThreshold}`);
    }
    if (problems.length) throw new pulumi.RunError(`GlobalFailover: invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}
