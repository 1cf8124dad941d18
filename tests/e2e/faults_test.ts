/**
 * Misbehaving peers and hostile input, through real processes on 127.0.0.1
 * (the heartbeat timeout, through a real server in this process: see that
 * test).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Child,
  eventsNamed,
  P2pftProcess,
  peerArgs,
  runPeer,
  type RunResult,
  startPeer,
  startServer,
} from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import {
  HEARTBEAT_INTERVAL_MS,
  PEER_TIMEOUT_MS,
  PROTOCOL_VERSION,
  STALL_TIMEOUT_MS,
} from "../../src/constants.ts";
import { type ByteChannel, writeAll } from "../../src/protocol/channel.ts";
import type { Connection } from "../../src/protocol/connection.ts";
import { dial } from "../../src/protocol/dial.ts";
import { dialSecure } from "../../src/protocol/secure_channel.ts";
import { encodePreamble } from "../../src/protocol/preamble.ts";
import { CentralServer } from "../../src/server/server.ts";
import { encodeBase64 } from "../../src/storage/base64.ts";
import { testCredentials } from "../../src/test_credentials.ts";
import { concat, randomBytes } from "../helpers/bytes.ts";
import { fileIds, freePort, startCluster, tempDir } from "../helpers/cluster.ts";

const MIB = 1024 * 1024;
const CHUNK = 4 * MIB;

/** What a download beside a rogue peer leaves to check. */
interface RogueRun {
  /** The downloader's run, with `--json` events. */
  result: RunResult;
  /** The rogue peer, still running. */
  rogue: Child;
  /** The honest seeder, still running. */
  honest: P2pftProcess;
}

/**
 * Downloads a file offered by a rogue peer in `mode` and by an honest peer,
 * checks the bytes, and hands what happened to `check`.
 */
async function downloadBesideRogue(
  options: { mode: string; size: number; seed: number; timeoutMs?: number },
  check: (run: RogueRun) => Promise<void> | void,
): Promise<void> {
  await using cluster = await startCluster("p2pft-faults-");
  const path = await cluster.file("data.bin", options);
  const { rogue } = await cluster.rogue(path, options.mode);
  const { peer: honest, ids: [id] } = await cluster.share([path]);
  const out = join(cluster.dir, "out");
  const result = await runPeer(cluster.server.address, {
    args: ["--json", "-d", id, "-o", out],
    timeoutMs: options.timeoutMs,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
  await check({ result, rogue, honest });
}

Deno.test("chunks with wrong bytes are rejected, fetched elsewhere, and the liar is banned", async () => {
  // Enough chunks that the liar is asked for a third before the honest peer has sent them all
  // (with 10 the download once ended after two bad chunks).
  await downloadBesideRogue({ mode: "corrupt", size: 96 * MIB, seed: 5 }, ({ result }) => {
    assert.match(result.stderr, /sent bad data: chunk \d+ failed verification/);
    assert.match(result.stderr, /banned for this download after repeated bad chunks/);
  });
});

Deno.test("a peer that dies mid-download is replaced by another holding the chunks", async () => {
  await downloadBesideRogue({ mode: "die-after:2", size: 40 * MIB, seed: 6 }, async ({ rogue }) => {
    assert.equal((await rogue.exited).code, 9, "the rogue died mid-download");
  });
});

// The stalled peer's requests go to the honest peer too (endgame) and are cancelled at the stalled
// one as soon as the honest copy is verified: the download never waits for the stall timeout.
Deno.test("a stalled peer loses its requests to a working one", async () => {
  const chunks = 3;
  await downloadBesideRogue(
    // A download that waits for the stall timeout fails fast, and says so.
    { mode: "stall", size: chunks * CHUNK, seed: 8, timeoutMs: 2 * STALL_TIMEOUT_MS },
    async ({ result, rogue, honest }) => {
      const lines = rogue.stdout.lines;
      const asked = lines.flatMap((line, at) => {
        const match = line.match(/^asked for chunk (\d+) \((connection \d+, request \d+)\)$/);
        return match ? [{ chunk: Number(match[1]), request: match[2], at }] : [];
      });
      const cancelled = lines.flatMap((line, at) => {
        const match = line.match(/^cancelled \((connection \d+, request \d+)\)$/);
        return match ? [{ request: match[1], at }] : [];
      });
      assert.ok(asked.length > 0, `the stalled peer was asked for chunks:\n${rogue.describe()}`);
      for (const { chunk, request } of asked) {
        assert.ok(
          cancelled.some((cancel) => cancel.request === request),
          `the request for chunk ${chunk} was taken back from the stalled peer:\n${rogue.describe()}`,
        );
      }
      assert.ok(
        asked.every((ask) => ask.at < cancelled[0].at),
        `the stalled peer was asked for nothing once its requests were taken back:\n${rogue.describe()}`,
      );
      assert.ok(
        !lines.some((line) => line.startsWith("served chunk")),
        "the stalled peer sent nothing",
      );
      await honest.stop();
      assert.equal((await honest.uploaded()).chunks, chunks, "the honest peer sent every chunk");
      const [downloaded] = eventsNamed(result.events, "downloaded");
      assert.ok(downloaded, result.stdout);
      assert.ok(
        downloaded.elapsedMs < STALL_TIMEOUT_MS,
        `done in ${downloaded.elapsedMs} ms: the stalled peer held nothing up until the stall timeout`,
      );
    },
  );
});

/** Connects over plain TCP to `address` (before any TLS). */
function connectTcp(address: string): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port: portOf(address) });
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/** Time the other side has to close a connection it must refuse. */
const CLOSE_WITHIN_MS = 8_000;

/**
 * Reads `channel` until the other side closes it; resolves to all it sent.
 * Fails if it is still open after {@linkcode CLOSE_WITHIN_MS}.
 */
async function readUntilClosed(channel: ByteChannel): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  const reading = (async () => {
    while (true) {
      const count = await channel.read(buffer).catch(() => null);
      if (count === null) return;
      parts.push(buffer.slice(0, count));
    }
  })();
  try {
    await within(reading, { ms: CLOSE_WITHIN_MS, what: "close by the other side" });
  } finally {
    try {
      channel.close();
    } catch {
      // Closed by the other side already.
    }
  }
  return concat(parts);
}

/** Sends `bytes` over plain TCP to `address`; resolves to all it answers before it closes. */
async function sendBeforeTls(address: string, bytes: Uint8Array): Promise<Uint8Array> {
  const conn = await connectTcp(address);
  await writeAll(conn, bytes).catch(() => {});
  return await readUntilClosed(conn);
}

/** A frame announcing `length` bytes of `kind`, followed by `body`. */
function frame(length: number, kind: number, body: Uint8Array = new Uint8Array()): Uint8Array {
  const bytes = new Uint8Array(5 + body.length);
  new DataView(bytes.buffer).setUint32(0, length);
  bytes[4] = kind;
  bytes.set(body, 5);
  return bytes;
}

/** A well-formed control frame carrying `message` as JSON. */
function control(message: unknown): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(message));
  return frame(body.length + 1, 1, body);
}

/** The JSON messages of the control frames in `bytes` (whole frames only). */
function controlMessages(bytes: Uint8Array): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let offset = 0; offset + 5 <= bytes.length;) {
    const length = view.getUint32(offset);
    if (bytes[offset + 4] !== 1 || offset + 4 + length > bytes.length) break;
    const body = bytes.subarray(offset + 5, offset + 4 + length);
    messages.push(JSON.parse(new TextDecoder().decode(body)));
    offset += 4 + length;
  }
  return messages;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A hello as a p2pft v1 program sends it, in the clear. */
const V1_HELLO = control({ t: "hello", protocol: "p2pft", version: 1, role: "peer" });

/** The role the port at `address` is expected to answer with. */
type Role = "server" | "peer";

/** Downloads `id` through `server` into a new folder of `dir`; checks it is `path`, byte for byte. */
async function downloadIntact(
  server: string,
  options: { dir: string; id: string; path: string },
): Promise<void> {
  const out = join(options.dir, `out-${crypto.randomUUID().slice(0, 8)}`);
  const result = await runPeer(server, { args: ["-d", options.id, "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(options.path));
}

Deno.test("garbage before TLS is refused; the server and a seeder keep serving", async () => {
  await using cluster = await startCluster("p2pft-faults-");
  const { server } = cluster;
  const path = await cluster.file("data.bin", { size: 5 * MIB, seed: 9 });
  const { peer: seeder, ids: [id] } = await cluster.share([path]);
  const targets: [P2pftProcess, Role][] = [[server, "server"], [seeder, "peer"]];
  // Half a preamble, then silence: held until the handshake time is up, holding up nobody else.
  const halfPreambles = await Promise.all(targets.map(async ([target]) => {
    const conn = await connectTcp(target.address);
    await writeAll(conn, encodePreamble().subarray(0, 4));
    return conn;
  }));
  for (const [target, role] of targets) {
    const where = `${role} ${target.address}`;
    // Refusals are logged once per kind and address a minute: the first one is what the log shows.
    const random = await sendBeforeTls(target.address, randomBytes(1000));
    assert.equal(random.length, 0, `${where} answers random bytes with nothing`);
    await target.stderr.waitFor(
      /refused connection from 127\.0\.0\.1: the other side does not speak the p2pft protocol/,
    );

    const ssh = await sendBeforeTls(target.address, new TextEncoder().encode("SSH-2.0-x\r\n"));
    assert.equal(ssh.length, 0, `${where} answers another program's greeting with nothing`);

    const otherVersion = await sendBeforeTls(target.address, encodePreamble(999));
    assert.deepEqual(otherVersion, encodePreamble(), `${where} names its version, then closes`);

    const early = concat([encodePreamble(), control({ t: "hello" })]);
    assert.equal(
      (await sendBeforeTls(target.address, early)).length,
      0,
      `${where} closes on bytes sent before its preamble`,
    );

    const http = text(
      await sendBeforeTls(
        target.address,
        new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      ),
    );
    assert.match(http, /^HTTP\/1\.1 400 /, `${where} answers HTTP with a 400`);
    assert.match(http, /this port speaks the p2pft protocol/);

    const [hello, ...rest] = controlMessages(await sendBeforeTls(target.address, V1_HELLO));
    assert.deepEqual(rest, [], `${where} sends a v1 program one hello`);
    assert.equal(hello?.t, "hello", `${where} answers a v1 hello in v1 framing`);
    assert.equal(hello.version, PROTOCOL_VERSION, `${where} tells a v1 program its version`);
    assert.equal(hello.role, role);
  }
  await downloadIntact(server.address, { dir: cluster.dir, id, path });
  for (const conn of halfPreambles) {
    assert.equal((await readUntilClosed(conn)).length, 0, "half a preamble is closed unanswered");
  }
});

/** Hostile frames sent inside TLS after a valid handshake, and the reason each one is closed with. */
const HOSTILE_FRAMES: { name: string; bytes: Uint8Array; reason: RegExp }[] = [
  {
    name: "an oversized control frame",
    bytes: frame(0xffff_fff0, 1),
    reason: /control frame of 4294967280 bytes exceeds the \d+-byte limit/,
  },
  {
    name: "an oversized data frame",
    bytes: frame(64 * MIB, 2),
    reason: /data frame of 67108864 bytes exceeds the \d+-byte limit/,
  },
  { name: "a zero-length frame", bytes: frame(0, 1), reason: /frame with a zero length/ },
  {
    name: "a control frame that is not JSON",
    bytes: frame(20, 1, new TextEncoder().encode("{not json at all!!!")),
    reason: /control frame is not valid UTF-8 JSON/,
  },
  {
    name: "a frame of an unknown kind",
    bytes: frame(5, 7, new Uint8Array(4)),
    reason: /unknown frame kind 7/,
  },
  {
    name: "a message that is no message",
    bytes: control({ t: "nonsense", id: 1 }),
    reason: /nonsense/,
  },
];

/** Opens a secure connection to `address` and shakes hands as a peer on the test network. */
async function dialAsPeer(address: string, accept: Role): Promise<Connection> {
  return await dial({ host: "127.0.0.1", port: portOf(address) }, {
    role: "peer",
    accept: [accept],
    credentials: await testCredentials(),
  });
}

Deno.test("garbage inside the secure channel closes that one connection; the rest is served", async () => {
  await using cluster = await startCluster("p2pft-faults-");
  const { server } = cluster;
  const path = await cluster.file("data.bin", { size: 5 * MIB, seed: 9 });
  const { peer: seeder, ids: [id] } = await cluster.share([path]);
  const targets: [P2pftProcess, Role][] = [[server, "server"], [seeder, "peer"]];
  const halfSent: Connection[] = [];
  try {
    for (const [target, role] of targets) {
      const where = `${role} ${target.address}`;
      // Right after TLS, where the hello belongs: the first refusal, so it is logged.
      const http = await dialSecure({ host: "127.0.0.1", port: target.port }, {});
      await writeAll(http.channel, new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
      await readUntilClosed(http.channel);
      await target.stderr.waitFor(
        /refused connection from 127\.0\.0\.1: received a plain HTTP request/,
      );
      const random = await dialSecure({ host: "127.0.0.1", port: target.port }, {});
      await writeAll(random.channel, randomBytes(1000));
      await readUntilClosed(random.channel);

      for (const hostile of HOSTILE_FRAMES) {
        const connection = await dialAsPeer(target.address, role);
        await connection.sendRaw(hostile.bytes);
        const ended = connection.run(() => {}).catch(() => {});
        await within(ended, { ms: CLOSE_WITHIN_MS, what: `close after ${hostile.name}` });
        const line = await target.stderr.waitFor(
          new RegExp(`closed connection from 127\\.0\\.0\\.1:\\d+: .*${hostile.reason.source}`),
        ).catch(() => null);
        assert.ok(line, `${where} logs why it closed ${hostile.name}:\n${target.describe()}`);
      }
      // A frame cut in the middle holds up nobody but its sender.
      const half = await dialAsPeer(target.address, role);
      await half.sendRaw(control({ t: "bitfield", id: 1, fileId: id }).subarray(0, 20));
      halfSent.push(half);
    }
    await downloadIntact(server.address, { dir: cluster.dir, id, path });
  } finally {
    for (const half of halfSent) half.close();
  }
  await seeder.stderr.waitFor(
    /closed connection from 127\.0\.0\.1:\d+: stream ended inside a frame/,
  );
});

Deno.test("a hello with another protocol version gets a clear error", async () => {
  await using server = await startServer();
  const link = await dialSecure({ host: "127.0.0.1", port: server.port }, {});
  const hello999 = {
    t: "hello",
    protocol: "p2pft",
    version: 999,
    role: "peer",
    program: "p2pft 99.0.0",
    nonce: encodeBase64(randomBytes(16)),
    network: "members",
  };
  await writeAll(link.channel, control(hello999));
  const [hello, refusal] = controlMessages(await readUntilClosed(link.channel));
  assert.equal(hello?.t, "hello");
  assert.equal(refusal?.t, "error");
  assert.match(String(refusal.message), /protocol version mismatch: other side speaks v999/);
});

Deno.test("a connection that shakes hands but never registers is closed", async () => {
  await using server = await startServer();
  const connection = await dialAsPeer(server.address, "server");
  const ended = connection.run(() => {}).catch(() => {});
  await server.stderr.waitFor(/closed connection from .*: no "register" in time/);
  await within(ended, { ms: CLOSE_WITHIN_MS, what: "close of the silent connection" });
  assert.ok(connection.closed);
});

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

/** Resolves like `promise`, or rejects if it takes longer than `options.ms`. */
async function within<T>(promise: Promise<T>, options: { ms: number; what: string }): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no ${options.what} within ${options.ms} ms`)),
      options.ms,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

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

Deno.test("a source that trickles a chunk is cut off, so it cannot hold a chunk buffer for ever", async () => {
  await using cluster = await startCluster("p2pft-faults-");
  const path = await cluster.file("data.bin", { size: 16 * CHUNK, seed: 12 });
  const { rogue: trickler, id } = await cluster.rogue(path, "trickle");
  // The only honest source is slow, so the download lasts past the frame grace time.
  await cluster.rogue(path, "slow:1000");
  const out = join(cluster.dir, "out");
  const downloader = cluster.use(
    new P2pftProcess(peerArgs(cluster.server.address, ["--json", "-d", id, "-o", out])),
  );
  // The downloader's first connection (the server's reachability check came before it).
  const [, first] = await trickler.stdout.waitFor(
    /^asked for chunk \d+ \(connection (\d+), request \d+\)$/,
  );
  await downloader.waitForEvent("downloaded", 60_000);
  // Still running: only the frame watch can have closed the trickling connection.
  assert.match(
    trickler.stdout.text,
    new RegExp(`^connection ${first} closed$`, "m"),
    `the downloader cut the trickling source off before it finished:\n${trickler.describe()}`,
  );
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
});
