import assert from "node:assert/strict";
import { join } from "node:path";
import { type Connection, RemoteError } from "../protocol/connection.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { SourceChangedError } from "../storage/chunk_source.ts";
import { hashFile } from "../storage/hash_file.ts";
import { PartFile } from "../storage/part_file.ts";
import { testCredentials } from "../test_credentials.ts";
import { tempDir } from "../test_dir.ts";
import { ChunkServer, uploadWriteTimeout } from "./chunk_server.ts";
import { Library, partialFile, sharedFile } from "./library.ts";
import { PeerPool } from "./peer_pool.ts";
import { DECLINED_CODE } from "./seed_spread.ts";

const CHUNK = 4;

/** A chunk server sharing `whole.bin` (10 bytes) and the first chunk of a download. */
async function serving(
  dir: string,
  options: { idleMs?: number; requestRate?: { perSecond: number; burst: number } } = {},
) {
  const path = join(dir, "whole.bin");
  const bytes = Uint8Array.from({ length: 10 }, (_, i) => i + 1);
  await Deno.writeFile(path, bytes);
  const hashed = await hashFile(path, { chunkSize: CHUNK });
  const part = await PartFile.create(join(dir, "partial.bin"), 10);
  await part.write(0, bytes.subarray(0, CHUNK));
  const chunks = new Bitfield(3);
  chunks.set(0);
  const partialId = "e".repeat(64);
  const library = new Library();
  library.put(sharedFile({ path, ...hashed }));
  library.put(partialFile(partialId, { manifest: hashed.manifest, part, chunks }));
  const changed: string[] = [];
  const credentials = await testCredentials();
  const server = await ChunkServer.start({
    hostname: "127.0.0.1",
    port: 0,
    library,
    credentials,
    idleMs: options.idleMs,
    requestRate: options.requestRate,
    onSourceChanged: (fileId, error) => {
      assert.ok(error instanceof SourceChangedError);
      changed.push(fileId);
    },
  });
  const pool = new PeerPool(await testCredentials());
  const connection = await pool.get(server.address, credentials.identity.id);
  return {
    path,
    bytes,
    fileId: hashed.fileId,
    partialId,
    server,
    serverId: credentials.identity.id,
    connection,
    changed,
    async [Symbol.asyncDispose]() {
      await pool.close();
      await server.close();
      await part.close();
    },
  };
}

function get(connection: Connection, request: { fileId: string; index: number }, length = CHUNK) {
  return connection.requestData({ t: "get", ...request }, () => new Uint8Array(length));
}

Deno.test("chunks are served from shared files and from the verified chunks of downloads", async () => {
  await using dir = await tempDir();
  await using s = await serving(dir.path);
  assert.deepEqual(
    await get(s.connection, { fileId: s.fileId, index: 2 }, 2),
    s.bytes.subarray(8),
  );
  assert.deepEqual(
    await get(s.connection, { fileId: s.partialId, index: 0 }),
    s.bytes.subarray(0, 4),
  );
  await assert.rejects(
    get(s.connection, { fileId: s.partialId, index: 1 }),
    (error) => error instanceof RemoteError && /does not have chunk 1 yet/.test(error.message),
  );
  await assert.rejects(
    get(s.connection, { fileId: s.fileId, index: 3 }),
    /chunk 3 is out of range/,
  );
  await assert.rejects(get(s.connection, { fileId: "0".repeat(64), index: 0 }), /does not share/);
  assert.equal(s.server.uploadedBytes, 2 + CHUNK);
  assert.equal(s.server.uploadsServed, 2);
});

Deno.test("a whole file's chunk just sent to one peer is declined to another while some never left", async () => {
  await using dir = await tempDir();
  await using s = await serving(dir.path);
  const pool = new PeerPool(await testCredentials());
  try {
    const other = await pool.get(s.server.address, s.serverId);
    await get(s.connection, { fileId: s.fileId, index: 0 });
    await get(other, { fileId: s.partialId, index: 0 });
    await assert.rejects(
      get(other, { fileId: s.fileId, index: 0 }),
      (error) => error instanceof RemoteError && error.code === DECLINED_CODE,
    );
    assert.deepEqual(
      await get(s.connection, { fileId: s.fileId, index: 0 }),
      s.bytes.subarray(0, 4),
    );
    assert.deepEqual(await get(other, { fileId: s.fileId, index: 1 }), s.bytes.subarray(4, 8));
    assert.deepEqual(await get(other, { fileId: s.fileId, index: 2 }, 2), s.bytes.subarray(8));
    assert.deepEqual(
      await get(other, { fileId: s.fileId, index: 0 }),
      s.bytes.subarray(0, 4),
      "every chunk has left once: nothing is declined",
    );
  } finally {
    await pool.close();
  }
});

Deno.test("a whole file's chunk is not declined on account of a peer that got it and left", async () => {
  await using dir = await tempDir();
  await using s = await serving(dir.path);
  const leaving = new PeerPool(await testCredentials());
  const staying = new PeerPool(await testCredentials());
  try {
    const first = await leaving.get(s.server.address, s.serverId);
    await get(first, { fileId: s.fileId, index: 0 });
    const other = await staying.get(s.server.address, s.serverId);
    await assert.rejects(
      get(other, { fileId: s.fileId, index: 0 }),
      (error) => error instanceof RemoteError && error.code === DECLINED_CODE,
      "held while its receiver is there",
    );
    await leaving.close();
    let answer: Uint8Array | undefined;
    for (let attempt = 0; attempt < 40 && !answer; attempt++) {
      answer = await get(other, { fileId: s.fileId, index: 0 }).catch(() => undefined);
      if (!answer) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(answer, s.bytes.subarray(0, 4), "served once its receiver left");
  } finally {
    await leaving.close();
    await staying.close();
  }
});

Deno.test("peers learn what is held: bitfields and searches", async () => {
  await using dir = await tempDir();
  await using s = await serving(dir.path);
  const whole = await s.connection.request({ t: "bitfield", fileId: s.fileId });
  assert.equal(Bitfield.fromBase64(whole.chunks as string, 3).count, 3);
  const partial = await s.connection.request({ t: "bitfield", fileId: s.partialId });
  assert.deepEqual([...Bitfield.fromBase64(partial.chunks as string, 3).indexes()], [0]);
  await assert.rejects(
    s.connection.request({ t: "bitfield", fileId: "0".repeat(64) }),
    (error) => error instanceof RemoteError && error.code === "not-found",
  );
  const everything = await s.connection.request({ t: "search", query: "" });
  assert.equal((everything.matches as unknown[]).length, 2);
  const byName = await s.connection.request({ t: "search", query: "WHOLE.BIN" });
  assert.equal((byName.matches as unknown[]).length, 2, "names match case-insensitively");
  const byId = await s.connection.request({ t: "search", query: "eeee" });
  assert.deepEqual(byId.matches, [{
    fileId: s.partialId,
    manifest: (everything.matches as { manifest: unknown }[])[0].manifest,
    chunks: partial.chunks,
  }]);
});

Deno.test("a shared file changed on disk is reported, not served", async () => {
  await using dir = await tempDir();
  await using s = await serving(dir.path);
  await Deno.writeFile(s.path, new Uint8Array(3));
  await assert.rejects(get(s.connection, { fileId: s.fileId, index: 0 }), /register it again/);
  assert.deepEqual(s.changed, [s.fileId]);
});

Deno.test("an upload is given time for a slow but honest link", () => {
  assert.equal(uploadWriteTimeout(0), 10_000);
  assert.equal(uploadWriteTimeout(4 * 1024 * 1024), 10_000 + 64_000);
});

Deno.test("a requester silent for the idle time is disconnected", async () => {
  await using dir = await tempDir();
  await using s = await serving(dir.path, { idleMs: 200 });
  for (let i = 0; i < 250 && !s.connection.closed; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(s.connection.closed, true);
});

Deno.test("requests past the rate are refused unread, with a reason", async () => {
  await using dir = await tempDir();
  await using s = await serving(dir.path, { requestRate: { perSecond: 1, burst: 3 } });
  const answers = await Promise.allSettled(
    Array.from({ length: 6 }, () => s.connection.request({ t: "bitfield", fileId: s.fileId })),
  );
  const refused = answers.filter((answer) =>
    answer.status === "rejected" && answer.reason instanceof RemoteError &&
    answer.reason.code === "rate-limited"
  );
  assert.equal(answers.filter((answer) => answer.status === "fulfilled").length, 3);
  assert.equal(refused.length, 3);
});
