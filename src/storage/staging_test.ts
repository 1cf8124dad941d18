import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../test_dir.ts";
import { isStagingOf, ownerTag, removeLeftovers, stagingName } from "./staging.ts";

const ID = "0123456789abcdef".repeat(4);

Deno.test("staging names carry the peer's tag, the folder's ID and the entry of one file", () => {
  const owner = ownerTag("abcdefghijklmnopqrstuvwxyz234567");
  assert.equal(owner, "abcdefgh");
  assert.equal(stagingName(ID, { owner }), ".p2pft-abcdefgh-01234567.partdir");
  assert.equal(stagingName(ID, { owner, entry: 12 }), ".p2pft-abcdefgh-01234567-12.partfile");
  assert.ok(isStagingOf(".p2pft-abcdefgh-01234567-12.partfile", owner));
  assert.ok(!isStagingOf(".p2pft-zzzzzzzz-01234567.partdir", owner), "another peer's");
  assert.ok(!isStagingOf(".p2pft-abcdefgh-01234567.part", owner));
});

Deno.test("a peer removes its own leftovers, except those kept, and nothing else", async () => {
  await using dir = await tempDir();
  const owner = "abcdefgh";
  const mine = join(dir.path, stagingName(ID, { owner }));
  const kept = join(dir.path, stagingName(ID, { owner, entry: 3 }));
  const mineFile = join(dir.path, stagingName(ID, { owner, entry: 4 }));
  const theirs = join(dir.path, stagingName(ID, { owner: "zzzzzzzz" }));
  await Deno.mkdir(join(mine, "deep"), { recursive: true });
  await Deno.writeTextFile(join(mine, "deep/a.txt"), "a");
  await Deno.symlink(dir.path, join(mine, "link"));
  for (const path of [kept, mineFile]) await Deno.writeTextFile(path, "x");
  await Deno.mkdir(theirs);
  await Deno.writeTextFile(join(dir.path, "photo.jpg.part"), "someone's");
  const removed = await removeLeftovers([dir.path, dir.path, join(dir.path, "missing")], {
    owner,
    keep: new Set([kept]),
  });
  assert.deepEqual(removed.sort(), [mine, mineFile].sort());
  const left = [...Deno.readDirSync(dir.path)].map((e) => e.name).sort();
  assert.deepEqual(left, [
    ".p2pft-abcdefgh-01234567-3.partfile",
    ".p2pft-zzzzzzzz-01234567.partdir",
    "photo.jpg.part",
  ]);
});
