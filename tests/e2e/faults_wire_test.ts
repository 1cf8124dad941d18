/**
 * Hostile input on the wire, through real processes on 127.0.0.1: garbage
 * before TLS and inside the secure channel, another protocol version, a
 * connection that never registers. Each closes that one connection; the
 * server and the seeder keep serving.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type P2pftProcess, runPeer, startServer } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { PROTOCOL_VERSION } from "../../src/constants.ts";
import { type ByteChannel, writeAll } from "../../src/protocol/channel.ts";
import type { Connection } from "../../src/protocol/connection.ts";
import { dialSecure } from "../../src/protocol/secure_channel.ts";
import { encodePreamble } from "../../src/protocol/preamble.ts";
import { encodeBase64 } from "../../src/storage/base64.ts";
import { concat, randomBytes } from "../helpers/bytes.ts";
import { startCluster } from "../helpers/cluster.ts";
import { CLOSE_WITHIN_MS, dialAsPeer, portOf, type Role, within } from "../helpers/wire.ts";

const MIB = 1024 * 1024;

/** Connects over plain TCP to `address` (before any TLS). */
function connectTcp(address: string): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port: portOf(address) });
}

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
