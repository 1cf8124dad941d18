import assert from "node:assert/strict";
import { MAX_FILES_PER_PEER, MAX_MANIFEST_BYTES_PER_PEER } from "../constants.ts";
import { checkRoom, manifestCost, ShareLimitError } from "./share_limits.ts";

const manifest = {
  name: "abc",
  size: 8,
  chunkSize: 4,
  chunkHashes: ["c".repeat(64), "d".repeat(64)],
};

Deno.test("a manifest costs 64 bytes per chunk hash plus its name", () => {
  assert.equal(manifestCost(manifest), 2 * 64 + 3);
  assert.equal(manifestCost({ ...manifest, size: 0, chunkHashes: [] }), 3);
});

Deno.test("room runs out at the file cap and at the manifest-byte cap, with what to do", () => {
  checkRoom({ files: MAX_FILES_PER_PEER - 1, manifestBytes: 0 }, manifest);
  checkRoom(
    { files: 0, manifestBytes: MAX_MANIFEST_BYTES_PER_PEER - manifestCost(manifest) },
    manifest,
  );
  assert.throws(
    () => checkRoom({ files: MAX_FILES_PER_PEER, manifestBytes: 0 }, manifest),
    (error: Error) =>
      error instanceof ShareLimitError && error.code === "over-limit" &&
      /^at most 10000 files per peer .*: share fewer files per peer/.test(error.message),
  );
  assert.throws(
    () => checkRoom({ files: 0, manifestBytes: MAX_MANIFEST_BYTES_PER_PEER - 1 }, manifest),
    (error: Error) =>
      error instanceof ShareLimitError &&
      /^at most 64 MiB of manifests .* abc would pass it: share fewer or smaller files/.test(
        error.message,
      ),
  );
});
