import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import { NODE_POOL_LABEL, SYSTEM_POOL_TAINT } from "../cluster/contract";
import { NodePoolSpec } from "../cluster/types";

export interface EksNodeGroupArgs {
    clusterName: pulumi.Input<string>;
    /** Plain cluster name: the autoscaler discovery tag key embeds it. */
    clusterNameTag: string;
    kubernetesVersion: string;
    pool: "system" | "workload";
    spec: NodePoolSpec;
    nodeRoleArn: pulumi.Input<string>;
    subnetIds: pulumi.Input<string>[];
    tags: Record<string, string>;
}

/** Tags cluster-autoscaler uses to discover the group and to scale it from zero. */
export function autoscalerTags(clusterName: string, pool: string, tainted: boolean): Record<string, string> {
    const tags: Record<string, string> = {
        "k8s.io/cluster-autoscaler/enabled": "true",
        [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
        [`k8s.io/cluster-autoscaler/node-template/label/${NODE_POOL_LABEL}`]: pool,
    };
    if (tainted) {
        tags[`k8s.io/cluster-autoscaler/node-template/taint/${SYSTEM_POOL_TAINT.key}`] = `${SYSTEM_POOL_TAINT.value}:${SYSTEM_POOL_TAINT.effect}`;
    }
    return tags;
}

/**
 * A managed node group with its own launch template; the system pool is tainted so
 * only critical add-ons land there.
 */
export function createEksNodeGroup(name: string, args: EksNodeGroupArgs, opts: pulumi.CustomResourceOptions): aws.eks.NodeGroup {
    const system = args.pool === "system";
    // IMDSv2 only, one hop, so pods cannot borrow the node role; pods use IRSA.
    const launchTemplate = new aws.ec2.LaunchTemplate(`${name}-lt`, {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [{
            deviceName: "/dev/xvda",
            // The AWS-managed EBS key: a customer key here needs extra grants for the Auto Scaling service role.
            ebs: { volumeSize: args.spec.diskSizeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        }],
        tagSpecifications: [{ resourceType: "instance", tags: args.tags }, { resourceType: "volume", tags: args.tags }],
        tags: args.tags,
    }, { parent: opts.parent });
    return new aws.eks.NodeGroup(name, {
        clusterName: args.clusterName,
        version: args.kubernetesVersion,
        nodeRoleArn: args.nodeRoleArn,
        subnetIds: args.subnetIds,
        instanceTypes: [args.spec.instanceType],
        capacityType: args.spec.capacityType === "spot" ? "SPOT" : "ON_DEMAND",
        amiType: "AL2023_x86_64_STANDARD",
        scalingConfig: { minSize: args.spec.minSize, maxSize: args.spec.maxSize, desiredSize: args.spec.desiredSize },
        updateConfig: { maxUnavailablePercentage: 33 },
        // A concrete version: "$Latest" shows as a diff on every preview.
        launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply((v) => String(v)) },
        labels: { [NODE_POOL_LABEL]: args.pool },
        taints: system ? [{ key: SYSTEM_POOL_TAINT.key, value: SYSTEM_POOL_TAINT.value, effect: "NO_SCHEDULE" }] : [],
        tags: { ...args.tags, ...autoscalerTags(args.clusterNameTag, args.pool, system) },
    }, {
        ...opts,
        // The cluster autoscaler owns the live size; Pulumi only sets the bounds.
        ignoreChanges: ["scalingConfig.desiredSize"],
    });
}
