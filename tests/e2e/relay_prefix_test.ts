/**
 * A relay counts the silent connections of one IPv6 /64 together, as of
 * one host: a stranger picks addresses in its /64 at will, and counted one
 * by one they would fill every slot. Runs the probe in a user and network
 * namespace of its own (`unshare -rn`), whose loopback carries addresses of
 * one /64; the namespace ends with the probe.
 */

import assert from "node:assert/strict";

const PROBE = new URL("../helpers/relay_prefix_probe.ts", import.meta.url).pathname;
const ADDRESSES = ["2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7::3"];

Deno.test("silent relay connections from three addresses of one IPv6 /64 are held as from one host", async () => {
  const setup = ["ip link set lo up", ...ADDRESSES.map((a) => `ip addr add ${a}/64 dev lo`)];
  const script = `${setup.join(" && ")} && exec "$0" run -A "$1" "$2" "$3" "$4"`;
  const result = await new Deno.Command("unshare", {
    args: ["-rn", "sh", "-c", script, Deno.execPath(), PROBE, ...ADDRESSES],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 0, stderr);
  assert.equal(new TextDecoder().decode(result.stdout).trim(), "cut", stderr);
});
