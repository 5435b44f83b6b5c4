import { strict as assert } from "assert";
import { cidrsOverlap, hostAddress, parseCidr, subnetCidrs } from "../../components/cluster/cidr";

describe("CIDR arithmetic", () => {
    it("parses only well-formed networks on their boundary", () => {
        assert.deepEqual(parseCidr("10.10.0.0/16"), { base: 10 * 2 ** 24 + 10 * 2 ** 16, prefix: 16 });
        for (const bad of ["10.10.0/16", "10.10.1.0/16", "256.0.0.0/8", "10.0.0.0/33", "10.0.0.0"]) assert.equal(parseCidr(bad), undefined, bad);
    });

    it("detects overlap, including containment", () => {
        assert.equal(cidrsOverlap(parseCidr("10.10.0.0/16")!, parseCidr("10.10.128.0/20")!), true);
        assert.equal(cidrsOverlap(parseCidr("10.10.0.0/16")!, parseCidr("10.11.0.0/16")!), false);
    });

    it("carves public and private subnets that never move when a zone is added", () => {
        assert.deepEqual(subnetCidrs("10.10.0.0/16", 2), { public: ["10.10.0.0/19", "10.10.32.0/19"], private: ["10.10.128.0/19", "10.10.160.0/19"] });
        assert.deepEqual(subnetCidrs("10.10.0.0/16", 3).private.slice(0, 2), subnetCidrs("10.10.0.0/16", 2).private);
    });

    it("names a host address inside a network", () => {
        assert.equal(hostAddress("10.96.0.0/16", 10), "10.96.0.10");
    });
});
