import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { eventsNamed, peerArgs, runPeer } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { type Cluster, startCluster } from "../helpers/cluster.ts";
import { HAS_TMUX, TmuxP2pft } from "./tmux.ts";

const SIZE = 12 * 1024 * 1024 + 9;

/** Shares a new `data.bin` in `cluster`, and makes a folder `here` to download into. */
async function seed(cluster: Cluster) {
  const here = join(cluster.dir, "here");
  await Deno.mkdir(here);
  const source = await cluster.file("seed/data.bin", { size: SIZE, seed: 5 });
  const { ids: [fileId] } = await cluster.share([source]);
  return { here, source, fileId };
}

Deno.test("--json prints one JSON event per line on stdout", async () => {
  await using cluster = await startCluster("p2pft-json-");
  const { here, source, fileId } = await seed(cluster);
  const result = await runPeer(cluster.server.address, {
    args: ["--json", "--download", fileId.slice(0, 8), "--out", here],
  });
  assertEquals(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n");
  assertEquals(result.events.length, lines.length, "every stdout line is an event");
  assertEquals(result.events[0].event, "listening");
  const [downloaded] = eventsNamed(result.events, "downloaded");
  assertEquals(downloaded.path, join(here, "data.bin"));
  assertEquals(downloaded.size, SIZE);
  assertEquals(downloaded.fileId, fileId);
  assertEquals(await sha256File(downloaded.path), await sha256File(source));
});

Deno.test("--quiet keeps result lines and drops progress and info logs", async () => {
  await using cluster = await startCluster("p2pft-quiet-");
  const { here, fileId } = await seed(cluster);
  const result = await runPeer(cluster.server.address, {
    args: ["--quiet", "--download", fileId, "--out", here],
  });
  assertEquals(result.code, 0, result.stderr);
  assert(result.stdout.includes(`Downloaded: ${join(here, "data.bin")}`));
  assertEquals(result.stderr.trim(), "");
});

Deno.test({
  name: "a one-shot download on a terminal draws a bar and a summary",
  ignore: !HAS_TMUX,
}, async () => {
  await using cluster = await startCluster("p2pft-bar-");
  const { here, fileId } = await seed(cluster);
  await using shell = await TmuxP2pft.start(
    peerArgs(cluster.server.address, ["--download", fileId, "--exit-when-done"]),
    { cwd: here },
  );
  const screen = await shell.waitFor(/EXIT=\d+/);
  assert(screen.includes("EXIT=0"), screen);
  assert(
    /#1 data\.bin \S+ 100% \| 12\.0 MiB\/12\.0 MiB \| .* \| ETA 0s \| \d sources?/.test(screen),
    screen,
  );
  assert(/data\.bin: 12\.0 MiB in .* every chunk verified/.test(screen), screen);
  assert(screen.includes(`Downloaded: ${join(here, "data.bin")}`), screen);
});
