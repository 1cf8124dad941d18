import assert from "node:assert/strict";
import { nearAddress, parseNetwork } from "./same_nat.ts";

Deno.test("local networks are read as IPv4 CIDR; anything else is not one", () => {
  assert.deepEqual(parseNetwork("10.0.0.5/24"), { ip: "10.0.0.5", prefix: 24 });
  assert.deepEqual(parseNetwork("192.168.1.9/32"), { ip: "192.168.1.9", prefix: 32 });
  for (
    const bad of ["10.0.0.5", "10.0.0.5/33", "fd00::1/64", "10.0.0/24", "10.0.0.5/24/1", "x/8"]
  ) {
    assert.equal(parseNetwork(bad), undefined, bad);
  }
});

Deno.test("a source is given at its local IP to a requester from the same public IP on its network", () => {
  const source = { publicHost: "203.0.113.7", networks: ["10.0.0.5/24", "172.17.0.1/16"] };
  const requester = { publicHost: "203.0.113.7", networks: ["10.0.0.9/24"] };
  assert.equal(nearAddress(source, requester), "10.0.0.5");
  assert.equal(nearAddress(source, { ...requester, networks: ["172.17.3.4/16"] }), "172.17.0.1");
  assert.equal(
    nearAddress(source, { ...requester, publicHost: "198.51.100.1" }),
    undefined,
    "another public IP: another NAT",
  );
  assert.equal(nearAddress(source, { ...requester, networks: ["10.0.1.9/24"] }), undefined);
  assert.equal(
    nearAddress(source, { ...requester, networks: ["10.0.0.5/24"] }),
    undefined,
    "the same IP is no neighbour",
  );
  assert.equal(nearAddress(source, { ...requester, networks: [] }), undefined);
});
