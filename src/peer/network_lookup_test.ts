import assert from "node:assert/strict";
import type { LookupResult, Source } from "../protocol/messages.ts";
import { FileIndex } from "../storage/file_index.ts";
import { LookupError } from "../storage/file_lookup.ts";
import { computeFileId } from "../storage/manifest.ts";
import { MAX_LISTING_PAGE, MAX_LISTING_PAGES } from "../constants.ts";
import {
  fetchListing,
  type LanAsker,
  lanNotFound,
  mergeSources,
  NetworkLookup,
  type ServerAsker,
} from "./network_lookup.ts";

const manifest = { name: "a.bin", size: 4, chunkSize: 4, chunkHashes: ["d".repeat(64)] };
const fileId = await computeFileId(manifest);

/** A server that answers each request type with `replies[t]`, or fails when it has none. */
function server(replies: Record<string, Record<string, unknown>>): ServerAsker {
  return {
    request: (message) =>
      replies[message.t]
        ? Promise.resolve(replies[message.t])
        : Promise.reject(new Error(`no ${message.t} here`)),
  };
}

/** LAN peers whose index holds `a.bin` at the given sources once `after` searches were made. */
function lan(sources: Source[], options: { after?: number } = {}): LanAsker & { searches: number } {
  const asker = {
    searches: 0,
    index() {
      const index = new FileIndex();
      if (asker.searches++ >= (options.after ?? 0)) {
        for (const source of sources) {
          index.addPeer(source.peerId, { address: source.address, now: 0 });
          index.share(source.peerId, { fileId, manifest });
        }
      }
      return Promise.resolve(index);
    },
    sources: () => Promise.resolve(sources),
    peers: () => sources.map(({ peerId, address }) => ({ peerId, address })),
  };
  return asker;
}

const serverSource = { peerId: "s", address: "10.0.0.1:1" };
const lanSource = { peerId: "l", address: "10.0.0.2:2" };
const lookupReply: LookupResult = { fileId, manifest, sources: [serverSource], total: 1 };

Deno.test("sources from the server and the LAN merge, each peer once", () => {
  const merged = mergeSources([
    [{ peerId: "a", address: "10.0.0.1:1" }, {
      peerId: "b",
      address: "10.0.0.2:2",
      chunks: "gA==",
    }],
    [{ peerId: "b", address: "10.0.0.2:2" }, { peerId: "c", address: "10.0.0.3:3" }],
  ]);
  assert.deepEqual(merged.map((s) => s.peerId), ["a", "b", "c"]);
  assert.equal(merged[1].chunks, "gA==", "the first entry for a peer wins");
  assert.deepEqual(mergeSources([]), []);
});

Deno.test("a lookup asks the server and the LAN and merges their sources", async () => {
  const network = new NetworkLookup({
    server: server({ lookup: lookupReply }),
    lan: lan([lanSource, serverSource]),
    discoverTimeoutMs: 0,
  });
  const found = await network.lookup(fileId.slice(0, 8));
  assert.equal(found.fileId, fileId);
  assert.deepEqual(found.sources.map((s) => s.peerId).toSorted(), ["l", "s"]);
});

Deno.test("a server whose manifest does not match the file ID is not believed", async () => {
  const forged = { ...lookupReply, manifest: { ...manifest, chunkHashes: ["e".repeat(64)] } };
  const network = new NetworkLookup({ server: server({ lookup: forged }), discoverTimeoutMs: 0 });
  await assert.rejects(network.lookup(fileId), /does not match file ID/);
});

Deno.test("an answer naming another file than the ID or prefix asked for is refused", async () => {
  const substitute = { ...manifest, name: "a.bin", chunkHashes: ["e".repeat(64)] };
  const substituted = {
    fileId: await computeFileId(substitute),
    manifest: substitute,
    sources: [],
    total: 0,
  };
  const network = new NetworkLookup({
    server: server({ lookup: substituted }),
    discoverTimeoutMs: 0,
  });
  await assert.rejects(network.lookup(fileId), /answered .* with another file \(.*\): refusing it/);
  const prefix = fileId.slice(0, 8);
  assert.ok(!substituted.fileId.startsWith(prefix));
  await assert.rejects(network.lookup(prefix), /with another file/);
  const found = await network.lookup(` ${substituted.fileId.slice(0, 6).toUpperCase()} `);
  assert.equal(found.fileId, substituted.fileId, "a prefix resolves to a file starting with it");
});

Deno.test("a LAN peer's search answer for another file is refused; the server's is taken", async () => {
  const substitute = { ...manifest, chunkHashes: ["e".repeat(64)] };
  const liar: LanAsker = {
    index: () =>
      Promise.resolve({
        lookup: () => ({ fileId: fileId, manifest: substitute, sources: [lanSource], total: 1 }),
        files: () => ({ files: [], total: 0 }),
        peers: () => ({ peers: [], total: 0 }),
      }),
    sources: () => Promise.resolve([lanSource]),
    peers: () => [lanSource],
  };
  const alone = new NetworkLookup({ lan: liar, discoverTimeoutMs: 0 });
  await assert.rejects(alone.lookup(fileId), /LAN peer sent a manifest that does not match/);
  const both = new NetworkLookup({
    server: server({ lookup: lookupReply }),
    lan: liar,
    discoverTimeoutMs: 0,
  });
  const found = await both.lookup(fileId);
  assert.deepEqual(found.manifest, manifest);
  assert.deepEqual(found.sources, [serverSource], "the liar's sources are not merged in");
});

Deno.test("a LAN lookup keeps asking while peers may still appear, then says not found", async () => {
  const late = lan([lanSource], { after: 2 });
  const found = await new NetworkLookup({ lan: late, discoverTimeoutMs: 5_000 }).lookup(fileId);
  assert.deepEqual(found.sources, [lanSource]);
  assert.equal(late.searches, 3);
  const empty = new NetworkLookup({ lan: lan([], { after: 99 }), discoverTimeoutMs: 0 });
  await assert.rejects(
    empty.lookup(fileId),
    (error) =>
      error instanceof LookupError && error.code === "not-found" &&
      /no peer was found over mDNS within 0 s; are the other peers on this LAN/.test(error.message),
  );
});

Deno.test("a LAN lookup that finds nothing says how many peers answered, and what to check if none", () => {
  const id = "ab12";
  assert.equal(
    lanNotFound(id, { seen: 3, answered: 2, waitedMs: 5_000 }),
    "no file with ID ab12 is shared by the 2 LAN peer(s) that answered",
  );
  assert.match(
    lanNotFound(id, { seen: 2, answered: 0, waitedMs: 5_000 }),
    /^no file with ID ab12 is shared: 2 peer\(s\) found over mDNS did not answer within 5 s; .*firewall block mDNS \(UDP 5353\)/,
  );
});

Deno.test("a LAN lookup by name keeps asking while peers may appear, then says how many answered", async () => {
  const late = lan([lanSource], { after: 2 });
  assert.equal(
    await new NetworkLookup({ lan: late, discoverTimeoutMs: 5_000 }).resolveName("a.bin"),
    fileId,
  );
  assert.equal(late.searches, 3);
  const answered = new NetworkLookup({ lan: lan([lanSource]), discoverTimeoutMs: 0 });
  await assert.rejects(
    answered.resolveName("b.bin"),
    (error) =>
      error instanceof LookupError && error.code === "not-found" &&
      /^no file named b\.bin on the network, and it is not a file ID \(hex digits\); none of the 1 LAN peer\(s\) that answered has it; did you mean [0-9a-f]{12} \(a\.bin\)\?$/
        .test(error.message),
  );
  const nobody = new NetworkLookup({ lan: lan([], { after: 99 }), discoverTimeoutMs: 0 });
  await assert.rejects(
    nobody.resolveName("b.bin"),
    /^LookupError: no file named b\.bin on the network, .*; no peer was found over mDNS within 0 s; are the other peers on this LAN .*--discover-timeout waits longer$/,
  );
  const serverOnly = new NetworkLookup({
    server: server({ files: { files: [], total: 0 } }),
    discoverTimeoutMs: 5_000,
  });
  await assert.rejects(
    serverOnly.resolveName("b.bin"),
    /^LookupError: no file named b\.bin on the network, and it is not a file ID \(hex digits\)$/,
  );
});

Deno.test("when neither answers, the lookup fails with the first failure", async () => {
  const network = new NetworkLookup({ server: server({}), discoverTimeoutMs: 0 });
  await assert.rejects(network.lookup(fileId), /no lookup here/);
  await assert.rejects(
    new NetworkLookup({ discoverTimeoutMs: 0 }).lookup(fileId),
    /give --server or --lan/,
  );
});

Deno.test("a running download's sources come from whichever answers", async () => {
  const both = new NetworkLookup({
    server: server({ sources: { sources: [serverSource], total: 1 } }),
    lan: lan([lanSource]),
    discoverTimeoutMs: 0,
  });
  assert.deepEqual((await both.sources(fileId)).sources.map((s) => s.peerId).toSorted(), [
    "l",
    "s",
  ]);
  const lanOnly = new NetworkLookup({
    server: server({}),
    lan: lan([lanSource]),
    discoverTimeoutMs: 0,
  });
  assert.deepEqual(
    await lanOnly.sources(fileId),
    { sources: [lanSource], complete: true },
    "a server down is not fatal",
  );
});

Deno.test("the network's files and peers list each once, the server's first", async () => {
  const network = new NetworkLookup({
    server: server({
      files: { files: [{ fileId, name: "a.bin", size: 4, sources: 1, seeders: 1 }], total: 1 },
      peers: { peers: [{ ...serverSource, files: 1, lastSeenMs: 5 }], total: 1 },
    }),
    lan: lan([lanSource, serverSource]),
    discoverTimeoutMs: 0,
  });
  const files = await network.files();
  assert.equal(files.entries.length, 1);
  assert.equal(files.entries[0].sources, 1, "the server's line wins");
  assert.deepEqual(await network.peers(), {
    entries: [
      { ...serverSource, files: 1, lastSeenMs: 5 },
      { ...lanSource, files: 1, lastSeenMs: 0 },
    ],
    cut: 0,
  });
});

/** A listing of `total` numbered entries served `pageSize` at a time; counts the pages asked. */
function pagedListing(total: number, pageSize: number) {
  const listing = {
    asked: 0,
    page: (offset: number) => {
      listing.asked++;
      const entries = Array.from(
        { length: Math.max(0, Math.min(pageSize, total - offset)) },
        (_, i) => String(offset + i),
      );
      return Promise.resolve({ entries, total });
    },
  };
  return listing;
}

Deno.test("a listing is fetched page after page until it is whole", async () => {
  const whole = pagedListing(1_234, MAX_LISTING_PAGE);
  const fetched = await fetchListing(whole.page, (entry) => entry);
  assert.deepEqual([fetched.entries.length, fetched.cut, whole.asked], [1_234, 0, 3]);
  const empty = pagedListing(0, MAX_LISTING_PAGE);
  assert.deepEqual(await fetchListing(empty.page, (entry) => entry), { entries: [], cut: 0 });
  assert.equal(empty.asked, 1);
  const shrinking = pagedListing(10, 2);
  const shrunk = await fetchListing(
    (offset) => shrinking.page(offset).then((page) => ({ ...page, total: 99 })),
    (entry) => entry,
  );
  assert.deepEqual([shrunk.entries.length, shrunk.cut], [10, 0], "an empty page ends it");
});

Deno.test("a listing stops after MAX_LISTING_PAGES pages and says how much was cut", async () => {
  const huge = pagedListing(MAX_LISTING_PAGES * 10 + 7, 10);
  const fetched = await fetchListing(huge.page, (entry) => entry);
  assert.equal(huge.asked, MAX_LISTING_PAGES);
  assert.deepEqual([fetched.entries.length, fetched.cut], [MAX_LISTING_PAGES * 10, 7]);
});

Deno.test("entries that shift between pages are listed once", async () => {
  const pages = [
    { entries: ["a", "b"], total: 4 },
    { entries: ["b", "c"], total: 4 },
    { entries: ["d"], total: 4 },
  ];
  const fetched = await fetchListing((offset) => Promise.resolve(pages[offset / 2]), (e) => e);
  assert.deepEqual(fetched, { entries: ["a", "b", "c", "d"], cut: 0 });
});

Deno.test("completion asks the server only for files that match, by name and by ID, merged with the LAN's", async () => {
  const asked: Record<string, unknown>[] = [];
  const summary = (id: string, name: string) => ({
    fileId: id,
    name,
    size: 4,
    sources: 1,
    seeders: 1,
  });
  const byName = summary("1".repeat(64), "abc.txt");
  const byId = summary("abc" + "2".repeat(61), "other.txt");
  const network = new NetworkLookup({
    server: {
      request: (message) => {
        asked.push(message);
        const files = "namePrefix" in message ? [byName] : [byId, byName];
        return Promise.resolve({ files, total: files.length });
      },
    },
    lan: lan([lanSource]),
    discoverTimeoutMs: 1_000,
  });
  const files = await network.matchingFiles("abc", 20);
  assert.deepEqual(asked, [
    { t: "files", limit: 20, namePrefix: "abc" },
    { t: "files", limit: 20, idPrefix: "abc" },
  ]);
  assert.deepEqual(files.map((file) => file.name), ["abc.txt", "other.txt"], "each file once");
  asked.length = 0;
  const lanOnly = await network.matchingFiles("a.b", 20);
  assert.deepEqual(
    asked,
    [{ t: "files", limit: 20, namePrefix: "a.b" }],
    "no ID search for a name",
  );
  assert.ok(lanOnly.some((file) => file.name === "a.bin"), "the LAN's matching files join in");
});
