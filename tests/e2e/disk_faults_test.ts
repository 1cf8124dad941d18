/**
 * Disk trouble through real processes: a full disk, an unwritable output
 * folder, and shared files deleted or truncated while being served.
 * Mounting needs root on Linux; elsewhere these tests skip and say why.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  eventsNamed,
  P2pftProcess,
  peerArgs,
  runP2pft,
  runPeer,
} from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { assertErrorEvent, startCluster } from "../helpers/cluster.ts";

const MIB = 1024 * 1024;
const canMount = Deno.build.os === "linux" && Deno.uid?.() === 0;
if (!canMount) console.log("disk-full tests skipped: mounting a small tmpfs needs root on Linux");

/** Mounts a tmpfs with `options` on `dir` (created if missing); disposing of it unmounts it. */
async function mountTmpfs(dir: string, options: string): Promise<AsyncDisposable> {
  await Deno.mkdir(dir, { recursive: true });
  const result = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", options, "tmpfs", dir],
  }).output();
  if (!result.success) throw new Error(new TextDecoder().decode(result.stderr));
  return {
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: [dir] }).output();
    },
  };
}

/** Names of the entries of `dir`. */
function entries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name);
}

Deno.test({
  name: "a full disk fails the download clearly, keeps the .part and writes no final file",
  ignore: !canMount,
  async fn() {
    await using cluster = await startCluster("p2pft-disk-");
    const small = join(cluster.dir, "small");
    await using _mount = await mountTmpfs(small, "size=6m");
    const path = await cluster.file("big.bin", { size: 20 * MIB, seed: 31 });
    const { ids: [id] } = await cluster.share([path]);
    const result = await runPeer(cluster.server.address, {
      args: ["--json", "-d", id, "-o", small],
    });
    assert.notEqual(result.code, 0);
    assertErrorEvent(result, /No space left on device/);
    assert.deepEqual(entries(small), ["big.bin.part"]);
  },
});

Deno.test({
  name: "when one download fills its disk, the other transfers of the peer keep going",
  ignore: !canMount,
  async fn() {
    await using cluster = await startCluster("p2pft-disk-");
    const small = join(cluster.dir, "small");
    await using _mount = await mountTmpfs(small, "size=6m");
    const roomy = join(cluster.dir, "roomy");
    await Deno.mkdir(roomy);
    const paths = [
      await cluster.file("big.bin", { size: 20 * MIB, seed: 33 }),
      await cluster.file("other.bin", { size: 12 * MIB, seed: 34 }),
    ];
    const { ids } = await cluster.share(paths);
    const result = await runP2pft(peerArgs(cluster.server.address, ["-i", "--json"]), {
      cwd: cluster.dir,
      input: `download ${ids[0]} ${small}\ndownload ${ids[1]} ${roomy}\nwait\ndownloads\nexit\n`,
    });
    assertErrorEvent(result, /No space left on device/);
    const [downloaded] = eventsNamed(result.events, "downloaded");
    assert.equal(downloaded?.path, join(roomy, "other.bin"), result.stdout);
    assert.equal(await sha256File(downloaded.path), await sha256File(paths[1]));
    assert.deepEqual(entries(small), ["big.bin.part"]);
  },
});

Deno.test({
  name: "an unwritable output folder gives a clear error at once",
  ignore: !canMount,
  async fn() {
    await using cluster = await startCluster("p2pft-disk-");
    const readOnly = join(cluster.dir, "ro");
    await using _mount = await mountTmpfs(readOnly, "ro,size=1m");
    const path = await cluster.file("doc.bin", { size: MIB, seed: 32 });
    const { ids: [id] } = await cluster.share([path]);
    const result = await runPeer(cluster.server.address, {
      args: ["--json", "-d", id, "-o", readOnly],
    });
    assert.notEqual(result.code, 0);
    assertErrorEvent(result, /cannot write into .*ro: .*Read-only file system/);
  },
});

Deno.test("a shared file truncated or deleted is no longer served, and the seeder keeps going", async () => {
  await using cluster = await startCluster("p2pft-disk-");
  const paths = [];
  for (const [i, name] of ["cut.bin", "gone.bin", "fine.bin"].entries()) {
    paths.push(await cluster.file(name, { size: 6 * MIB, seed: 40 + i }));
  }
  const { peer: seeder, ids } = await cluster.share(paths);
  await Deno.truncate(paths[0], MIB);
  await Deno.remove(paths[1]);
  const out = join(cluster.dir, "out");
  for (const id of ids.slice(0, 2)) {
    await using peer = new P2pftProcess(peerArgs(cluster.server.address, ["-d", id, "-o", out]));
    await peer.stderr.waitFor(/waiting for a peer that has (this file|the missing chunks)/);
  }
  await seeder.stderr.waitFor(/cut\.bin changed size .*; no longer sharing it/);
  await seeder.stderr.waitFor(/gone\.bin was removed .*; no longer sharing it/);
  const fine = await runPeer(cluster.server.address, { args: ["-d", ids[2], "-o", out] });
  assert.equal(fine.code, 0, fine.stderr);
  assert.equal(await sha256File(join(out, "fine.bin")), await sha256File(paths[2]));
});
