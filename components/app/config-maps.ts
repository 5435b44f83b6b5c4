import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import { appLabels } from "./layout";
import { AppContext } from "./types";

/** sha256 over the sorted entries: the same data always gives the same sum. */
export function configChecksum(data: Record<string, string>): string {
    const canonical = JSON.stringify(Object.keys(data).sort().map((key) => [key, data[key]]));
    return createHash("sha256").update(canonical).digest("hex");
}

export interface ChecksummedConfigMap {
    configMap: k8s.core.v1.ConfigMap;
    /** Kubernetes name of the ConfigMap. */
    name: string;
    /** Goes into a pod-template annotation, so a content change rolls the pods. */
    checksum: string;
}

/**
 * A ConfigMap with a fixed name (pods mount it by name) and the checksum of its
 * data. The data is rendered in the program, so the sum is known at preview.
 */
export function createConfigMap(ctx: AppContext, suffix: string, data: Record<string, string>): ChecksummedConfigMap {
    const name = `${ctx.appName}-${suffix}`;
    const configMap = new k8s.core.v1.ConfigMap(`${ctx.prefix}-${suffix}`, {
        metadata: { name, namespace: ctx.namespace, labels: appLabels(ctx.appName) },
        data,
    }, ctx.opts);
    return { configMap, name, checksum: configChecksum(data) };
}
