import * as pulumi from "@pulumi/pulumi";

/**
 * A kubeconfig that authenticates with `aws eks get-token`, so it carries no
 * long-lived credential. It is still a secret: it names the endpoint and CA.
 */
export function eksKubeconfig(args: {
    clusterName: string;
    region: string;
    endpoint: pulumi.Input<string>;
    certificateAuthority: pulumi.Input<string>;
}): pulumi.Output<string> {
    const kubeconfig = pulumi.all([args.endpoint, args.certificateAuthority]).apply(([endpoint, ca]) =>
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: args.clusterName, cluster: { server: endpoint, "certificate-authority-data": ca } }],
            contexts: [{ name: args.clusterName, context: { cluster: args.clusterName, user: args.clusterName } }],
            "current-context": args.clusterName,
            users: [{
                name: args.clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", args.clusterName, "--region", args.region, "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            }],
        }),
    );
    return pulumi.secret(kubeconfig);
}
