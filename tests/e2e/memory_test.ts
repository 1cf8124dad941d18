/**
 * Peak memory of a seeder and a downloader moving a 1 GiB file, sampled
 * from /proc (Linux only).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { P2pftProcess, peerArgs, startPeer } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { fileIds, startCluster } from "../helpers/cluster.ts";

const GIB = 1024 * 1024 * 1024;
const MAX_RSS_BYTES = 200 * 1000 * 1000;
const onLinux = Deno.build.os === "linux";
if (!onLinux) console.log("memory test skipped: it reads /proc, which only Linux has");

/** Peak RSS of a child sampled with `watchUsage`, in bytes. */
function peakRss(child: P2pftProcess): number {
  const usage = child.usage;
  return Math.max(usage.hwm, usage.maxRss);
}

Deno.test({
  name: "sharing and downloading 1 GiB keep peak RSS under 200 MB",
  ignore: !onLinux,
  async fn() {
    const shm = await Deno.stat("/dev/shm").then((info) => info.isDirectory, () => false);
    await using cluster = await startCluster("p2pft-mem-", { dir: shm ? "/dev/shm" : undefined });
    const path = await cluster.file("gig.bin", { size: GIB, seed: 11 });
    const seeder = cluster.use(
      await startPeer(cluster.server.address, { args: ["-r", path], watchUsage: true }),
    );
    const [id] = await fileIds(seeder, { timeoutMs: 60_000 });
    const out = join(cluster.dir, "out");
    const downloader = cluster.use(
      new P2pftProcess(
        peerArgs(cluster.server.address, ["--exit-when-done", "-d", id, "-o", out]),
        {
          watchUsage: true,
        },
      ),
    );
    const exit = await downloader.exit();
    assert.equal(exit.code, 0, downloader.stderr.text);
    assert.equal(await sha256File(join(out, "gig.bin")), await sha256File(path));
    await seeder.stop();
    const peaks = { seeder: peakRss(seeder), downloader: peakRss(downloader) };
    console.log(`peak RSS: seeder ${peaks.seeder} B, downloader ${peaks.downloader} B`);
    assert.ok(peaks.downloader > 0 && peaks.seeder > 0, "RSS was sampled");
    assert.ok(peaks.downloader < MAX_RSS_BYTES, `downloader peak ${peaks.downloader} B`);
    assert.ok(peaks.seeder < MAX_RSS_BYTES, `seeder peak ${peaks.seeder} B`);
  },
});
