import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { peerArgs, runP2pft } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { startCluster, tempDir } from "../helpers/cluster.ts";

Deno.test("server shell reads piped commands and prints plain output", async () => {
  await using dir = await tempDir("p2pft-piped-server-");
  const result = await runP2pft(["server", "-i", "--addr", "127.0.0.1:0"], {
    cwd: dir.path,
    input: "status\nlist peers\nlist files\nlist nothing\nexit\n",
  });
  assertEquals(result.code, 1, "a command failed: the script's exit status says so");
  assert(/^p2pft server listening on 127\.0\.0\.1:\d+$/m.test(result.stdout), result.stdout);
  assert(/^peers\s+0$/m.test(result.stdout), result.stdout);
  assert(result.stdout.includes("no peers connected"), result.stdout);
  assert(result.stdout.includes("no files indexed"), result.stdout);
  assert(/error: .*'nothing' is invalid/.test(result.stderr), result.stderr);
  assert(!result.stdout.includes("\x1b") && !result.stdout.includes("p2pft server>"));
});

Deno.test("a piped script whose commands all succeed exits 0, at its end or at exit", async () => {
  await using dir = await tempDir("p2pft-piped-server-");
  for (const input of ["status\nhelp\n", "status\nexit\n"]) {
    const result = await runP2pft(["server", "-i", "--addr", "127.0.0.1:0"], {
      cwd: dir.path,
      input,
    });
    assertEquals(result.code, 0, result.stderr);
  }
});

Deno.test("peer shell runs a piped script: register, download, wait, lists", async () => {
  await using cluster = await startCluster("p2pft-piped-peer-");
  const here = join(cluster.dir, "here");
  await Deno.mkdir(join(here, "out"), { recursive: true });
  const source = await cluster.file("seed/piped.bin", { size: 9 * 1024 * 1024 + 5, seed: 11 });
  await cluster.file("here/local.txt", { size: 100, seed: 12 });
  const { ids: [fileId] } = await cluster.share([source]);
  const result = await runP2pft(peerArgs(cluster.server.address, ["-i"]), {
    cwd: here,
    input: [
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
  });
  assertEquals(result.code, 1, "commands failed: the script's exit status says so");
  const localId = result.stdout.match(/^File ID: ([0-9a-f]{64}) {2}/m)?.[1];
  assert(localId, result.stdout);
  assertEquals(
    (result.stdout + result.stderr).split(localId).length - 1,
    1,
    `register prints the ID once:\n${result.stdout}\n${result.stderr}`,
  );
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
});

Deno.test("the peer shell's register expands ~ and patterns into several paths", async () => {
  await using cluster = await startCluster("p2pft-piped-glob-");
  const here = join(cluster.dir, "here");
  for (const name of ["a.jpg", "b.jpg", "c.txt"]) {
    await cluster.file(`here/${name}`, {
      size: 1000 + name.charCodeAt(0),
      seed: name.charCodeAt(0),
    });
  }
  await cluster.file("home/notes.md", { size: 500, seed: 3 });
  const result = await runP2pft(peerArgs(cluster.server.address, ["-i"]), {
    cwd: here,
    env: { HOME: join(cluster.dir, "home") },
    input: "register *.jpg ~/notes.md\nregister *.png\nexit\n",
  });
  assertEquals(result.code, 1, "register *.png failed");
  assertEquals(result.stdout.match(/^File ID: [0-9a-f]{64} {2}/gm)?.length, 3, result.stdout);
  assert(/no path matches \*\.png/.test(result.stderr + result.stdout), result.stderr);
});

Deno.test("a background download that fails makes the piped script exit 1", async () => {
  await using cluster = await startCluster("p2pft-piped-fail-");
  const source = await cluster.file("bad.bin", { size: 5 * 1024 * 1024, seed: 13 });
  const { id } = await cluster.rogue(source, "corrupt");
  const result = await runP2pft(peerArgs(cluster.server.address, ["-i"]), {
    cwd: cluster.dir,
    input: `download ${id} out\nwait\n`,
  });
  assert(result.stderr.includes("error: download #1 bad.bin failed"), result.stderr);
  assertEquals(result.code, 1, result.stderr);
});
