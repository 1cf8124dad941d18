import assert from "node:assert/strict";
import { parseNetworkKey } from "../security/network_key.ts";
import { joinCommand, reachableAddresses, serverCommand } from "./server_command.ts";

const interfaces = [
  { family: "IPv4" as const, address: "127.0.0.1" },
  { family: "IPv6" as const, address: "fe80::1" },
  { family: "IPv4" as const, address: "192.168.1.20" },
  { family: "IPv4" as const, address: "10.0.0.5" },
];

Deno.test("a server on every interface is reached at each LAN address, never at 0.0.0.0", () => {
  assert.deepEqual(reachableAddresses("0.0.0.0:8000", interfaces), [
    "192.168.1.20:8000",
    "10.0.0.5:8000",
  ]);
  assert.deepEqual(reachableAddresses("[::]:8000", interfaces.slice(0, 1)), ["127.0.0.1:8000"]);
  assert.deepEqual(reachableAddresses("10.0.0.5:9000", interfaces), ["10.0.0.5:9000"]);
});

Deno.test("the join command carries the key when there is one", () => {
  const key = parseNetworkKey("p2pft-" + "a".repeat(52));
  assert.equal(
    joinCommand("10.0.0.5:8000", key),
    `p2pft peer --server 10.0.0.5:8000 --key p2pft-${"a".repeat(52)}`,
  );
  assert.equal(joinCommand("10.0.0.5:8000", undefined), "p2pft peer --server 10.0.0.5:8000");
});

Deno.test("the server's address flag is -a, --addr as on the peer; the old -p still works, hidden", () => {
  const help = serverCommand().helpInformation();
  assert.match(help, /-a, --addr <host:port>/);
  assert.doesNotMatch(help, /-p\b/);
  const parsed = serverCommand().exitOverride().action(() => {}).parse(["-p", "127.0.0.1:9"], {
    from: "user",
  });
  assert.deepEqual(parsed.opts().p, { host: "127.0.0.1", port: 9 });
});
