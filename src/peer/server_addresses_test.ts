import assert from "node:assert/strict";
import { expandServers, type HostResolver, ServerList } from "./server_addresses.ts";

const records: Record<string, { address: string; family: number }[]> = {
  "replicas.test": [
    { address: "10.0.0.1", family: 4 },
    { address: "10.0.0.2", family: 4 },
  ],
  "localhost": [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }],
  "one.test": [{ address: "10.0.0.9", family: 4 }],
};

const resolver: HostResolver = (host) => {
  const found = records[host];
  return found ? Promise.resolve(found) : Promise.reject(new Error("ENOTFOUND"));
};

Deno.test("a name with several addresses of one family stands for each of them", async () => {
  assert.deepEqual(await expandServers([{ host: "replicas.test", port: 8000 }], resolver), [
    { host: "10.0.0.1", port: 8000 },
    { host: "10.0.0.2", port: 8000 },
  ]);
});

Deno.test("localhost, a one-address name, an unknown name and addresses stay as given", async () => {
  const given = [
    { host: "localhost", port: 1 },
    { host: "one.test", port: 2 },
    { host: "nowhere.test", port: 3 },
    { host: "10.0.0.1", port: 4 },
    { host: "::1", port: 5 },
  ];
  assert.deepEqual(await expandServers(given, resolver), given);
});

Deno.test("a list of servers keeps its order and drops repeats", async () => {
  const found = await expandServers([
    { host: "10.0.0.2", port: 8000 },
    { host: "replicas.test", port: 8000 },
    { host: "10.0.0.3", port: 8000 },
  ], resolver);
  assert.deepEqual(found.map((server) => server.host), ["10.0.0.2", "10.0.0.1", "10.0.0.3"]);
});

Deno.test("a server list picks among a name's addresses and moves off one that failed", async () => {
  const servers = new ServerList({ host: "replicas.test", port: 8000 }, resolver);
  assert.deepEqual(servers.given, [{ host: "replicas.test", port: 8000 }]);
  const first = await servers.pick();
  assert.equal(servers.count, 2);
  assert.equal(first.fresh, true);
  servers.succeeded(first.server);
  assert.deepEqual((await servers.pick()).server, first.server, "it stays while it works");
  servers.failed(first.server);
  const second = await servers.pick();
  assert.equal(second.fresh, true);
  assert.notDeepEqual(second.server, first.server);
  servers.failed(second.server);
  assert.equal((await servers.pick()).fresh, false, "both failed lately: back off");
});

Deno.test("a server list of a finder asks it before every pick", async () => {
  let asked = 0;
  const servers = new ServerList(() => Promise.resolve({ host: "10.0.0.9", port: ++asked }));
  assert.equal(servers.given, undefined);
  assert.deepEqual((await servers.pick()).server, { host: "10.0.0.9", port: 1 });
  assert.deepEqual((await servers.pick()).server, { host: "10.0.0.9", port: 2 });
});
