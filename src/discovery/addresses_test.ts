import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  isIpv4,
  isIpv6,
  isLocalOnly,
  isLoopbackHost,
  isWildcardHost,
  localNetworks,
  unbracket,
} from "./addresses.ts";

/** Asserts that `check` gives `expected` for every input (the diff lists those that do not). */
function assertEach(check: (text: string) => boolean, inputs: string[], expected: boolean): void {
  assertEquals(inputs.filter((input) => check(input) !== expected), [], `expected ${expected}`);
}

Deno.test("isIpv4 takes four decimal parts of 0 to 255 only", () => {
  assertEach(isIpv4, ["10.0.0.1", "255.255.255.255", "0.0.0.0"], true);
  assertEach(isIpv4, ["256.0.0.1", "10.0.0", "10.0.0.1.2", "a.b.c.d", "::1", "host", ""], false);
});

Deno.test("isIpv6 takes the full IPv6 grammar, with a zone, without brackets", () => {
  assertEach(
    isIpv6,
    ["::1", "::", "fd00::1", "FE80::1%eth0", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8"],
    true,
  );
  assertEach(
    isIpv6,
    ["1::2::3", "1:2:3:4:5:6:7:8:9", "fd00::g", "[::1]", "10.0.0.1", "host", ""],
    false,
  );
});

Deno.test("wildcard hosts mean every interface", () => {
  assertEach(isWildcardHost, ["0.0.0.0", "::", "[::]", ""], true);
  assertEach(isWildcardHost, ["127.0.0.1", "10.0.0.1", "::1"], false);
});

Deno.test("loopback hosts are never advertised", () => {
  assertEach(
    isLoopbackHost,
    ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost"],
    true,
  );
  assertEach(isLoopbackHost, ["0.0.0.0", "10.0.0.1", "::", "fe80::1", "128.0.0.1"], false);
});

Deno.test("loopback and IPv6 link-local addresses are local only", () => {
  assertEach(isLocalOnly, ["127.0.0.1", "::1", "fe80::1", "FEBF::1%eth0", "[fe80::2]"], true);
  assertEach(isLocalOnly, ["10.0.0.1", "192.168.1.2", "fd00::1", "fec0::1", "2001:db8::1"], false);
});

Deno.test("unbracket strips URL-style brackets only", () => {
  assertEquals([unbracket("[::1]"), unbracket("::1"), unbracket("10.0.0.1")], [
    "::1",
    "::1",
    "10.0.0.1",
  ]);
});

Deno.test("a peer's local networks: every non-loopback IPv4 one on a wildcard host, else its own", () => {
  const info = (address: string, cidr: string, family: "IPv4" | "IPv6" = "IPv4") => ({
    family,
    name: "eth0",
    address,
    netmask: "",
    scopeid: null,
    cidr,
    mac: "",
  });
  const interfaces = [
    info("127.0.0.1", "127.0.0.1/8"),
    info("10.0.0.5", "10.0.0.5/24"),
    info("192.168.1.9", "192.168.1.9/16"),
    info("fd00::5", "fd00::5/64", "IPv6"),
  ];
  assertEquals(localNetworks("0.0.0.0", interfaces), ["10.0.0.5/24", "192.168.1.9/16"]);
  assertEquals(localNetworks("192.168.1.9", interfaces), ["192.168.1.9/16"]);
  assertEquals(localNetworks("127.0.0.1", interfaces), []);
});
