import assert from "node:assert/strict";
import { addressFor, requesterLink } from "./seen_address.ts";

const fromLan = { remoteHost: "10.0.0.7", localHost: "10.0.0.1" };
const fromLoopback = { remoteHost: "127.0.0.1", localHost: "127.0.0.1" };

Deno.test("a peer registered over loopback is given to LAN requesters at the server's LAN address", () => {
  assert.equal(addressFor("127.0.0.1:8001", fromLan), "10.0.0.1:8001");
  assert.equal(
    addressFor("[::1]:8001", { remoteHost: "fd00::7", localHost: "fd00::1" }),
    "[fd00::1]:8001",
  );
});

Deno.test("other addresses, and any address to a requester on loopback, are given as registered", () => {
  assert.equal(addressFor("10.0.0.9:8001", fromLan), "10.0.0.9:8001");
  assert.equal(addressFor("127.0.0.1:8001", fromLoopback), "127.0.0.1:8001");
  assert.equal(addressFor("10.0.0.9:8001", fromLoopback), "10.0.0.9:8001");
});

Deno.test("a requester's link is read from its channel's addresses", () => {
  const addr = (hostname: string): Deno.NetAddr => ({ transport: "tcp", hostname, port: 1 });
  assert.deepEqual(
    requesterLink({ remoteAddr: addr("10.0.0.7"), localAddr: addr("10.0.0.1") }),
    fromLan,
  );
});
