import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { parsePlanArgs, renderPlan } from "../../commands/plan";
import { UNKNOWN } from "../../commands/offline/harness";
import { stackPreview } from "../support/stacks";

const ROOT = path.resolve(__dirname, "..", "..");

function runPlan(args: string[]): { code: number; stdout: string; stderr: string } {
    try {
        const stdout = execFileSync(process.execPath, ["-r", "./runtime/ts-transpile.js", "commands/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
        return { code: 0, stdout, stderr: "" };
    } catch (err) {
        const e = err as { status: number; stdout: string; stderr: string };
        return { code: e.status, stdout: e.stdout, stderr: e.stderr };
    }
}

describe("offline plan", () => {
    it("shows values that exist only after deploy as unknown, like pulumi preview", async () => {
        const evaluation = await stackPreview("prod");
        const storageClass = evaluation.named("kubernetes:storage.k8s.io/v1:StorageClass", "pair-aws-gp3");
        assert.equal(storageClass.inputs.parameters.kmsKeyId, UNKNOWN, "the KMS key ARN is assigned by AWS at deploy time");
        assert.equal(evaluation.outputs.clusters.aws.endpoint, UNKNOWN);
        const text = renderPlan(evaluation, "prod", evaluation.placeholders);
        assert.match(text, /EKS finplat-prod-eks \[active\] region us-east-1, Kubernetes 1\.33/);
        assert.match(text, /AKS finplat-prod-aks \[passive\] location westus3/);
        assert.match(text, /node group pair-aws-system: m6i\.xlarge ON_DEMAND, min 3 \/ desired 3 \/ max 6, 3 zones, tainted CriticalAddonsOnly/);
        assert.match(text, /finplat:aws:AwsCluster pair-aws \[active\] \(\d+ resources\)/);
        assert.match(text, /\[aws\] velero@12\.1\.0 → namespace velero/);
        for (const cloud of ["aws", "azure"]) assert.match(text, new RegExp(`\\[${cloud}\\] Kyverno 3\\.9\\.0, 6 policies \\(Deny\\); Falco 9\\.1\\.0 \\(modern_ebpf\\)`));
        assert.match(text, /global name app\.fin\.example\.com → primary aws/);
        assert.match(text, /RTO budget, service restored 270 s \(detection 3×10 s \+ DNS TTL 60 s \+ promotion 180 s\)/);
        assert.match(text, /RTO budget, full capacity 450 s \(service restored 270 s \+ scale-up 180 s\)/);
        assert.match(text, /RPO budget, database 60 s \(archive_timeout 30 s \+ upload 30 s\)/);
        assert.match(text, /RPO budget, other volumes and objects 60 min \(platform\.velero\.schedule "0 \* \* \* \*"\)/);
        // Each side's data tier: role, instances, storage, archive target, RPO.
        assert.match(text, /Data tier: CloudNativePG distributed topology in namespace database, primary on aws/);
        assert.match(text, /\[aws\] postgres-aws primary: 3 instances, quorum sync ANY 1, storage 200Gi \+ WAL 50Gi \(gp3-encrypted\)/);
        assert.match(text, /\[azure\] postgres-azure replica of postgres-aws, replaying its archive: 2 instances, storage 200Gi \+ WAL 50Gi \(managed-csi\)/);
        assert.match(text, /archive S3 bucket pair-aws-pg-archive-… \(name \(known after deploy\)\) as server postgres-aws via ObjectStore archive-aws; reads the peer's via archive-azure \(read-only\); writes at postgres-aws-rw\.database\.svc/);
        assert.match(text, /archive Blob container pg-archive \(storage account \(known after deploy\)\) as server postgres-azure via ObjectStore archive-azure/);
        assert.match(text, /database RPO 60 s \(archive_timeout 30 s \+ upload 30 s\)/);
        assert.match(text, /backup stores \(archive and Velero\): S3 replicated to us-west-2 \(KMS\), Azure Standard_RAGZRS/);
    });

    it("applies --set overrides on top of the stack file", async () => {
        const evaluation = await stackPreview("dev", ["activeCloud=azure", "aws.nodePools.workload.maxSize=9"]);
        assert.equal(evaluation.outputs.activeCloud, "azure");
        assert.equal(evaluation.named("aws:eks/nodeGroup:NodeGroup", "pair-aws-workload").inputs.scalingConfig.maxSize, 9);
        // The primary follows activeCloud: on azure now, the aws side replays it.
        const text = renderPlan(evaluation, "dev", evaluation.placeholders);
        assert.match(text, /primary on azure/);
        assert.match(text, /\[azure\] postgres-azure primary: 1 instance, storage 10Gi/);
        assert.match(text, /\[aws\] postgres-aws replica of postgres-azure, replaying its archive: 1 instance/);
    });

    it("rejects bad arguments with usage", () => {
        assert.throws(() => parsePlanArgs([]), /--stack is required/);
        assert.throws(() => parsePlanArgs(["--stack"]), /--stack needs a value/);
        assert.throws(() => parsePlanArgs(["--stack", "dev", "--bogus"]), /unknown option --bogus/);
    });

    it("prints a config error without a stack trace and exits non-zero", function () {
        this.timeout(60000);
        const result = runPlan(["--stack", "dev", "--set", "aws.nodePools.system.maxSize=0"]);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /^Invalid stack configuration:\n {2}- aws\.nodePools\.system\.maxSize: 0 is too small; minimum is 1/);
        assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
        const unknown = runPlan(["--stack", "staging"]);
        assert.equal(unknown.code, 1);
        assert.match(unknown.stderr, /^unknown stack "staging": no Pulumi\.staging\.yaml in \S+ \(known stacks: dev, prod\)\n$/);
    });
});
