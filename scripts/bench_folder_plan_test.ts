import assert from "node:assert/strict";
import {
  ncMissingReason,
  plannedFolders,
  smallFilesPlan,
  tarNcCommands,
  type TreeLayout,
} from "./bench_folder_plan.ts";

const LAYOUT: TreeLayout = {
  seed: 7,
  minBytes: 1024,
  maxBytes: 16 * 1024,
  filesPerFolder: 100,
  foldersPerGroup: 10,
};

Deno.test("the small-files plan puts 100 files in each leaf folder, 10 folders to a group", () => {
  const files = smallFilesPlan(10_000, LAYOUT);
  assert.equal(files.length, 10_000);
  assert.equal(files[0].path, "g0/d00/f0000.bin");
  assert.equal(files[99].path, "g0/d00/f0099.bin");
  assert.equal(files[100].path, "g0/d01/f0100.bin");
  assert.equal(files[9_999].path, "g9/d99/f9999.bin");
  assert.equal(new Set(files.map((file) => file.path)).size, files.length);
  const perFolder = Map.groupBy(files, (file) => file.path.slice(0, file.path.lastIndexOf("/")));
  assert.equal(perFolder.size, 100);
  assert.ok([...perFolder.values()].every((group) => group.length === 100));
});

Deno.test("the small-files plan has sizes across the range and is the same for the same seed", () => {
  const files = smallFilesPlan(10_000, LAYOUT);
  const sizes = files.map((file) => file.size);
  assert.ok(sizes.every((size) => size >= 1024 && size <= 16 * 1024));
  assert.ok(Math.min(...sizes) < 1100 && Math.max(...sizes) > 16 * 1024 - 100, "range not covered");
  const mean = sizes.reduce((sum, size) => sum + size, 0) / sizes.length;
  assert.ok(Math.abs(mean - 8.5 * 1024) < 200, `mean ${mean} is off the middle`);
  assert.equal(new Set(files.map((file) => file.seed)).size, files.length, "seeds repeat");
  assert.ok(files.every((file) => file.seed !== 0));
  assert.deepEqual(smallFilesPlan(10_000, LAYOUT), files);
  assert.notDeepEqual(smallFilesPlan(10_000, { ...LAYOUT, seed: 8 }), files);
});

Deno.test("the small-files plan pads names to the count and refuses an empty size range", () => {
  assert.deepEqual(
    smallFilesPlan(3, { ...LAYOUT, filesPerFolder: 2, foldersPerGroup: 1 }).map((f) => f.path),
    ["g0/d0/f0.bin", "g0/d0/f1.bin", "g1/d1/f2.bin"],
  );
  assert.deepEqual(smallFilesPlan(0, LAYOUT), []);
  assert.throws(() => smallFilesPlan(1, { ...LAYOUT, minBytes: 5, maxBytes: 4 }), /min <= max/);
});

Deno.test("planned folders lists each folder once, parents first", () => {
  const files = smallFilesPlan(4, { ...LAYOUT, filesPerFolder: 1, foldersPerGroup: 2 });
  assert.deepEqual(plannedFolders(files), ["g0", "g0/d0", "g0/d1", "g1", "g1/d2", "g1/d3"]);
});

Deno.test("the baseline is skipped without nc, or with an nc that has no -N", () => {
  assert.equal(ncMissingReason(null), "nc not found: apt-get install netcat-openbsd");
  const traditional = "[v1.10-47]\nconnect to somewhere:\tnc [-options] hostname port\n" +
    "\t-q secs\t\tquit after EOF on stdin and delay of secs\n";
  assert.match(ncMissingReason(traditional) ?? "", /no -N.*apt-get install netcat-openbsd$/);
  const openbsd = "OpenBSD netcat (Debian patchlevel 1.219-1)\n" +
    "\t\t-n\t\tSuppress name/port resolutions\n" +
    "\t\t-N\t\tShutdown the network socket after EOF on stdin\n";
  assert.equal(ncMissingReason(openbsd), null);
});

Deno.test("the baseline's ends pipe tar through nc on loopback and fail when either fails", () => {
  const { receiver, sender } = tarNcCommands(4242, { source: "/s rc", target: "/t'gt" });
  assert.deepEqual(receiver, [
    "bash",
    "-c",
    'set -o pipefail; nc -l -n -v 127.0.0.1 "$1" | tar x -C "$2"',
    "tar-nc-receiver",
    "4242",
    "/t'gt",
  ]);
  assert.deepEqual(sender, [
    "bash",
    "-c",
    'set -o pipefail; tar c -C "$1" . | nc -N 127.0.0.1 "$2"',
    "tar-nc-sender",
    "/s rc",
    "4242",
  ]);
});
