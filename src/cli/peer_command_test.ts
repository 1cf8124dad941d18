import assert from "node:assert/strict";
import { silentLogger } from "../log.ts";
import { chooseServer } from "./peer_command.ts";

const server = [{ host: "10.0.0.1", port: 8000 }];
const base = { server, explicit: false, discoverTimeout: 1, log: silentLogger() };

Deno.test("a peer uses --server, or none in LAN mode unless --server is given", async () => {
  assert.deepEqual(await chooseServer(base), server, "the default server");
  assert.equal(await chooseServer({ ...base, lan: true }), undefined, "LAN mode alone");
  assert.deepEqual(await chooseServer({ ...base, lan: true, explicit: true }), server);
});

Deno.test("--server and --auto-discover cannot be combined", async () => {
  await assert.rejects(
    chooseServer({ ...base, explicit: true, autoDiscover: true }),
    /give either --server or --auto-discover, not both/,
  );
});
