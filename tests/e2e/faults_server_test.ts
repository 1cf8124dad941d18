/**
 * The server's hold on its peers, through real processes on 127.0.0.1 (the
 * heartbeat timeout, through a real server in this process: see that
 * test): peers that re-register after a restart, the heartbeat interval and
 * silence timeout the server tells, the drop of a silent peer.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { runPeer, startPeer, startServer } from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { HEARTBEAT_INTERVAL_MS, PEER_TIMEOUT_MS } from "../../src/constants.ts";
import { CentralServer } from "../../src/server/server.ts";
import { testCredentials } from "../../src/test_credentials.ts";
import { fileIds, freePort, tempDir } from "../helpers/cluster.ts";
import { dialAsPeer, within } from "../helpers/wire.ts";

const MIB = 1024 * 1024;

Deno.test("peers re-register by themselves when the server restarts", async () => {
  await using dir = await tempDir("p2pft-faults-");
  const addr = `127.0.0.1:${freePort()}`;
  // The same identity at both starts, kept in the test's folder.
  const args = ["--data-dir", join(dir.path, "server")];
  await using first = await startServer({ addr, args });
  const path = join(dir.path, "data.bin");
  await writeRandomFile(path, 3 * MIB, { seed: 10 });
  await using seeder = await startPeer(addr, { args: ["-r", path] });
  const [id] = await fileIds(seeder);
  await first.stop();
  await seeder.stderr.waitFor(/lost the server/);
  await using second = await startServer({ addr, args });
  await second.stderr.waitFor(/registered at/);
  const out = join(dir.path, "out");
  const result = await runPeer(addr, { args: ["-d", id, "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
});

/** Connects to the server at `address` as a new peer on the test network and registers. */
async function register(address: string) {
  const connection = await dialAsPeer(address, "server");
  const ended = connection.run(() => {}).catch(() => {});
  const reply = await connection.request({ t: "register", listenPort: 9 });
  return {
    connection,
    reply,
    /** Resolves when the server closes the connection. */
    ended,
    async [Symbol.asyncDispose]() {
      connection.close();
      await ended;
    },
  };
}

Deno.test("a p2pft server tells each peer its heartbeat interval and its silence timeout", async () => {
  await using server = await startServer();
  await using peer = await register(server.address);
  assert.equal(peer.reply.heartbeatMs, HEARTBEAT_INTERVAL_MS);
  assert.equal(peer.reply.timeoutMs, PEER_TIMEOUT_MS);
});

/**
 * Silence after which the test's server drops a peer. The `p2pft server`
 * process has no setting for it (15 s, checked above), so the real server
 * runs here, in this process, with its `peerTimeoutMs` option.
 */
const SHORT_PEER_TIMEOUT_MS = 600;

Deno.test("a peer that goes silent is dropped after the heartbeat timeout; one that beats stays", async () => {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
    peerTimeoutMs: SHORT_PEER_TIMEOUT_MS,
  });
  try {
    const registering = Date.now();
    await using silent = await register(server.address);
    await using beating = await register(server.address);
    const beats = setInterval(() => {
      beating.connection.send({ t: "heartbeat" }).catch(() => {});
    }, SHORT_PEER_TIMEOUT_MS / 4);
    try {
      assert.equal(server.status().peers, 2);
      await within(silent.ended, {
        ms: SHORT_PEER_TIMEOUT_MS * 10,
        what: "the silent peer's drop",
      });
      const silentFor = Date.now() - registering;
      assert.ok(silentFor >= SHORT_PEER_TIMEOUT_MS, `dropped after ${silentFor} ms, too early`);
      assert.equal(server.status().peers, 1, "only the silent peer left the index");
      await new Promise((resolve) => setTimeout(resolve, SHORT_PEER_TIMEOUT_MS * 2));
      assert.equal(server.status().peers, 1, "the peer that beats is kept");
    } finally {
      clearInterval(beats);
    }
  } finally {
    await server.close();
  }
});
