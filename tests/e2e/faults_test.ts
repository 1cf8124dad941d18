/**
 * Misbehaving peers and hostile input, through real processes on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  P2pftProcess,
  type Rogue,
  runPeer,
  sha256File,
  startPeer,
  startRogue,
  startServer,
  writeRandomFile,
} from "../helpers/cluster.ts";

const MIB = 1024 * 1024;
async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "p2pft-faults-" });
}

/**
 * Downloads a file offered by a rogue peer in `mode` and by an honest peer,
 * checks the bytes, and hands the downloader's output and the rogue to
 * `check`.
 */
async function downloadBesideRogue(
  options: { mode: string; size: number; seed: number },
  check: (result: { stderr: string }, rogue: Rogue) => Promise<void> | void,
): Promise<void> {
  const dir = await tempDir();
  const server = await startServer();
  const path = join(dir, "data.bin");
  await writeRandomFile(path, options.size, { seed: options.seed });
  const rogue = startRogue(server.address, { file: path, mode: options.mode });
  let honest: P2pftProcess | undefined;
  try {
    await rogue.stdout.waitFor(/^File ID: /);
    honest = await startPeer(server.address, { args: ["-r", path] });
    const id = (await honest.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const result = await runPeer(server.address, { args: ["-d", id, "-o", out] });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
    await check(result, rogue);
  } finally {
    await honest?.stop();
    await rogue.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("chunks with wrong bytes are rejected, fetched elsewhere, and the liar is banned", async () => {
  await downloadBesideRogue({ mode: "corrupt", size: 40 * MIB, seed: 5 }, (result) => {
    assert.match(result.stderr, /sent bad data: chunk \d+ failed verification/);
    assert.match(result.stderr, /banned for this download after repeated bad chunks/);
  });
});

Deno.test("a peer that dies mid-download is replaced by another holding the chunks", async () => {
  await downloadBesideRogue({ mode: "die-after:2", size: 40 * MIB, seed: 6 }, async (_, rogue) => {
    assert.equal((await rogue.child.status).code, 9, "the rogue died mid-download");
  });
});

Deno.test("a stalled peer loses its requests to a working one", async () => {
  await downloadBesideRogue({ mode: "stall", size: 12 * MIB, seed: 8 }, () => {});
});

async function sendRaw(address: string, bytes: Uint8Array): Promise<string> {
  const port = Number(address.split(":").pop());
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(bytes).catch(() => {});
    const buffer = new Uint8Array(4096);
    let text = "";
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const count = await conn.read(buffer).catch(() => null);
      if (count === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, count));
    }
    return text;
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the other side.
    }
  }
}

function frame(length: number, kind: number, body: Uint8Array = new Uint8Array()): Uint8Array {
  const bytes = new Uint8Array(5 + body.length);
  new DataView(bytes.buffer).setUint32(0, length);
  bytes[4] = kind;
  bytes.set(body, 5);
  return bytes;
}

Deno.test("garbage, oversized frames and plain HTTP are refused; everyone else is still served", async () => {
  const dir = await tempDir();
  const server = await startServer();
  const path = join(dir, "data.bin");
  await writeRandomFile(path, 5 * MIB, { seed: 9 });
  const seeder = await startPeer(server.address, { args: ["-r", path] });
  try {
    const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    const hostile = [
      crypto.getRandomValues(new Uint8Array(1000)),
      frame(0xffff_fff0, 1),
      frame(64 * MIB, 2),
      frame(0, 1),
      frame(20, 1, new TextEncoder().encode("{not json at all!!!")),
      new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    ];
    for (const target of [server, seeder]) {
      for (const bytes of hostile) await sendRaw(target.address, bytes);
    }
    await server.stderr.waitFor(/plain HTTP request/);
    await server.stderr.waitFor(/exceeds the/);
    await seeder.stderr.waitFor(/plain HTTP request/);
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const result = await runPeer(server.address, { args: ["-d", id, "-o", out] });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
  } finally {
    await seeder.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a hello with another protocol version gets a clear error", async () => {
  const server = await startServer();
  try {
    const hello = new TextEncoder().encode(
      JSON.stringify({ t: "hello", protocol: "p2pft", version: 999, role: "peer" }),
    );
    const reply = await sendRaw(server.address, frame(hello.length + 1, 1, hello));
    assert.match(reply, /protocol version mismatch: other side speaks v999/);
  } finally {
    await server.stop();
  }
});

Deno.test("a connection that shakes hands but never registers is closed", async () => {
  const server = await startServer();
  const port = Number(server.address.split(":").pop());
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const body = new TextEncoder().encode(
      JSON.stringify({ t: "hello", protocol: "p2pft", version: 1, role: "peer" }),
    );
    await conn.write(frame(body.length + 1, 1, body));
    await server.stderr.waitFor(/closed connection from .*: no "register" in time/);
    const buffer = new Uint8Array(4096);
    let ended = false;
    while (!ended) ended = (await conn.read(buffer).catch(() => null)) === null;
  } finally {
    conn.close();
    await server.stop();
  }
});

Deno.test("peers re-register by themselves when the server restarts", async () => {
  const dir = await tempDir();
  const port = freePort();
  const address = `127.0.0.1:${port}`;
  let server = await new P2pftProcess(["server", "--addr", address]).listening();
  const path = join(dir, "data.bin");
  await writeRandomFile(path, 3 * MIB, { seed: 10 });
  const seeder = await startPeer(address, { args: ["-r", path] });
  try {
    const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    await server.stop();
    await seeder.stderr.waitFor(/lost the server/);
    server = await new P2pftProcess(["server", "--addr", address]).listening();
    await server.stderr.waitFor(/registered at/);
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const result = await runPeer(address, { args: ["-d", id, "-o", out] });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
  } finally {
    await seeder.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a peer that goes silent is dropped after the heartbeat timeout", async () => {
  const server = await startServer();
  const port = Number(server.address.split(":").pop());
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const send = (message: unknown) => {
      const body = new TextEncoder().encode(JSON.stringify(message));
      return conn.write(frame(body.length + 1, 1, body));
    };
    await send({ t: "hello", protocol: "p2pft", version: 1, role: "peer" });
    await send({ t: "register", id: 1, peerId: "silent-one", listenPort: 9 });
    await server.stderr.waitFor(/peer silent-one registered/);
    const registered = Date.now();
    await server.stderr.waitFor(/peer silent-one dropped: no heartbeat for 15 s/, 25_000);
    assert.ok(Date.now() - registered >= 14_000, "not dropped before the timeout");
  } finally {
    conn.close();
    await server.stop();
  }
});
