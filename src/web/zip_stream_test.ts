import assert from "node:assert/strict";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { tempDir } from "../test_dir.ts";
import { zipLayout, zipStream } from "./zip_stream.ts";

const entries = [
  { path: "a.txt", kind: "file" as const, size: 5 },
  { path: "sub/run.sh", kind: "executable" as const, size: 3 },
  { path: "empty", kind: "folder" as const, size: 0 },
  { path: "zero", kind: "file" as const, size: 0 },
];

/** The central directory's entries of `zip`: name, CRC, size, Unix mode, local header offset. */
function centralEntries(zip: Uint8Array) {
  const view = new DataView(zip.buffer, zip.byteOffset);
  const end = zip.length - 22;
  assert.equal(view.getUint32(end, true), 0x06054b50, "end record last");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const found = [];
  for (let i = 0; i < count; i++) {
    assert.equal(view.getUint32(at, true), 0x02014b50);
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true);
    const offset = view.getUint32(at + 42, true);
    assert.equal(view.getUint32(offset, true), 0x04034b50, "a local header where it says");
    found.push({
      name: new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength)),
      crc: view.getUint32(at + 16, true),
      size: view.getUint32(at + 24, true),
      mode: view.getUint32(at + 38, true) >>> 16,
    });
    at += 46 + nameLength + extra;
  }
  return found;
}

Deno.test("a folder's zip has its exact announced size, its files stored with their CRCs", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "sub"));
  await Deno.mkdir(join(dir.path, "empty"));
  await Deno.writeTextFile(join(dir.path, "a.txt"), "hello");
  await Deno.writeTextFile(join(dir.path, "sub/run.sh"), "#!x");
  await Deno.writeTextFile(join(dir.path, "zero"), "");
  const layout = zipLayout("Fotos ü", entries);
  assert.equal(layout.zip64, false);
  const zip = new Uint8Array(
    await new Response(zipStream(layout, () => Promise.resolve(dir.path))).arrayBuffer(),
  );
  assert.equal(zip.length, layout.size);
  const text = new TextEncoder();
  assert.deepEqual(centralEntries(zip), [
    { name: "Fotos ü/", crc: 0, size: 0, mode: 0o40755 },
    { name: "Fotos ü/a.txt", crc: crc32(text.encode("hello")), size: 5, mode: 0o100644 },
    { name: "Fotos ü/sub/run.sh", crc: crc32(text.encode("#!x")), size: 3, mode: 0o100755 },
    { name: "Fotos ü/empty/", crc: 0, size: 0, mode: 0o40755 },
    { name: "Fotos ü/zero", crc: 0, size: 0, mode: 0o100644 },
  ]);
});

Deno.test("a file of 4 GiB or more takes Zip64 fields, and the zip its Zip64 end records", () => {
  const small = zipLayout("f", [{ path: "a", kind: "file", size: 10 }]);
  const large = zipLayout("f", [{ path: "a", kind: "file", size: 2 ** 32 }]);
  assert.equal(large.zip64, true);
  assert.equal(large.entries[1].large, true);
  // Local Zip64 extra (20) + longer data descriptor (8) + central extra (20) + end records (76).
  assert.equal(large.size - small.size, 2 ** 32 - 10 + 20 + 8 + 20 + 76);
});

Deno.test("a file shorter on disk than shared fails the zip stream", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "a"), "abc");
  const layout = zipLayout("f", [{ path: "a", kind: "file", size: 10 }]);
  await assert.rejects(
    () => new Response(zipStream(layout, () => Promise.resolve(dir.path))).arrayBuffer(),
    /a is shorter than when it was shared/,
  );
});
