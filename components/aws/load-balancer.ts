import { PublicLoadBalancing } from "../cluster/contract";

/**
 * EKS: an internet-facing NLB, provisioned by the cloud-provider-aws service
 * controller EKS already runs (type `nlb`, instance targets). The `external` type
 * with IP targets would need the AWS Load Balancer Controller, one more privileged
 * add-on; with externalTrafficPolicy Local the NLB health check only routes to nodes
 * running a proxy pod, which is what IP targets buy.
 */
export const EKS_PUBLIC_LOAD_BALANCING: PublicLoadBalancing = {
    serviceAnnotations: {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
    },
};
