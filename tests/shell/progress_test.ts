import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import {
  runPeer,
  sha256File,
  startPeer,
  startServer,
  writeRandomFile,
} from "../helpers/cluster.ts";
import { HAS_TMUX, TmuxP2pft } from "./tmux.ts";

const SIZE = 12 * 1024 * 1024 + 9;

async function seeded(prefix: string) {
  const root = await Deno.makeTempDir({ prefix });
  const seedDir = join(root, "seed");
  const here = join(root, "here");
  await Deno.mkdir(seedDir);
  await Deno.mkdir(here);
  const source = join(seedDir, "data.bin");
  await writeRandomFile(source, SIZE, { seed: 5 });
  const server = await startServer();
  const seeder = await startPeer(server.address, { args: ["--register", source], cwd: seedDir });
  const fileId = (await seeder.stdout.waitFor(/File ID: ([0-9a-f]{64})/))[1];
  return {
    root,
    here,
    source,
    server,
    fileId,
    async close() {
      await seeder.stop();
      await server.stop();
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("--json prints one JSON event per line on stdout", async () => {
  const cluster = await seeded("p2pft-json-");
  try {
    const result = await runPeer(cluster.server.address, {
      args: ["--json", "--download", cluster.fileId.slice(0, 8), "--out", cluster.here],
    });
    assertEquals(result.code, 0, result.stderr);
    const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assertEquals(events[0].event, "listening");
    const downloaded = events.find((event) => event.event === "downloaded");
    assertEquals(downloaded.path, join(cluster.here, "data.bin"));
    assertEquals(downloaded.size, SIZE);
    assertEquals(downloaded.fileId, cluster.fileId);
    assertEquals(await sha256File(downloaded.path), await sha256File(cluster.source));
  } finally {
    await cluster.close();
  }
});

Deno.test("--quiet keeps result lines and drops progress and info logs", async () => {
  const cluster = await seeded("p2pft-quiet-");
  try {
    const result = await runPeer(cluster.server.address, {
      args: ["--quiet", "--download", cluster.fileId, "--out", cluster.here],
    });
    assertEquals(result.code, 0, result.stderr);
    assert(result.stdout.includes(`Downloaded: ${join(cluster.here, "data.bin")}`));
    assertEquals(result.stderr.trim(), "");
  } finally {
    await cluster.close();
  }
});

Deno.test({
  name: "a one-shot download on a terminal draws a bar and a summary",
  ignore: !HAS_TMUX,
}, async () => {
  const cluster = await seeded("p2pft-bar-");
  const shell = await TmuxP2pft.start([
    "peer",
    "--addr",
    "127.0.0.1:0",
    "--server",
    cluster.server.address,
    "--download",
    cluster.fileId,
    "--exit-when-done",
  ], { cwd: cluster.here });
  try {
    const screen = await shell.waitFor(/EXIT=\d+/);
    assert(screen.includes("EXIT=0"), screen);
    assert(
      /#1 data\.bin \S+ 100% \| 12\.0 MiB\/12\.0 MiB \| .* \| ETA 0s \| \d sources?/.test(screen),
      screen,
    );
    assert(/data\.bin: 12\.0 MiB in .* every chunk verified/.test(screen), screen);
    assert(screen.includes(`Downloaded: ${join(cluster.here, "data.bin")}`), screen);
  } finally {
    await shell.kill();
    await cluster.close();
  }
});
