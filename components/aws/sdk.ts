/**
 * The parts of @pulumi/aws this program uses, each from its own module. The
 * package's index loads about 300 modules at once (every service with a mixin,
 * every enum): about half a second of each `pulumi up`, against a sixth of that
 * for these. Import AWS through here, `import * as aws from "<path>/aws/sdk"`,
 * which keeps the `aws.iam.Role` spelling; tests/layout checks nothing in the
 * program imports the index.
 */
export * as ec2 from "@pulumi/aws/ec2";
export * as eks from "@pulumi/aws/eks";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as route53 from "@pulumi/aws/route53";
export * as s3 from "@pulumi/aws/s3";
export { Provider } from "@pulumi/aws/provider";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export type { Region } from "@pulumi/aws/types/enums";
