/**
 * Disk trouble through real processes: a full disk, an unwritable output
 * folder, and shared files deleted or truncated while being served.
 * Mounting needs root on Linux; elsewhere these tests skip and say why.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  P2pftProcess,
  runPeer,
  runScripted,
  sha256File,
  startPeer,
  startServer,
  writeRandomFile,
} from "../helpers/cluster.ts";

const MIB = 1024 * 1024;
const canMount = Deno.build.os === "linux" && Deno.uid?.() === 0;
if (!canMount) console.log("disk-full tests skipped: mounting a small tmpfs needs root on Linux");

async function mountTmpfs(dir: string, options: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const result = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", options, "tmpfs", dir],
  }).output();
  if (!result.success) throw new Error(new TextDecoder().decode(result.stderr));
}

async function unmount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir] }).output();
}

Deno.test({
  name: "a full disk fails the download clearly, keeps the .part and writes no final file",
  ignore: !canMount,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "p2pft-disk-" });
    const small = join(dir, "small");
    await mountTmpfs(small, "size=6m");
    const server = await startServer();
    const path = join(dir, "big.bin");
    await writeRandomFile(path, 20 * MIB, { seed: 31 });
    try {
      const seeder = await startPeer(server.address, { args: ["-r", path] });
      const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
      const result = await runPeer(server.address, { args: ["-d", id, "-o", small] });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /No space left on device/);
      assert.deepEqual([...Deno.readDirSync(small)].map((e) => e.name), ["big.bin.part"]);
      await seeder.stop();
    } finally {
      await server.stop();
      await unmount(small);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "when one download fills its disk, the other transfers of the peer keep going",
  ignore: !canMount,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "p2pft-disk-" });
    const small = join(dir, "small");
    await mountTmpfs(small, "size=6m");
    const roomy = join(dir, "roomy");
    await Deno.mkdir(roomy);
    const server = await startServer();
    const paths = [join(dir, "big.bin"), join(dir, "other.bin")];
    await writeRandomFile(paths[0], 20 * MIB, { seed: 33 });
    await writeRandomFile(paths[1], 12 * MIB, { seed: 34 });
    try {
      const seeder = await startPeer(server.address, { args: paths.flatMap((p) => ["-r", p]) });
      const ids = (await seeder.stdout.waitForCount(/^File ID: ([0-9a-f]{64})$/, { count: 2 }))
        .map((match) => match[1]);
      const result = await runScripted(
        ["peer", "-i", "--addr", "127.0.0.1:0", "--server", server.address],
        {
          cwd: dir,
          script: `download ${ids[0]} ${small}\ndownload ${
            ids[1]
          } ${roomy}\nwait\ndownloads\nexit\n`,
        },
      );
      assert.match(result.stdout + result.stderr, /No space left on device/);
      assert.equal(await sha256File(join(roomy, "other.bin")), await sha256File(paths[1]));
      assert.deepEqual([...Deno.readDirSync(small)].map((e) => e.name), ["big.bin.part"]);
      await seeder.stop();
    } finally {
      await server.stop();
      await unmount(small);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an unwritable output folder gives a clear error at once",
  ignore: !canMount,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "p2pft-disk-" });
    const readOnly = join(dir, "ro");
    await mountTmpfs(readOnly, "ro,size=1m");
    const server = await startServer();
    const path = join(dir, "doc.bin");
    await writeRandomFile(path, MIB, { seed: 32 });
    try {
      const seeder = await startPeer(server.address, { args: ["-r", path] });
      const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
      const result = await runPeer(server.address, { args: ["-d", id, "-o", readOnly] });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /cannot write into .*ro: .*Read-only file system/);
      await seeder.stop();
    } finally {
      await server.stop();
      await unmount(readOnly);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a shared file truncated or deleted is no longer served, and the seeder keeps going", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-disk-" });
  const server = await startServer();
  const paths = ["cut.bin", "gone.bin", "fine.bin"].map((name) => join(dir, name));
  for (const [i, path] of paths.entries()) await writeRandomFile(path, 6 * MIB, { seed: 40 + i });
  try {
    const seeder = await startPeer(server.address, { args: paths.flatMap((p) => ["-r", p]) });
    const ids = (await seeder.stdout.waitForCount(/^File ID: ([0-9a-f]{64})$/, { count: 3 }))
      .map((match) => match[1]);
    await Deno.truncate(paths[0], MIB);
    await Deno.remove(paths[1]);
    const out = join(dir, "out");
    await Deno.mkdir(out);
    for (const id of ids.slice(0, 2)) {
      const peer = new P2pftProcess([
        "peer",
        "--addr",
        "127.0.0.1:0",
        "--server",
        server.address,
        "-d",
        id,
        "-o",
        out,
      ]);
      await peer.stderr.waitFor(/waiting for a peer that has (this file|the missing chunks)/);
      await peer.stop();
    }
    await seeder.stderr.waitFor(/cut\.bin changed size .*; no longer sharing it/);
    await seeder.stderr.waitFor(/gone\.bin was removed .*; no longer sharing it/);
    const fine = await runPeer(server.address, { args: ["-d", ids[2], "-o", out] });
    assert.equal(fine.code, 0, fine.stderr);
    assert.equal(await sha256File(join(out, "fine.bin")), await sha256File(paths[2]));
    await seeder.stop();
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
