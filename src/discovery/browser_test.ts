import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { instanceChanges, pickServer } from "./browser.ts";
import type { ServiceInstance } from "./dns_sd.ts";

const TYPE = "_p2p-transfer._tcp.local";

function instance(name: string, extra: Partial<ServiceInstance> = {}): ServiceInstance {
  return {
    instanceName: name,
    serviceType: TYPE,
    host: "h.local",
    port: 1,
    addresses: ["10.0.0.9"],
    txt: {},
    ttl: 120,
    ...extra,
  };
}

Deno.test("instanceChanges reports up, update and down, and ignores TTL and unresolved ones", () => {
  const first = instanceChanges(new Map(), [instance("A"), instance("b", { port: 0 })]);
  assertEquals(first.changes, [{ type: "up", instance: instance("A") }]);
  assertEquals([...first.resolved.keys()], ["a"]);
  // A lower TTL is no change; a new address is.
  assertEquals(instanceChanges(first.resolved, [instance("A", { ttl: 60 })]).changes, []);
  const moved = instance("A", { addresses: ["10.0.0.10"] });
  const second = instanceChanges(first.resolved, [moved]);
  assertEquals(second.changes, [{ type: "update", instance: moved }]);
  // Gone, or said goodbye (TTL 0): down, with TTL 0.
  const down = [{ type: "down", instance: { ...moved, ttl: 0 } }];
  assertEquals(instanceChanges(second.resolved, []).changes, down);
  assertEquals(instanceChanges(second.resolved, [{ ...moved, ttl: 0 }]).changes, down);
});

Deno.test("pickServer picks the lowest instance name among compatible resolved servers", () => {
  assertEquals(pickServer([]), undefined);
  const picked = pickServer([
    instance("p2pft server on zulu"),
    instance("P2pft server on beta"),
    instance("p2pft server on alpha", { port: 0 }), // unresolved
    instance("p2pft server on aardvark", { txt: { protovers: "999" } }), // incompatible
    instance("p2pft server on beta (2)"),
  ]);
  assertEquals(picked?.instanceName, "P2pft server on beta");
  // The order of the input does not matter.
  const same = [instance("b", { host: "y.local" }), instance("b", { host: "x.local" })];
  assertEquals(pickServer(same)?.host, "x.local");
  assertEquals(pickServer(same.reverse())?.host, "x.local");
  assertEquals(
    pickServer([instance("a", { txt: { protovers: "7" } })], { protocolVersion: 7 })?.instanceName,
    "a",
  );
});
