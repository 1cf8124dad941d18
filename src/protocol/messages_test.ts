import assert from "node:assert/strict";
import { MAX_CHUNK_SIZE, MAX_FOLDER_ENTRIES } from "../constants.ts";
import { ProtocolError } from "./frame.ts";
import {
  helloSchema,
  manifestSchema,
  parseMessage,
  peerToPeerSchema,
  peerToServerSchema,
} from "./messages.ts";

const HASH = "a".repeat(64);
const manifest = { name: "f.bin", size: 10, chunkSize: 4, chunkHashes: [HASH, HASH, HASH] };

Deno.test("valid messages parse", () => {
  assert.deepEqual(parseMessage(manifestSchema, manifest), manifest);
  const register = { t: "register", id: 1, listenPort: 8001 };
  assert.deepEqual(parseMessage(peerToServerSchema, register), register);
  const share = { t: "share", id: 2, files: [{ fileId: "b".repeat(64), manifest }] };
  assert.deepEqual(parseMessage(peerToServerSchema, share), share);
  assert.deepEqual(parseMessage(peerToPeerSchema, { t: "cancel", re: 3 }), { t: "cancel", re: 3 });
  const hello = {
    t: "hello",
    protocol: "p2pft",
    version: 2,
    role: "peer",
    nonce: "AAAAAAAAAAAAAAAAAAAAAA==",
    network: "open",
  };
  assert.deepEqual(parseMessage(helloSchema, hello), hello);
});

Deno.test("malformed messages are protocol errors naming the problem", () => {
  const cases: [unknown, RegExp][] = [
    [{ t: "register", id: 1, peerId: "p", listenPort: "8001" }, /"register" at listenPort/],
    [{ t: "register", id: 1, peerId: "p" }, /at listenPort/],
    [{ t: "register", id: -1, peerId: "p", listenPort: 1 }, /at id/],
    [{ t: "teleport", id: 1 }, /malformed message "teleport"/],
    [{ t: "lookup", id: 1, query: "x".repeat(10_000) }, /at query/],
    [{ t: "have", fileId: "XYZ", chunks: [] }, /at fileId/],
    ["just a string", /malformed message/],
  ];
  for (const [raw, pattern] of cases) {
    assert.throws(() => parseMessage(peerToServerSchema, raw), (error: Error) => {
      assert.ok(error instanceof ProtocolError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  }
});

Deno.test("manifests must be self-consistent and within limits", () => {
  const bad = [
    { ...manifest, chunkHashes: [HASH] },
    { ...manifest, chunkSize: MAX_CHUNK_SIZE + 1, chunkHashes: [HASH] },
    { ...manifest, chunkHashes: [HASH, HASH, "A".repeat(64)] },
    { ...manifest, size: -1 },
    { ...manifest, name: "" },
  ];
  for (const value of bad) {
    assert.throws(() => parseMessage(manifestSchema, value), ProtocolError);
  }
  assert.throws(
    () => parseMessage(manifestSchema, bad[0]),
    /chunk hash count does not match size \/ chunk size/,
  );
  const empty = { name: "e", size: 0, chunkSize: MAX_CHUNK_SIZE, chunkHashes: [] };
  assert.deepEqual(parseMessage(manifestSchema, empty), empty);
});

/** A folder manifest of one file, 1 byte. */
const folder = {
  name: "f",
  size: 1,
  chunkSize: MAX_CHUNK_SIZE,
  chunkHashes: [HASH],
  entries: [{ path: "ok", kind: "file", size: 1 }],
};

Deno.test("a folder manifest with a bad path or a wrong size is refused, naming the entry", () => {
  assert.deepEqual(parseMessage(manifestSchema, folder), folder);
  assert.throws(
    () =>
      parseMessage(manifestSchema, {
        ...folder,
        entries: [{ ...folder.entries[0], path: "../x" }],
      }),
    /at entries: refusing entry "\.\.\/x": it has a "\.\." segment/,
  );
  assert.throws(
    () => parseMessage(manifestSchema, { ...folder, entries: [{ ...folder.entries[0], size: 2 }] }),
    /add up to 2 bytes, not 1/,
  );
});

Deno.test("a folder manifest's entries are checked one by one, naming the bad field", () => {
  const refused = (entries: unknown, reason: RegExp) =>
    assert.throws(() => parseMessage(manifestSchema, { ...folder, entries }), reason);
  refused({ path: "ok" }, /at entries: expected an array of folder entries/);
  refused(["ok"], /at entries\.0: expected an object/);
  refused([null], /at entries\.0: expected an object/);
  refused([{ kind: "file", size: 1 }], /at entries\.0\.path: expected a string/);
  refused([{ path: "", kind: "file", size: 1 }], /at entries\.0\.path: expected a string/);
  refused([{ path: "ok", kind: "link", size: 1 }], /at entries\.0\.kind: expected "file"/);
  refused([{ path: "ok", kind: "file", size: -1 }], /at entries\.0\.size: expected a whole/);
  refused([{ path: "ok", kind: "file", size: 0.5 }], /at entries\.0\.size: expected a whole/);
  refused([{ path: "ok", kind: "file", size: "1" }], /at entries\.0\.size: expected a whole/);
  const many = Array.from({ length: MAX_FOLDER_ENTRIES + 1 }, (_, i) => ({
    path: `f${i}`,
    kind: "file",
    size: 0,
  }));
  refused(many, new RegExp(`at entries: expected at most ${MAX_FOLDER_ENTRIES} entries`));
});

Deno.test("a folder manifest's entries are kept without fields they should not have", () => {
  const parsed = parseMessage(manifestSchema, {
    ...folder,
    entries: [{ path: "ok", kind: "executable", size: 1, extra: "dropped" }],
  });
  assert.deepEqual(parsed.entries, [{ path: "ok", kind: "executable", size: 1 }]);
});
