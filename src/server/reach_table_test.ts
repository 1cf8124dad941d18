import assert from "node:assert/strict";
import { ReachTable } from "./reach_table.ts";

Deno.test("peers nobody can dial are flagged, except to a requester behind the same NAT, which gets their local address", () => {
  const reachable = new Map([
    ["seeder", false],
    ["neighbour", false],
    ["far", false],
    ["public", true],
  ]);
  const table = new ReachTable((peerId) => reachable.get(peerId));
  const nat = "203.0.113.7";
  table.note("seeder", { publicHost: nat, networks: ["10.0.0.5/24"] });
  table.note("neighbour", { publicHost: nat, networks: ["10.0.0.9/24"] });
  table.note("far", { publicHost: "198.51.100.1", networks: ["10.0.0.9/24"] });
  table.note("public", { publicHost: "192.0.2.1", networks: [] });
  const entries = [
    { peerId: "seeder", address: `${nat}:8001` },
    { peerId: "public", address: "192.0.2.1:8001" },
  ];
  assert.deepEqual(table.flagged(entries, "neighbour"), [
    { peerId: "seeder", address: "10.0.0.5:8001" },
    entries[1],
  ]);
  const flagged = [{ ...entries[0], reachable: false }, entries[1]];
  assert.deepEqual(table.flagged(entries, "far"), flagged, "another NAT");
  assert.deepEqual(table.flagged(entries, "seeder"), flagged, "itself");
  assert.deepEqual(table.flagged(entries), flagged, "no requester");
  const registering = { publicHost: nat, networks: ["10.0.0.12/24"] };
  assert.deepEqual(
    table.flagged(entries, "newcomer", { side: registering })[0],
    { peerId: "seeder", address: "10.0.0.5:8001" },
    "a requester still registering, by where its register says it sits",
  );
  reachable.delete("seeder");
  table.forget("seeder");
  assert.deepEqual(
    table.flagged(entries, "neighbour")[0],
    entries[0],
    "a peer gone is not flagged",
  );
});
