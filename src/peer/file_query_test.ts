import assert from "node:assert/strict";
import { RemoteError } from "../protocol/connection.ts";
import type { FileSummary } from "../protocol/messages.ts";
import { LookupError } from "../storage/file_lookup.ts";
import {
  closeName,
  didYouMean,
  isNotFound,
  nearMisses,
  resolveAmong,
  resolveName,
  splitQuery,
  withNearMisses,
} from "./file_query.ts";

const file = (fileId: string, name: string, files?: number): FileSummary => ({
  fileId,
  name,
  size: 1,
  sources: 1,
  seeders: 1,
  ...(files === undefined ? {} : { files }),
});
const BIG = file("be7ccc0f" + "1".repeat(56), "big.iso");
const NOTES = file("3f2a9b00" + "2".repeat(56), "notes.txt");
const ALBUM = file("c0ffee00" + "3".repeat(56), "album", 12);
const TWIN = file("3f2a9b11" + "4".repeat(56), "big.iso");
const files = [BIG, NOTES, ALBUM];
const listing = (entries: FileSummary[], cut = 0) => ({ entries, cut });

Deno.test("ID:path and folder/:path name one file of a folder; other names stay whole", () => {
  assert.deepEqual(splitQuery("abcd12:sub/x.bin"), { query: "abcd12", inside: "sub/x.bin" });
  assert.deepEqual(splitQuery("album/:sub/x.bin"), { query: "album/", inside: "sub/x.bin" });
  assert.deepEqual(splitQuery("notes:v2.txt"), { query: "notes:v2.txt", inside: undefined });
  assert.deepEqual(splitQuery("abcd12"), { query: "abcd12", inside: undefined });
});

Deno.test("a unique name resolves to its ID, a folder by its name or name/", () => {
  assert.equal(resolveName(listing(files), "big.iso"), BIG.fileId);
  assert.equal(resolveName(listing(files), "album/"), ALBUM.fileId);
  assert.equal(resolveName(listing(files), "album"), ALBUM.fileId);
});

Deno.test("a name two files have asks for the ID, showing both", () => {
  assert.throws(
    () => resolveName(listing([BIG, TWIN]), "big.iso"),
    /2 files are named big\.iso \(be7ccc0f1111, 3f2a9b114444\); give the ID/,
  );
});

Deno.test("an unknown name is refused with the closest names, and says when it is no ID either", () => {
  assert.throws(
    () => resolveName(listing(files), "big.isp"),
    /^LookupError: no file named big\.isp on the network, and it is not a file ID \(hex digits\); did you mean be7ccc0f1111 \(big\.iso\)\?$/,
  );
  assert.throws(() => resolveName(listing(files), "xyz!"), /not a file ID \(hex digits\)$/);
  assert.throws(
    () => resolveName(listing(files, 40), "nothing-like-it"),
    /among the 3 listed \(the network has 40 more\)/,
  );
});

Deno.test("near misses: a typo in a name or in the digits of an ID, none for a stranger", () => {
  assert.deepEqual(nearMisses("Notes.txx", files), [NOTES]);
  assert.deepEqual(nearMisses("albun/", files), [ALBUM]);
  assert.deepEqual(nearMisses("3f2a9c00", files), [NOTES], "one digit wrong");
  assert.deepEqual(nearMisses(BIG.fileId.replace("be7c", "be8c"), files), [BIG]);
  assert.deepEqual(nearMisses("holiday.mov", files), []);
  assert.equal(didYouMean("holiday.mov", files), "");
  assert.equal(didYouMean("be7cc0f", files), "; did you mean be7ccc0f1111 (big.iso)?");
});

Deno.test("the close name among a folder's, if one is near enough", () => {
  const names = ["hello.txt", "notes.md", "Holiday.mov"];
  assert.equal(closeName(names, "helo.txt"), "hello.txt");
  assert.equal(closeName(names, "HOLIDAY.MOV"), "Holiday.mov", "case is ignored");
  assert.equal(closeName(names, "budget.xlsx"), undefined);
  assert.equal(closeName([], "x"), undefined);
});

Deno.test("this peer's own items are found by ID prefix or name, with near misses when none is", () => {
  const item = (summary: FileSummary) => ({
    fileId: summary.fileId,
    manifest: {
      name: summary.name,
      size: 1,
      chunkSize: 1,
      chunkHashes: [],
      ...(summary.files ? { entries: [] } : {}),
    },
  });
  const own = [item(BIG), item(NOTES), item(ALBUM), item(TWIN)];
  assert.equal(resolveAmong(own, "be7c").fileId, BIG.fileId);
  assert.equal(resolveAmong(own, "notes.txt").fileId, NOTES.fileId);
  assert.equal(resolveAmong(own, "album/").fileId, ALBUM.fileId);
  assert.throws(
    () => resolveAmong(own, "3f2a9b"),
    /2 shared items match 3f2a9b .*give more of the ID/,
  );
  assert.throws(() => resolveAmong(own, "big.iso"), /2 shared items match big\.iso/);
  assert.throws(
    () => resolveAmong(own, "note.txt"),
    /shares nothing named note\.txt .*; did you mean 3f2a9b002222 \(notes\.txt\)\?; shared lists/,
  );
});

Deno.test("a file no one shares, here or on the server, gets its near misses named", () => {
  const here = new LookupError("not-found", "no file be7cc0f");
  const remote = new RemoteError({ t: "error", code: "not-found", message: "no file be7cc0f" });
  assert.ok(isNotFound(here) && isNotFound(remote));
  assert.ok(!isNotFound(new LookupError("ambiguous", "two files")));
  assert.ok(!isNotFound(new Error("not-found")));
  const named = withNearMisses(remote, "be7cc0f", files);
  assert.ok(named instanceof LookupError && named.code === "not-found");
  assert.equal(named.message, "no file be7cc0f; did you mean be7ccc0f1111 (big.iso)?");
  assert.equal(withNearMisses(here, "holiday.mov", files), here, "none near: the error itself");
});
