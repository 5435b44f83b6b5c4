import { parseCidr } from "../../components/cluster/cidr";
import { unpinnedReason } from "../../components/security/image-reference";
import { CronIntervalError, worstCaseIntervalMinutesWithSeconds } from "./cron-interval";
import { hasInClusterDatabase } from "./dr-budget";
import { ParsedStackConfig } from "./schema";

/**
 * Rules of the data tier (app.database, database, backups.replication): checked
 * after the schema, each problem as "key.path: what is wrong; what is allowed".
 */

/**
 * Parameters the program or CloudNativePG owns. The operator fixes or blocks most of them
 * (pkg/postgres FixedConfigurationParameters at 1.30.0) and rejects the Cluster at apply time;
 * refusing them here names the key before anything is deployed.
 */
const OWNED_PARAMETERS: Record<string, string> = {
    archive_timeout: "set database.archive.timeoutSeconds instead (the RPO budget reads it)",
    synchronous_standby_names: "set database.synchronousReplicas instead",
    archive_mode: "fixed by CloudNativePG",
    archive_command: "fixed by CloudNativePG (the Barman Cloud plugin archives)",
    restore_command: "fixed by CloudNativePG",
    primary_conninfo: "fixed by CloudNativePG",
    primary_slot_name: "fixed by CloudNativePG",
    cluster_name: "fixed by CloudNativePG",
    port: "fixed by CloudNativePG",
    listen_addresses: "blocked by CloudNativePG",
    hot_standby: "blocked by CloudNativePG",
    shared_preload_libraries: "fixed by CloudNativePG (use its extensions API)",
    ssl: "fixed by CloudNativePG",
    recovery_min_apply_delay: "blocked by CloudNativePG",
};

/** The `database` section matters only with an in-cluster database; backups.replication always does. */
export function databaseProblems(config: ParsedStackConfig, zones: { aws: string[]; azure: string[] }): string[] {
    return [...appDatabaseProblems(config), ...(hasInClusterDatabase(config) ? dataTierProblems(config, zones) : []), ...operatorProblems(config), ...replicationProblems(config)];
}

function appDatabaseProblems(config: ParsedStackConfig): string[] {
    const { mode, cidr } = config.app.database;
    if (mode === "external") {
        if (cidr === undefined) return [`app.database.cidr: required with app.database.mode external (the CIDR of the database the app's egress is opened to)`];
        return parseCidr(cidr) ? [] : [`app.database.cidr: "${cidr}" is not a valid IPv4 CIDR`];
    }
    return cidr === undefined ? [] : [`app.database.cidr: only applies to app.database.mode external; the in-cluster database is reached at its own Service (remove it, or set the mode to external)`];
}

function operatorProblems(config: ParsedStackConfig): string[] {
    const problems: string[] = [];
    if (config.platform.cloudnativePg.enabled && !config.platform.certManager.enabled) {
        problems.push(`platform.cloudnativePg.enabled: the Barman Cloud plugin needs cert-manager for its certificates; set platform.certManager.enabled to true`);
    }
    if (hasInClusterDatabase(config) && !config.platform.cloudnativePg.enabled) {
        problems.push(`platform.cloudnativePg.enabled: app.database.mode in-cluster needs the CloudNativePG operator; enable it, or set app.database.mode to external`);
    }
    return problems;
}

/** An explicit tag or sha256 digest everywhere, and never `latest` in prod (the parser the pack and the CVE gate use). */
function imageProblems(config: ParsedStackConfig): string[] {
    const image = config.database.imageName;
    const unpinned = unpinnedReason(image, config.environment === "prod");
    return unpinned ? [`database.imageName: "${image}" ${unpinned}; pin an explicit PostgreSQL version, e.g. ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie`] : [];
}

function dataTierProblems(config: ParsedStackConfig, zones: { aws: string[]; azure: string[] }): string[] {
    const db = config.database;
    const problems: string[] = [...imageProblems(config)];
    const fewestZones = Math.min(zones.aws.length, zones.azure.length);
    // Either cloud becomes active on a flip, and instances are spread one per zone.
    for (const side of ["active", "passive"] as const) {
        if (db.instances[side] > fewestZones) {
            problems.push(`database.instances.${side}: ${db.instances[side]} instances need as many zones, but a cluster has only ${fewestZones}; at most ${fewestZones}`);
        }
    }
    // The same synchronous setting is on both Clusters; the operator wants fewer standbys than instances on each.
    const smallest = Math.min(db.instances.active, db.instances.passive);
    if (db.synchronousReplicas > 0 && db.synchronousReplicas >= smallest) {
        problems.push(`database.synchronousReplicas: ${db.synchronousReplicas} must be below the instances of both sides (active ${db.instances.active}, passive ${db.instances.passive}); at most ${smallest - 1}`);
    }
    if (config.environment === "prod") {
        if (db.instances.active < 3) problems.push(`database.instances.active: prod runs at least 3 instances over 3 zones, got ${db.instances.active}`);
        if (db.instances.passive < 2) problems.push(`database.instances.passive: prod keeps at least 2 replica instances on the passive side, got ${db.instances.passive}`);
        if (db.synchronousReplicas < 1) problems.push(`database.synchronousReplicas: prod needs at least 1 quorum synchronous standby, so a zone loss loses no commit; got 0`);
    }
    for (const [key, why] of Object.entries(OWNED_PARAMETERS)) {
        if (key in db.parameters) problems.push(`database.parameters.${key}: not settable here; ${why}`);
    }
    try {
        worstCaseIntervalMinutesWithSeconds(db.backupSchedule, "database.backupSchedule");
    } catch (err) {
        if (!(err instanceof CronIntervalError)) throw err;
        problems.push(err.message);
    }
    if (config.platform.vault.configure && !config.app.vaultSecrets.some((s) => s.name === "database")) {
        problems.push(`app.vaultSecrets: platform.vault.configure writes the database credential to the app's "database" secret; add an entry named "database" (e.g. path financial-app/database)`);
    }
    return problems;
}

function replicationProblems(config: ParsedStackConfig): string[] {
    const { replication, azureStorageSku } = config.backups;
    const problems: string[] = [];
    if (config.environment === "prod" && !replication.enabled) {
        problems.push(`backups.replication.enabled: prod copies its backup stores to a second region; set it to true (with backups.replication.awsRegion)`);
    }
    if (!replication.enabled) return problems;
    if (!replication.awsRegion) problems.push(`backups.replication.awsRegion: required when backups.replication.enabled is true (e.g. us-west-2)`);
    else if (replication.awsRegion === config.aws.region) problems.push(`backups.replication.awsRegion: "${replication.awsRegion}" is aws.region itself; choose another region`);
    if (azureStorageSku !== "Standard_GZRS" && azureStorageSku !== "Standard_RAGZRS") {
        problems.push(`backups.azureStorageSku: "${azureStorageSku}" stays in one region; with backups.replication.enabled use Standard_GZRS or Standard_RAGZRS`);
    }
    return problems;
}
