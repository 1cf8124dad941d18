import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { interfaceIpv4 } from "./mdns_socket.ts";

Deno.test("an mDNS interface is given by IPv4 address or by name", () => {
  assertEquals(interfaceIpv4("10.0.0.1"), "10.0.0.1");
  const lo = Deno.networkInterfaces().find((i) => i.address === "127.0.0.1")!.name;
  assertEquals(interfaceIpv4(lo), "127.0.0.1");
  throws(
    () => interfaceIpv4("no-such-if0"),
    new RegExp(`network interface "no-such-if0" has no IPv4 address for mDNS: pick one of .*${lo}`),
  );
});
