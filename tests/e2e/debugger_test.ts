/**
 * The runtime opens its debugger (no password, 127.0.0.1:9229) when a
 * process receives SIGUSR1; a running p2pft closes it at once and says so.
 */

import assert from "node:assert/strict";
import { startPeer, startServer } from "../../scripts/process_harness.ts";

/** The runtime starts watching for SIGUSR1 about 500 ms after a process starts. */
const RUNTIME_GRACE_MS = 1_000;
const DEBUGGER_PORT = 9229;

async function portTaken(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "a server that gets SIGUSR1 closes the debugger the runtime opened and serves on",
  ignore: Deno.build.os === "windows",
  async fn() {
    if (await portTaken(DEBUGGER_PORT)) {
      console.log(`skipped: 127.0.0.1:${DEBUGGER_PORT} is taken, so no debugger could open there`);
      return;
    }
    await using server = await startServer();
    await new Promise((resolve) => setTimeout(resolve, RUNTIME_GRACE_MS));
    Deno.kill(server.pid, "SIGUSR1");
    const [, url] = await server.stderr.waitFor(
      /SIGUSR1 opened the runtime's debugger \((ws:\/\/[^)]+)\).*closed it/,
    );
    assert.equal(new URL(url).port, String(DEBUGGER_PORT));
    assert.equal(await portTaken(DEBUGGER_PORT), false, "the debugger still listens");
    await using _peer = await startPeer(server.address);
    await server.stderr.waitFor(/peer \S+ registered at /);
  },
});
