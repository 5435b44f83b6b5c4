import { strict as assert } from "assert";
import { argsProblems } from "../../components/app/validation";
import { ClusterHandle } from "../../components/cluster/contract";
import { CLOUDS, TYPES, appArgs, evaluateApp, objectNamed } from "./app-fixture";

const GLOBAL = "app.fin.example.com";

for (const cloud of CLOUDS) {
    describe(`FinancialApp aliases (${cloud})`, () => {
        const host = `app.${cloud}.fin.example.com`;

        it("the stable Ingress serves each alias on the same backend, in one TLS secret with the host", async () => {
            const { ev } = await evaluateApp(cloud, { aliases: [GLOBAL] });
            const ingress = objectNamed(ev, TYPES.ingress, "financial-app").inputs;
            assert.deepEqual(ingress.spec.tls, [{ hosts: [host, GLOBAL], secretName: "financial-app-public-tls" }]);
            assert.deepEqual(ingress.spec.rules.map((r: any) => r.host), [host, GLOBAL]);
            assert.deepEqual(ingress.spec.rules[1].http, ingress.spec.rules[0].http);
            // ExternalDNS v0.21: annotation-only ignores rule and TLS hosts, so only the cluster host is published.
            assert.equal(ingress.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"], host);
            assert.equal(ingress.metadata.annotations["external-dns.alpha.kubernetes.io/ingress-hostname-source"], "annotation-only");

            const canary = objectNamed(ev, TYPES.ingress, "financial-app-canary").inputs;
            assert.deepEqual(canary.spec.rules.map((r: any) => r.host), [host, GLOBAL]);
            assert.equal(canary.spec.rules[1].http.paths[0].backend.service.name, "financial-app-canary");
            assert.equal(canary.spec.tls, undefined);
            assert.equal(canary.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"], undefined);
            assert.equal(canary.metadata.annotations["external-dns.alpha.kubernetes.io/ingress-hostname-source"], "annotation-only", "the canary publishes nothing");
        });

        it("the internal Envoy certificate does not carry the aliases", async () => {
            const { ev } = await evaluateApp(cloud, { aliases: [GLOBAL] });
            const envoy = objectNamed(ev, TYPES.certificate, "financial-app-envoy-tls").inputs.spec;
            assert.ok(!JSON.stringify(envoy).includes(GLOBAL));
        });
    });
}

describe("FinancialApp aliases validation", () => {
    it("rejects a malformed alias, a duplicate and the hostname itself", () => {
        // Validation reads no cluster field beyond the zone name the fixture derives the hostname from.
        const cluster = { dns: { zoneName: "aws.fin.example.com" } } as ClusterHandle;
        const problems = (aliases: string[]) => argsProblems(appArgs(cluster, { aliases })).filter((p) => p.startsWith("aliases"));
        assert.deepEqual(problems([GLOBAL]), []);
        assert.equal(problems(["App.Fin.example.com"]).length, 1);
        assert.equal(problems([GLOBAL, GLOBAL]).length, 1);
        assert.equal(problems(["app.aws.fin.example.com"]).length, 1);
    });
});
