/**
 * Peak memory of a seeder and a downloader moving a 1 GiB file, sampled
 * from /proc (Linux only).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  runPeerTracked,
  sha256File,
  startPeer,
  startServer,
  writeRandomFile,
} from "../helpers/cluster.ts";

const GIB = 1024 * 1024 * 1024;
const MAX_RSS_BYTES = 200 * 1000 * 1000;
const onLinux = Deno.build.os === "linux";
if (!onLinux) console.log("memory test skipped: it reads /proc, which only Linux has");

async function scratchDir(): Promise<string> {
  try {
    return await Deno.makeTempDir({ dir: "/dev/shm", prefix: "p2pft-mem-" });
  } catch {
    return await Deno.makeTempDir({ prefix: "p2pft-mem-" });
  }
}

/** Peak VmRSS of `pid` in bytes, sampled until `until` settles. */
async function peakRss(pid: number, until: Promise<unknown>): Promise<number> {
  let peak = 0;
  let done = false;
  until.finally(() => done = true);
  while (!done) {
    try {
      const status = await Deno.readTextFile(`/proc/${pid}/status`);
      const hwm = status.match(/VmHWM:\s+(\d+) kB/);
      if (hwm) peak = Math.max(peak, Number(hwm[1]) * 1024);
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return peak;
}

Deno.test({
  name: "sharing and downloading 1 GiB keep peak RSS under 200 MB",
  ignore: !onLinux,
  async fn() {
    const dir = await scratchDir();
    const server = await startServer();
    const path = join(dir, "gig.bin");
    await writeRandomFile(path, GIB, { seed: 11 });
    const seeder = await startPeer(server.address, { args: ["-r", path] });
    const seederPeak = peakRss(seeder.child.pid, seeder.child.status);
    try {
      const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/, 60_000))[1];
      const out = join(dir, "out");
      await Deno.mkdir(out);
      const download = runPeerTracked(server.address, { args: ["-d", id, "-o", out] });
      const downloaderPeak = peakRss(download.pid, download.result);
      const result = await download.result;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await sha256File(join(out, "gig.bin")), await sha256File(path));
      await seeder.stop();
      const peaks = { seeder: await seederPeak, downloader: await downloaderPeak };
      console.log(`peak RSS: seeder ${peaks.seeder} B, downloader ${peaks.downloader} B`);
      assert.ok(peaks.downloader > 0 && peaks.seeder > 0, "RSS was sampled");
      assert.ok(peaks.downloader < MAX_RSS_BYTES, `downloader peak ${peaks.downloader} B`);
      assert.ok(peaks.seeder < MAX_RSS_BYTES, `seeder peak ${peaks.seeder} B`);
    } finally {
      await seeder.stop();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
