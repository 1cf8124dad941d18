import assert from "node:assert/strict";
import { type Manifest, manifestSchema } from "../protocol/messages.ts";
import { parseKnownShare, sameManifest } from "./known_share.ts";

const FILE_ID = "a".repeat(64);
const OTHER_ID = "b".repeat(64);

const held: Manifest = manifestSchema.parse({
  name: "tree",
  size: 5,
  chunkSize: 4,
  chunkHashes: ["1".repeat(64), "2".repeat(64)],
  entries: [
    { path: "a/x", kind: "file", size: 3 },
    { path: "b", kind: "executable", size: 2 },
  ],
});

/** The held manifest as it comes off the wire: a fresh copy. */
function sent(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(held));
}

const manifestOf = (fileId: string) => fileId === FILE_ID ? held : undefined;

Deno.test("a share of a held file with the same manifest takes the held one", () => {
  const message = parseKnownShare(
    { t: "share", id: 3, files: [{ fileId: FILE_ID, manifest: sent(), chunks: "gA==" }] },
    manifestOf,
  );
  assert.deepEqual(message, {
    t: "share",
    id: 3,
    files: [{ fileId: FILE_ID, manifest: held, chunks: "gA==" }],
  });
  assert.equal(message?.files[0].manifest, held);
});

Deno.test("a share is left to the full parse when any file is unknown or its manifest differs", () => {
  const share = (...files: unknown[]) => parseKnownShare({ t: "share", id: 1, files }, manifestOf);
  const known = { fileId: FILE_ID, manifest: sent() };
  assert.notEqual(share(known), undefined);
  assert.equal(share(known, { fileId: OTHER_ID, manifest: sent() }), undefined);
  assert.equal(share({ fileId: FILE_ID, manifest: { ...sent(), name: "other" } }), undefined);
  assert.equal(share(), undefined);
  assert.equal(share({ ...known, chunks: 7 }), undefined);
  assert.equal(share({ ...known, fileId: 5 }), undefined);
  assert.equal(share("file"), undefined);
  assert.equal(parseKnownShare({ t: "share", id: -1, files: [known] }, manifestOf), undefined);
  assert.equal(parseKnownShare({ t: "lookup", id: 1, query: FILE_ID }, manifestOf), undefined);
});

Deno.test("a manifest is the same only when every field the schema reads is", () => {
  assert.ok(sameManifest(sent(), held));
  assert.ok(sameManifest({ ...sent(), extra: 1 }, held), "fields the schema drops are ignored");
  const changed = (change: (m: Record<string, unknown>) => void) => {
    const manifest = sent();
    change(manifest);
    return sameManifest(manifest, held);
  };
  assert.equal(changed((m) => m.size = 6), false);
  assert.equal(changed((m) => m.chunkSize = 5), false);
  assert.equal(changed((m) => (m.chunkHashes as string[])[1] = "3".repeat(64)), false);
  assert.equal(changed((m) => (m.chunkHashes as string[]).pop()), false);
  assert.equal(changed((m) => delete m.entries), false);
  assert.equal(changed((m) => (m.entries as { path: string }[])[0].path = "a/y"), false);
  assert.equal(changed((m) => (m.entries as { kind: string }[])[1].kind = "file"), false);
  assert.equal(changed((m) => (m.entries as { size: number }[])[0].size = "3" as never), false);
  assert.equal(changed((m) => (m.entries as unknown[])[0] = ["a/x", "file", 3]), false);
  assert.equal(
    changed((m) => (m.entries as unknown[]).push({ path: "c", kind: "file", size: 0 })),
    false,
  );
  assert.equal(sameManifest([], held), false);
  assert.equal(sameManifest(null, held), false);
  const file = manifestSchema.parse({ name: "f", size: 0, chunkSize: 4, chunkHashes: [] });
  assert.ok(sameManifest({ name: "f", size: 0, chunkSize: 4, chunkHashes: [] }, file));
  assert.equal(
    sameManifest({ name: "f", size: 0, chunkSize: 4, chunkHashes: [], entries: [] }, file),
    false,
  );
});
