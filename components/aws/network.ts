import * as pulumi from "@pulumi/pulumi";
import * as aws from "./sdk";
import { subnetCidrs } from "../cluster/cidr";

export interface AwsNetworkArgs {
    cidr: string;
    zones: string[];
    /** "single" saves money in dev; "perZone" survives the loss of a zone. */
    natGateways: "single" | "perZone";
    /** EKS cluster name, for the subnet discovery tags. */
    clusterName: string;
    tags: Record<string, string>;
}

/**
 * A VPC across the given zones: one public and one private subnet per zone,
 * tagged so the AWS Load Balancer Controller / in-tree controller find them.
 */
export class AwsNetwork extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly privateSubnetIds: pulumi.Output<string>[];
    public readonly publicSubnetIds: pulumi.Output<string>[];
    /** Zone → private subnet id, for zonal node groups. */
    public readonly privateSubnetsByZone: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("finplat:aws:Network", name, {}, opts);
        const parent = { parent: this };
        const tags = (extra: Record<string, string>) => ({ ...args.tags, ...extra });
        const clusterTag = `kubernetes.io/cluster/${args.clusterName}`;

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.cidr,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: tags({ Name: `${name}-vpc` }),
        }, parent);
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags({ Name: `${name}-igw` }) }, parent);

        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
            tags: tags({ Name: `${name}-public` }),
        }, parent);

        // Two /20-ish halves: public subnets from the low blocks, private from the high ones.
        const cidrs = subnetCidrs(args.cidr, args.zones.length);
        const natGateways: aws.ec2.NatGateway[] = [];
        this.publicSubnetIds = [];
        this.privateSubnetIds = [];
        this.privateSubnetsByZone = {};

        args.zones.forEach((zone, i) => {
            const publicSubnet = new aws.ec2.Subnet(`${name}-public-${zone}`, {
                vpcId: vpc.id,
                availabilityZone: zone,
                cidrBlock: cidrs.public[i],
                mapPublicIpOnLaunch: false,
                tags: tags({ Name: `${name}-public-${zone}`, "kubernetes.io/role/elb": "1", [clusterTag]: "shared" }),
            }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-public-${zone}`, { subnetId: publicSubnet.id, routeTableId: publicRoutes.id }, parent);
            this.publicSubnetIds.push(publicSubnet.id);

            if (args.natGateways === "perZone" || i === 0) {
                const eip = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: "vpc", tags: tags({ Name: `${name}-nat-${zone}` }) }, parent);
                natGateways.push(new aws.ec2.NatGateway(`${name}-nat-${zone}`, {
                    allocationId: eip.id,
                    subnetId: publicSubnet.id,
                    tags: tags({ Name: `${name}-nat-${zone}` }),
                }, { parent: this, dependsOn: [igw] }));
            }
            const nat = natGateways[args.natGateways === "perZone" ? i : 0];

            const privateSubnet = new aws.ec2.Subnet(`${name}-private-${zone}`, {
                vpcId: vpc.id,
                availabilityZone: zone,
                cidrBlock: cidrs.private[i],
                tags: tags({ Name: `${name}-private-${zone}`, "kubernetes.io/role/internal-elb": "1", [clusterTag]: "shared" }),
            }, parent);
            const privateRoutes = new aws.ec2.RouteTable(`${name}-private-${zone}`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
                tags: tags({ Name: `${name}-private-${zone}` }),
            }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-private-${zone}`, { subnetId: privateSubnet.id, routeTableId: privateRoutes.id }, parent);
            this.privateSubnetIds.push(privateSubnet.id);
            this.privateSubnetsByZone[zone] = privateSubnet.id;
        });

        this.vpcId = vpc.id;
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
