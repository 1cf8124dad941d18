/**
 * Opens a relay on `::1` and holds two silent connections to it from two
 * addresses of one IPv6 /64, then opens a third from a third address of
 * that /64, and prints `cut` when the relay closes it at once, `held` when
 * not. Run by tests/e2e/relay_prefix_test.ts in a network namespace of its
 * own whose loopback carries those addresses (given as arguments).
 *
 * Usage: `deno run -A relay_prefix_probe.ts <address> <address> <address>`.
 *
 * @module
 */

import net from "node:net";
import { silentLogger } from "../../src/log.ts";
import { Relay } from "../../src/protocol/relay.ts";

/** Time the third connection is given to be closed. */
const CUT_WAIT_MS = 1_000;

const limits = {
  peerBytesPerSecond: 1 << 20,
  totalBytesPerSecond: 1 << 20,
  links: 8,
  linksPerPeer: 1,
};

async function silent(port: number, localAddress: string): Promise<net.Socket> {
  const socket = net.connect({ host: "::1", port, localAddress });
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  return socket;
}

const relay = await Relay.open({ host: "::1", port: 0 }, { limits, log: silentLogger() });
const sockets: net.Socket[] = [];
try {
  for (const address of Deno.args.slice(0, 2)) sockets.push(await silent(relay.port, address));
  const third = await silent(relay.port, Deno.args[2]);
  sockets.push(third);
  const cut = await Promise.race([
    new Promise<boolean>((resolve) => third.once("close", () => resolve(true))),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CUT_WAIT_MS)),
  ]);
  console.log(cut ? "cut" : "held");
} finally {
  for (const socket of sockets) socket.destroy();
  await relay.close();
}
