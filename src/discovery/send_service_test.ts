import assert from "node:assert/strict";
import type { ServiceInstance } from "./dns_sd.ts";
import { senderInstanceName, senderOf } from "./send_service.ts";

function instance(txt: Record<string, string>, port = 4000): ServiceInstance {
  return {
    instanceName: "p2pft send 7 on alpha",
    serviceType: "_p2pft-send._tcp.local",
    host: "alpha.local",
    port,
    addresses: ["10.0.0.5"],
    txt,
    ttl: 120,
  };
}

Deno.test("the sender of a nameplate is the resolved instance that carries it and its ID", () => {
  const right = instance({ nameplate: "7", peerid: "abc" });
  assert.deepEqual(senderOf([instance({ nameplate: "8", peerid: "x" }), right], 7), {
    host: "10.0.0.5",
    port: 4000,
    peerId: "abc",
  });
  assert.equal(senderOf([instance({ nameplate: "7" })], 7), undefined, "no ID, no sender");
  assert.equal(senderOf([instance({ nameplate: "7", peerid: "abc" }, 0)], 7), undefined);
});

Deno.test("a sender's instance name carries its nameplate", () => {
  assert.equal(senderInstanceName(42, "alpha"), "p2pft send 42 on alpha");
});
