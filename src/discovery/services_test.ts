import assert from "node:assert/strict";
import { instanceAddress } from "./services.ts";

Deno.test("an instance is dialled at its first address", () => {
  const instance = {
    instanceName: "p2pft server on a",
    serviceType: "_p2p-transfer._tcp.local",
    host: "a.local",
    port: 8000,
    addresses: ["10.0.0.1", "fd00::1"],
    txt: {},
    ttl: 120,
  };
  assert.deepEqual(instanceAddress(instance), { host: "10.0.0.1", port: 8000 });
  assert.equal(instanceAddress({ ...instance, addresses: [] }), undefined);
});
