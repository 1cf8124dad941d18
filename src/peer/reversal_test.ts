import assert from "node:assert/strict";
import { join } from "node:path";
import type { Credentials } from "../protocol/dial.ts";
import { hashFile } from "../storage/hash_file.ts";
import { testCredentials } from "../test_credentials.ts";
import { tempDir } from "../test_dir.ts";
import { ChunkServer } from "./chunk_server.ts";
import { Library, sharedFile } from "./library.ts";
import { PeerPool } from "./peer_pool.ts";
import { relayTicket, Reversal, type ReversalOptions } from "./reversal.ts";

/** A peer's chunk port, its reversal and its pool; `ask` stands for the server. */
async function side(
  library: Library,
  options: Pick<ReversalOptions, "ask" | "timeoutMs"> & { reachable: boolean },
) {
  const credentials: Credentials = await testCredentials();
  let reversal: Reversal | undefined = undefined;
  const server = await ChunkServer.start({
    hostname: "127.0.0.1",
    port: 0,
    library,
    credentials,
    reversals: { offer: (connection, ended) => reversal!.offer(connection, ended) },
  });
  reversal = new Reversal({
    selfReachable: () => options.reachable,
    ask: options.ask,
    credentials,
    serve: (connection) => server.serveDialled(connection),
    timeoutMs: options.timeoutMs,
  });
  const pool = new PeerPool(credentials, { reverser: reversal });
  return {
    id: credentials.identity.id,
    server,
    reversal,
    pool,
    async [Symbol.asyncDispose]() {
      await pool.close();
      await server.close();
    },
  };
}

Deno.test("a source that cannot be dialled dials the downloader back and serves it chunks", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "a.bin");
  const bytes = Uint8Array.from({ length: 10 }, (_, i) => i * 3);
  await Deno.writeFile(path, bytes);
  const hashed = await hashFile(path, { chunkSize: 4 });
  const library = new Library();
  library.put(sharedFile({ path, ...hashed }));
  const asked: string[] = [];
  const self = { peerId: "", address: "" };
  await using source = await side(library, { ask: () => Promise.resolve(), reachable: false });
  await using downloader = await side(new Library(), {
    reachable: true,
    ask: (peerId) => {
      asked.push(peerId);
      // What the server does: pass the request on with the downloader's address.
      source.reversal.dialBack(self);
      return Promise.resolve();
    },
  });
  Object.assign(self, { peerId: downloader.id, address: downloader.server.address });
  downloader.reversal.note([{ peerId: source.id, reachable: false }]);
  assert.equal(await downloader.reversal.wanted(source.id), "reversed");
  // The address is never dialled: nothing listens there.
  const connection = await downloader.pool.get("127.0.0.1:9", source.id);
  assert.equal(connection.remoteId, source.id);
  const chunk = await connection.requestData(
    { t: "get", fileId: hashed.fileId, index: 2 },
    () => new Uint8Array(2),
  );
  assert.deepEqual(chunk, bytes.subarray(8));
  assert.equal(await downloader.pool.get("127.0.0.1:9", source.id), connection, "reused");
  assert.equal(downloader.pool.way("127.0.0.1:9", source.id), "reversed");
  assert.deepEqual(asked, [source.id]);
  assert.equal(source.server.uploadsServed, 1);
});

Deno.test("a reversed connection is refused from a peer nobody asked; a source that does not dial back is dialled", async () => {
  await using stranger = await side(new Library(), {
    ask: () => Promise.resolve(),
    reachable: false,
  });
  await using downloader = await side(new Library(), {
    ask: () => Promise.resolve(),
    reachable: true,
    timeoutMs: 300,
  });
  // Dialled back without being asked for: the downloader closes the connection.
  await stranger.reversal.dialBack({ peerId: downloader.id, address: downloader.server.address });
  assert.equal(stranger.server.uploadsServed, 0);
  downloader.reversal.note([{ peerId: stranger.id, reachable: false }]);
  await assert.rejects(downloader.reversal.open(stranger.id), /cannot be dialled/);
  // A source that does not dial back (an older peer) is then dialled, as before reversal.
  await assert.rejects(downloader.pool.get("127.0.0.1:9", stranger.id), /refused/i);
  const direct = await downloader.pool.get(stranger.server.address, stranger.id);
  assert.equal(direct.remoteId, stranger.id);
  assert.equal(downloader.pool.way(stranger.server.address, stranger.id), "direct");
});

Deno.test("reversal is wanted only for an unreachable source while this peer is reachable", async () => {
  let reachable: boolean | undefined = undefined;
  const reversal = new Reversal({
    selfReachable: () => reachable,
    ask: () => Promise.resolve(),
    credentials: await testCredentials(),
    serve: () => Promise.resolve(),
  });
  reversal.note([{ peerId: "a", reachable: false }, { peerId: "b" }]);
  assert.equal(await reversal.wanted("a"), undefined, "own reachability unknown");
  reachable = true;
  assert.equal(await reversal.wanted("a"), "reversed");
  assert.equal(await reversal.wanted("b"), undefined);
  reversal.note([{ peerId: "a", reachable: true }]);
  assert.equal(await reversal.wanted("a"), undefined, "a fresher answer wins");
  reversal.note([{ peerId: "a", reachable: false }]);
  reachable = false;
  assert.equal(
    await reversal.wanted("a"),
    undefined,
    "nobody can dial this peer either, and no relay",
  );
  reachable = true;
  reversal.note(Array.from({ length: 10_000 }, (_, i) => ({ peerId: `p${i}`, reachable: false })));
  assert.equal(
    await reversal.wanted("a"),
    undefined,
    "the earliest noted are forgotten past the cap",
  );
  assert.equal(await reversal.wanted("p9999"), "reversed");
});

Deno.test("the relay is wanted for an unreachable source while this peer is unreachable too, unless turned off", async () => {
  const options = {
    selfReachable: () => false,
    ask: () => Promise.resolve(),
    credentials: await testCredentials(),
    serve: () => Promise.resolve(),
  };
  const relay = {
    serverHost: () => "127.0.0.1",
    ask: () => Promise.resolve({ token: "00", port: 9 }),
    answer: () => {},
  };
  const relaying = new Reversal({ ...options, relay });
  const noRelay = new Reversal(options);
  for (const reversal of [relaying, noRelay]) {
    reversal.note([{ peerId: "a", reachable: false }, { peerId: "b" }]);
  }
  assert.equal(await relaying.wanted("a"), "relayed");
  assert.equal(await relaying.wanted("b"), undefined, "a reachable source is dialled");
  assert.equal(await noRelay.wanted("a"), undefined, "--no-relay");
});

Deno.test("the way to an unreachable source waits until this peer's registration says whether it can be dialled", async () => {
  let answer = (_: boolean) => {};
  const known = new Promise<boolean>((resolve) => answer = resolve);
  const reversal = new Reversal({
    selfReachable: () => known,
    ask: () => Promise.resolve(),
    credentials: await testCredentials(),
    serve: () => Promise.resolve(),
    relay: {
      serverHost: () => "127.0.0.1",
      ask: () => Promise.resolve({ token: "00", port: 9 }),
      answer: () => {},
    },
  });
  reversal.note([{ peerId: "a", reachable: false }]);
  const wanted = reversal.wanted("a");
  answer(false);
  assert.equal(await wanted, "relayed", "not a reversal this peer cannot take");
});

Deno.test("a relay ticket names a peer's relay host only when the server gave one", () => {
  assert.deepEqual(relayTicket({ token: "ab", port: 8002 }), {
    token: "ab",
    port: 8002,
    host: undefined,
  });
  assert.deepEqual(relayTicket({ token: "ab", port: 8002, host: "10.0.0.5" }), {
    token: "ab",
    port: 8002,
    host: "10.0.0.5",
  });
});
