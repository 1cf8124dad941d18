import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { BAN_AFTER_BAD_CHUNKS, MAX_FILE_NAME_BYTES, MAX_WINDOW } from "../constants.ts";
import { ConnectionClosedError, RemoteError } from "../protocol/connection.ts";
import type { Manifest, Source } from "../protocol/messages.ts";
import { withTimeout } from "../protocol/timeouts.ts";
import { hashFile } from "../storage/hash_file.ts";
import { hashFolder } from "../storage/hash_folder.ts";
import { ChunkHasher } from "../storage/hasher.ts";
import { chunkLength, chunkOffset } from "../storage/manifest.ts";
import { numberedName, sanitizeFileName } from "../storage/safe_name.ts";
import { tempDir } from "../test_dir.ts";
import { BufferPool } from "./buffer_pool.ts";
import type { ChunkConnection, ConnectionSource } from "./chunk_requests.ts";
import { Download } from "./download.ts";
import type { DownloadOptions } from "./download_options.ts";

const CHUNK = 1024;
const SIZE = 10 * CHUNK + 100;
const CHUNKS = 11;
const TEST_TIMEOUT_MS = 10_000;

/** What a fake peer does with a request for chunk `index`, asked for the `attempt`th time. */
type Answer = "good" | "bad" | "hang" | "refuse";
type Behaviour = (index: number, attempt: number) => Answer;

/** Everything the fake network saw, in order. */
type NetEvent =
  | { t: "get"; address: string; index: number; id: number }
  | { t: "cancel"; address: string; id: number; reason: string }
  | { t: "drop"; address: string };

/** A source that answers from memory, as its behaviour says; no sockets. */
class FakePeer {
  down = false;
  #connection: FakeConnection | undefined;
  #attempts = new Map<number, number>();

  constructor(
    readonly address: string,
    readonly net: { bytes: Uint8Array; manifest: Manifest; events: NetEvent[] },
    readonly behaviour: Behaviour,
  ) {}

  /** The open connection to this peer, a new one after the last was closed. */
  connect(): FakeConnection {
    if (!this.#connection || this.#connection.closed) this.#connection = new FakeConnection(this);
    return this.#connection;
  }

  /** What to do with the `attempt`th request for chunk `index`. */
  answer(index: number): Answer {
    const attempt = (this.#attempts.get(index) ?? 0) + 1;
    this.#attempts.set(index, attempt);
    return this.behaviour(index, attempt);
  }

  /** The connection breaks: what is pending fails as closed, new connections are refused. */
  goDown(): void {
    this.down = true;
    this.#connection?.close();
  }

  /** Requests waiting for an answer on the open connection. */
  get pending(): number {
    return this.#connection?.pending ?? 0;
  }

  close(): void {
    this.#connection?.close();
  }
}

/** One connection to a {@linkcode FakePeer}; closed, it fails requests as a real one does. */
class FakeConnection implements ChunkConnection {
  closed = false;
  #peer: FakePeer;
  #nextId = 1;
  #pending = new Map<number, (error: Error) => void>();

  constructor(peer: FakePeer) {
    this.#peer = peer;
  }

  get pending(): number {
    return this.#pending.size;
  }

  requestData(
    message: Record<string, unknown>,
    allocate: (length: number) => Uint8Array,
    options: { onId?: (id: number) => void } = {},
  ): Promise<Uint8Array> {
    const { address, net } = this.#peer;
    if (this.closed) return Promise.reject(new ConnectionClosedError(address));
    const id = this.#nextId++;
    const index = message.index as number;
    options.onId?.(id);
    net.events.push({ t: "get", address, index, id });
    const answer = this.#peer.answer(index);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, reject);
      if (answer === "hang") return;
      setTimeout(() => {
        if (!this.#pending.delete(id)) return;
        if (answer === "refuse") {
          reject(new RemoteError({ t: "error", code: "unavailable", message: "not here" }));
          return;
        }
        try {
          const target = allocate(chunkLength(net.manifest, index));
          const offset = chunkOffset(net.manifest, index);
          target.set(net.bytes.subarray(offset, offset + target.length));
          if (answer === "bad") target[0] ^= 0xff;
          resolve(target);
        } catch (error) {
          reject(error);
        }
      }, 0);
    });
  }

  cancel(id: number, reason = "cancelled"): void {
    const reject = this.#pending.get(id);
    if (!reject) return;
    this.#peer.net.events.push({ t: "cancel", address: this.#peer.address, id, reason });
    this.#pending.delete(id);
    reject(new Error(reason));
  }

  close(): void {
    this.closed = true;
    for (const reject of this.#pending.values()) {
      reject(new ConnectionClosedError(this.#peer.address));
    }
    this.#pending.clear();
  }
}

/** Files of the folder a fake network may share: path, size, executable; SIZE bytes in all. */
const FOLDER_FILES: [string, number, boolean][] = [
  ["a/one.bin", 2500, false],
  ["b/two.bin", 3000, true],
  ["c.bin", SIZE - 5500, false],
];

/**
 * A fake network of sources for one file (or, with `folder`, a folder of
 * {@linkcode FOLDER_FILES}), with a download into a temporary folder.
 */
async function network(options: { folder?: boolean } = {}) {
  const dir = await tempDir();
  const bytes = crypto.getRandomValues(new Uint8Array(SIZE));
  const original = join(dir.path, options.folder ? "album" : "file.bin");
  if (options.folder) {
    let offset = 0;
    for (const [path, size, executable] of FOLDER_FILES) {
      await Deno.mkdir(join(original, path, ".."), { recursive: true });
      await Deno.writeFile(join(original, path), bytes.subarray(offset, offset + size), {
        mode: executable ? 0o755 : 0o644,
      });
      offset += size;
    }
  } else await Deno.writeFile(original, bytes);
  const { fileId, manifest } = options.folder
    ? await hashFolder(original, { chunkSize: CHUNK })
    : await hashFile(original, { chunkSize: CHUNK });
  const outDir = join(dir.path, "out");
  const events: NetEvent[] = [];
  const peers = new Map<string, FakePeer>();
  let listed: Source[] = [];
  const hasher = new ChunkHasher();
  const pool: ConnectionSource = {
    get(address) {
      const peer = peers.get(address);
      if (!peer || peer.down) return Promise.reject(new Deno.errors.ConnectionRefused(address));
      return Promise.resolve(peer.connect());
    },
    drop(address) {
      events.push({ t: "drop", address });
      peers.get(address)?.close();
    },
  };
  const chunksDone: number[] = [];
  const net = {
    fileId,
    manifest,
    bytes,
    outDir,
    events,
    chunksDone,
    /** Adds a source holding `chunks` (all by default), answering as `behaviour` says. */
    source(name: string, behaviour: Behaviour = () => "good", chunks?: number[]): FakePeer {
      const address = `10.0.0.${peers.size + 1}:${name.charCodeAt(0)}`;
      const peer = new FakePeer(address, { bytes, manifest, events }, behaviour);
      peers.set(address, peer);
      listed = [...listed, { peerId: name, address, ...(chunks ? { chunks: bits(chunks) } : {}) }];
      return peer;
    },
    /** Lists only the named sources from now on. */
    list(...names: string[]) {
      listed = listed.filter((source) => names.includes(source.peerId));
    },
    /** A download of this file described by `described` (the file's own manifest by default). */
    download(options: Partial<DownloadOptions> = {}, described: Manifest = manifest): Download {
      return new Download(fileId, described, {
        id: 1,
        outDir,
        pool,
        hasher,
        buffers: new BufferPool(4, CHUNK),
        findSources: () => Promise.resolve({ sources: listed, complete: true }),
        selfId: "me",
        onChunk: (index) => chunksDone.push(index),
        ...options,
      });
    },
    gets(address: string): number[] {
      return events.flatMap((e) => e.t === "get" && e.address === address ? [e.index] : []);
    },
    async [Symbol.asyncDispose]() {
      hasher.close();
      await dir[Symbol.asyncDispose]();
    },
  };
  return net;
}

function bits(chunks: number[]): string {
  const bytes = new Uint8Array(Math.ceil(CHUNKS / 8));
  for (const index of chunks) bytes[index >> 3] |= 0x80 >> (index & 7);
  return btoa(String.fromCharCode(...bytes));
}

function finished(download: Download) {
  return withTimeout(download.done, { ms: TEST_TIMEOUT_MS, what: "the download" });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + TEST_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function assertSaved(net: { bytes: Uint8Array }, path: string): Promise<void> {
  assert.deepEqual(await Deno.readFile(path), net.bytes, "the saved file is the original");
  await assert.rejects(Deno.stat(`${path}.part`), Deno.errors.NotFound);
}

Deno.test("a download fetches every chunk, verifies it and renames the file into place", async () => {
  await using net = await network();
  const a = net.source("a");
  const partials: string[] = [];
  const download = net.download({ onPartial: (partial) => partials.push(partial.path) });
  const result = await finished(download);
  assert.equal(result.path, join(net.outDir, "file.bin"));
  await assertSaved(net, result.path);
  assert.equal(result.alreadyPresent, false);
  assert.equal(result.bytesReceived, SIZE);
  assert.deepEqual(net.chunksDone.toSorted((x, y) => x - y), [...Array(CHUNKS).keys()]);
  assert.deepEqual(partials, [result.path]);
  assert.equal(net.gets(a.address).length, CHUNKS, "each chunk asked once");
  const progress = download.progress();
  assert.equal(progress.state, "done");
  assert.equal(progress.bytesDone, SIZE);

  const again = await finished(net.download({ id: 2 }));
  assert.equal(again.alreadyPresent, true, "the same content is already there");
  assert.equal(again.path, result.path);
  assert.equal(net.gets(a.address).length, CHUNKS, "nothing asked the second time");
});

Deno.test("the sources a lookup found are used, and connected to, before any are asked for", async () => {
  await using net = await network();
  const a = net.source("a");
  const seen: string[] = [];
  const connect = a.connect.bind(a);
  a.connect = () => {
    seen.push("connect");
    return connect();
  };
  const found = { sources: [{ peerId: "a", address: a.address }], complete: true };
  const download = net.download({
    sources: found,
    findSources: () => {
      seen.push("find");
      return Promise.resolve(found);
    },
  });
  await assertSaved(net, (await finished(download)).path);
  assert.equal(seen[0], "connect", seen.join(", "));
});

Deno.test("a chunk that fails verification is never written and is asked again elsewhere", async () => {
  await using net = await network();
  const liar = net.source("liar", () => "bad", [3]);
  const honest = net.source("honest");
  const result = await finished(net.download());
  await assertSaved(net, result.path);
  assert.ok(net.gets(liar.address).includes(3), "the liar was asked (it holds the fewest)");
  assert.ok(net.gets(honest.address).includes(3), "the bad chunk came from the honest peer");
  assert.ok(result.bytesReceived > SIZE, "the bad copy counts as received");
});

Deno.test("a peer that keeps sending bad chunks is banned and asked nothing more", async () => {
  await using net = await network();
  const liar = net.source("liar", () => "bad");
  const honest = net.source("honest");
  const result = await finished(net.download());
  await assertSaved(net, result.path);
  const ban = net.events.findIndex((e) => e.t === "drop" && e.address === liar.address);
  assert.ok(ban >= 0, "the liar's connection is dropped");
  const before = net.events.slice(0, ban).filter((e) =>
    e.t === "get" && e.address === liar.address
  );
  assert.ok(before.length >= BAN_AFTER_BAD_CHUNKS, "banned after repeated bad chunks, not one");
  const after = net.events.slice(ban).filter((e) => e.t === "get" && e.address === liar.address);
  assert.deepEqual(after, [], "no request to the liar after its ban");
  assert.ok(net.gets(honest.address).length >= CHUNKS - BAN_AFTER_BAD_CHUNKS);
});

Deno.test("a request left unanswered is cancelled as stalled and asked again", async () => {
  await using net = await network();
  let stalled: number | undefined;
  const slow = net.source("slow", (index, attempt) => {
    if (stalled === undefined) stalled = index;
    return index === stalled && attempt === 1 ? "hang" : "good";
  });
  const result = await finished(net.download({ stallTimeoutMs: 200 }));
  await assertSaved(net, result.path);
  const first = net.events.find((e) => e.t === "get" && e.index === stalled);
  assert.ok(first?.t === "get");
  const cancel = net.events.find((e) => e.t === "cancel");
  assert.deepEqual(cancel, { t: "cancel", address: slow.address, id: first.id, reason: "stalled" });
  assert.equal(net.gets(slow.address).filter((index) => index === stalled).length, 2);
});

Deno.test("a cancelled download stops, cancels its requests at the peer and keeps its .part", async () => {
  await using net = await network();
  const hanging = net.source("hanging", () => "hang");
  const download = net.download();
  await until(() => hanging.pending > 0, "the first requests");
  const pending = hanging.pending;
  download.cancel();
  await assert.rejects(finished(download), /download cancelled/);
  assert.equal(download.progress().state, "cancelled");
  const cancels = net.events.filter((e) => e.t === "cancel");
  assert.equal(cancels.length, pending);
  assert.ok(cancels.every((e) => e.t === "cancel" && e.reason === "download ended"));
  assert.equal(hanging.pending, 0);
  assert.equal((await Deno.stat(join(net.outDir, "file.bin.part"))).size, SIZE);
});

Deno.test("a source whose connection breaks is dropped and the others finish the file", async () => {
  await using net = await network();
  const leaving = net.source("leaving", () => "hang");
  const staying = net.source("staying");
  const download = net.download();
  await until(() => leaving.pending > 0, "a request to the leaving peer");
  leaving.goDown();
  const gone = net.events.length;
  const result = await finished(download);
  await assertSaved(net, result.path);
  assert.ok(net.events.some((e) => e.t === "drop" && e.address === leaving.address));
  const later = net.events.slice(gone).filter((e) =>
    e.t === "get" && e.address === leaving.address
  );
  assert.deepEqual(later, [], "the lost peer is left alone");
  assert.ok(net.gets(staying.address).length >= CHUNKS);
});

Deno.test("with its only source gone a download waits, then goes on with a new one", async () => {
  await using net = await network();
  const first = net.source("first", () => "hang");
  const download = net.download();
  await until(() => first.pending > 0, "a request");
  first.goDown();
  net.list();
  await until(() => download.progress().state === "waiting", "the download to wait");
  assert.equal(download.progress().message, "waiting for a peer that has this file");
  net.source("second");
  const result = await finished(download);
  await assertSaved(net, result.path);
  assert.equal(download.progress().state, "done");
});

Deno.test("a peer that says it cannot serve a chunk stays a source; another gives the chunk", async () => {
  await using net = await network();
  const picky = net.source("picky", (index) => index === 0 ? "refuse" : "good");
  const other = net.source("other", () => "good", [0]);
  const result = await finished(net.download());
  await assertSaved(net, result.path);
  assert.ok(net.gets(other.address).includes(0));
  assert.ok(!net.events.some((e) => e.t === "drop"), "an answer is not a lost connection");
  assert.ok(net.gets(picky.address).length >= CHUNKS - 1);
});

Deno.test("a manifest that is not the file ID asked for is refused before anything is written", async () => {
  await using net = await network();
  const a = net.source("a");
  const other = { ...net.manifest, size: net.manifest.size - 1 };
  other.chunkHashes = [...net.manifest.chunkHashes];
  await assert.rejects(finished(net.download({}, other)), /describes another file: refusing/);
  assert.deepEqual(net.gets(a.address), []);
  await assert.rejects(Deno.stat(net.outDir), Deno.errors.NotFound, "not even the folder");
});

Deno.test("a banned peer stays banned whatever the lists say; with only it, the download fails", async () => {
  await using net = await network();
  let asked = 0;
  // Bad chunks, then requests it sits on: cut off by the ban, they fail as a lost connection.
  const liar = net.source("liar", () => ++asked <= BAN_AFTER_BAD_CHUNKS ? "bad" : "hang");
  const download = net.download({ bannedGiveUpMs: 300 });
  await assert.rejects(finished(download), /sent chunks that failed verification and is banned/);
  const ban = net.events.findIndex((e) => e.t === "drop" && e.address === liar.address);
  assert.ok(ban >= 0, "the liar's connection is dropped");
  assert.ok(net.gets(liar.address).length <= MAX_WINDOW, "asked a window's worth at most");
  const after = net.events.slice(ban).filter((e) => e.t === "get");
  assert.deepEqual(after, [], "never asked again, though every refresh lists it");
  await assert.rejects(Deno.stat(join(net.outDir, "file.bin")), Deno.errors.NotFound);
});

Deno.test("a download whose bad source is banned finishes from an honest one that comes later", async () => {
  await using net = await network();
  const liar = net.source("liar", () => "bad");
  const download = net.download();
  await until(() => net.events.some((e) => e.t === "drop"), "the ban");
  const banned = net.events.length;
  await until(() => download.progress().state === "waiting", "the download to wait");
  assert.match(download.progress().message ?? "", /banned/);
  net.source("honest");
  const result = await finished(download);
  await assertSaved(net, result.path);
  assert.deepEqual(
    net.events.slice(banned).filter((e) => e.t === "get" && e.address === liar.address),
    [],
  );
});

for (const names of [["file.bin", "file.bin"], [".", ".."]]) {
  Deno.test(`two different files named ${names.join(" and ")}, downloaded at once, stay apart`, async () => {
    await using one = await network();
    await using two = await network();
    one.source("a");
    two.source("b");
    const downloads = [one, two].map((net, i) =>
      net.download({ id: i + 1, outDir: one.outDir }, { ...net.manifest, name: names[i] })
    );
    const [first, second] = await Promise.all(downloads.map(finished));
    assert.notEqual(first.path, second.path);
    await assertSaved(one, first.path);
    await assertSaved(two, second.path);
    const left = [...Deno.readDirSync(one.outDir)].map((entry) => entry.name).toSorted();
    assert.deepEqual(left, [first.path, second.path].map((path) => basename(path)).toSorted());
  });
}

Deno.test("an unrelated .part already in the folder is left untouched", async () => {
  await using net = await network();
  net.source("a");
  await Deno.mkdir(net.outDir);
  const foreign = join(net.outDir, "file.bin.part");
  await Deno.writeTextFile(foreign, "another program's unfinished download");
  const result = await finished(net.download());
  assert.equal(result.path, join(net.outDir, "file.bin"), "the name itself was free");
  assert.deepEqual(await Deno.readFile(result.path), net.bytes);
  assert.equal(await Deno.readTextFile(foreign), "another program's unfinished download");
});

Deno.test("a name too long for a .part and a copy number still downloads", async () => {
  await using net = await network();
  net.source("a");
  const name = "n".repeat(MAX_FILE_NAME_BYTES) + ".bin";
  await Deno.mkdir(net.outDir);
  const taken = join(net.outDir, sanitizeFileName(name));
  await Deno.writeTextFile(taken, "a different file of that name");
  const result = await finished(net.download({}, { ...net.manifest, name }));
  assert.equal(result.path, join(net.outDir, numberedName(sanitizeFileName(name), 1)));
  assert.deepEqual(await Deno.readFile(result.path), net.bytes);
});

Deno.test("a .part changed behind the download's back is not renamed into place", async () => {
  await using net = await network();
  let held: number | undefined;
  net.source("a", (index, attempt) => {
    held ??= index;
    return index === held && attempt === 1 ? "hang" : "good";
  });
  const download = net.download({ stallTimeoutMs: 300 });
  await until(() => held !== undefined, "the first request");
  await Deno.truncate(join(net.outDir, "file.bin.part"), SIZE + 10);
  await assert.rejects(
    finished(download),
    /file\.bin\.part is not whole .* download the file again/,
  );
  await assert.rejects(Deno.stat(join(net.outDir, "file.bin")), Deno.errors.NotFound);
});

Deno.test("one file of a folder is fetched alone: only its chunks, verified, saved by its name", async () => {
  await using net = await network({ folder: true });
  const a = net.source("a");
  const download = net.download({ inside: "b/two.bin" });
  assert.equal(download.progress().name, "two.bin");
  assert.equal(download.progress().bytesTotal, 4 * CHUNK, "the bytes of chunks 2 to 5");
  const result = await finished(download);
  assert.equal(result.path, join(net.outDir, "two.bin"));
  assert.equal(result.size, 3000);
  assert.deepEqual(await Deno.readFile(result.path), net.bytes.subarray(2500, 5500));
  assert.equal((await Deno.stat(result.path)).mode! & 0o111, 0o111, "its executable bit is kept");
  assert.deepEqual(net.gets(a.address).toSorted((x, y) => x - y), [2, 3, 4, 5]);
  assert.deepEqual([...Deno.readDirSync(net.outDir)].map((entry) => entry.name), ["two.bin"]);
  const again = await finished(net.download({ id: 2, inside: "b/two.bin" }));
  assert.equal(again.path, join(net.outDir, "two (1).bin"), "nothing is overwritten");
});

Deno.test("a path that is not a file of the folder is refused at once, naming close ones", async () => {
  await using net = await network({ folder: true });
  assert.throws(
    () => net.download({ inside: "b/tow.bin" }),
    /album has no file "b\/tow\.bin"; closest: "b\/two\.bin"/,
  );
  assert.throws(() => net.download({ inside: "../x" }), /refusing entry "\.\.\/x"/);
});

Deno.test("a download into a path that is a file says a file is in the way", async () => {
  await using net = await network();
  net.source("a");
  await Deno.writeTextFile(net.outDir, "a file, not a folder");
  await assert.rejects(
    finished(net.download()),
    new RegExp(`cannot save into ${net.outDir}: a file is in the way, not a folder; pick a folder`),
  );
});

Deno.test("a file this peer shares whole is already present where it lies: nothing is fetched", async () => {
  await using net = await network();
  const a = net.source("a");
  const mine = join(net.outDir, "..", "mine.bin");
  await Deno.writeFile(mine, net.bytes);
  const result = await finished(net.download({ localCopy: mine }));
  assert.deepEqual({ path: result.path, alreadyPresent: result.alreadyPresent }, {
    path: mine,
    alreadyPresent: true,
  });
  assert.deepEqual(net.gets(a.address), [], "nothing asked of anyone");
  await assert.rejects(Deno.stat(net.outDir), Deno.errors.NotFound, "no copy made");
});
