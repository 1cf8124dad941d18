import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import {
  runScripted,
  sha256File,
  startPeer,
  startServer,
  writeRandomFile,
} from "../helpers/cluster.ts";

Deno.test("server shell reads piped commands and prints plain output", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "p2pft-piped-server-" });
  try {
    const result = await runScripted(["server", "-i", "--addr", "127.0.0.1:0"], {
      cwd,
      script: "status\nlist peers\nlist files\nlist nothing\nexit\n",
    });
    assertEquals(result.code, 0, result.stderr);
    assert(/^p2pft server listening on 127\.0\.0\.1:\d+$/m.test(result.stdout), result.stdout);
    assert(/^peers\s+0$/m.test(result.stdout), result.stdout);
    assert(result.stdout.includes("no peers connected"), result.stdout);
    assert(result.stdout.includes("no files indexed"), result.stdout);
    assert(/error: .*'nothing' is invalid/.test(result.stderr), result.stderr);
    assert(!result.stdout.includes("\x1b") && !result.stdout.includes("p2pft server>"));
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("peer shell runs a piped script: register, download, wait, lists", async () => {
  const root = await Deno.makeTempDir({ prefix: "p2pft-piped-peer-" });
  const seedDir = join(root, "seed");
  const here = join(root, "here");
  await Deno.mkdir(seedDir);
  await Deno.mkdir(join(here, "out"), { recursive: true });
  const source = join(seedDir, "piped.bin");
  await writeRandomFile(source, 9 * 1024 * 1024 + 5, { seed: 11 });
  await writeRandomFile(join(here, "local.txt"), 100, { seed: 12 });
  const server = await startServer();
  const seeder = await startPeer(server.address, { args: ["--register", source], cwd: seedDir });
  try {
    const fileId = (await seeder.stdout.waitFor(/File ID: ([0-9a-f]{64})/))[1];
    const result = await runScripted(
      ["peer", "-i", "--addr", "127.0.0.1:0", "--server", server.address],
      {
        cwd: here,
        script: [
          "register local.txt",
          `download ${fileId.slice(0, 10)} out`,
          "wait",
          "downloads",
          "list files",
          "cancel 9",
          "frobnicate",
          "download",
          "exit",
        ].join("\n") + "\n",
      },
    );
    assertEquals(result.code, 0, result.stderr);
    assert(/^File ID: [0-9a-f]{64}$/m.test(result.stdout), result.stdout);
    const target = join(here, "out", "piped.bin");
    assert(result.stdout.includes(`Downloaded: ${target}`), result.stdout);
    assert(/#1\s+done\s+100%/.test(result.stdout), result.stdout);
    assert(/\*\s+[0-9a-f]{12}\s+piped\.bin/.test(result.stdout), result.stdout);
    assert(/piped\.bin: 9\.0 MiB in .*every chunk verified/.test(result.stderr), result.stderr);
    assert(result.stderr.includes("error: no download number 9"), result.stderr);
    assert(result.stderr.includes("error: unknown command 'frobnicate'"), result.stderr);
    assert(result.stderr.includes("error: missing required argument 'file'"), result.stderr);
    assert(!result.stdout.includes("\x1b") && !result.stderr.includes("\x1b"));
    assertEquals(await sha256File(target), await sha256File(source));
  } finally {
    await seeder.stop();
    await server.stop();
    await Deno.remove(root, { recursive: true });
  }
});
