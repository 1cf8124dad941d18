/**
 * `deno task demo`: the whole of p2pft on loopback. Starts a central server
 * and two peers, shares a generated file from the first, downloads it with
 * the second, verifies the bytes and prints what happened.
 *
 * @module
 */

import { join } from "node:path";
import { type P2pftProcess, runPeer, startPeer, startServer } from "./process_harness.ts";
import { sha256File, writeRandomFile } from "./sample_files.ts";
import { formatBytes, formatDuration, formatRate } from "../src/cli/format.ts";
import { chunkSizeFor } from "../src/storage/manifest.ts";

const DEMO_FILE_BYTES = 64 * 1024 * 1024 + 12_345;
const DEMO_SEED = 2026;

function step(text: string): void {
  console.log(`\n== ${text}`);
}

function show(process: P2pftProcess, prefix: string): void {
  for (const line of process.stdout.lines) console.log(`   ${prefix} | ${line}`);
}

async function main(): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-demo-" });
  await using cleanUp = new AsyncDisposableStack();
  cleanUp.defer(() => Deno.remove(dir, { recursive: true }));

  step(`Generating a ${formatBytes(DEMO_FILE_BYTES)} file in ${dir}`);
  const source = join(dir, "shared", "demo-video.bin");
  await Deno.mkdir(join(dir, "shared"));
  await writeRandomFile(source, DEMO_FILE_BYTES, { seed: DEMO_SEED });

  step("Starting the central server on a free loopback port");
  const server = cleanUp.use(await startServer());
  show(server, "server");

  step(
    `Peer A shares the file (it is hashed in ${formatBytes(chunkSizeFor(DEMO_FILE_BYTES))} chunks)`,
  );
  const seeder = cleanUp.use(await startPeer(server.address, { args: ["--register", source] }));
  const fileId = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64}) {2}/))[1];
  show(seeder, "peer A");

  const prefix = fileId.slice(0, 10);
  step(`Peer B downloads it by ID prefix ${prefix} and exits when done`);
  const out = join(dir, "downloads");
  await Deno.mkdir(out);
  const started = Date.now();
  const result = await runPeer(server.address, {
    args: ["--download", prefix, "--out", out],
  });
  const elapsed = Date.now() - started;
  for (const line of result.stdout.trim().split("\n")) console.log(`   peer B | ${line}`);
  if (result.code !== 0) {
    console.log(result.stderr);
    console.log(`\nFAILED: peer B exited with ${result.code}`);
    return false;
  }

  step("Verifying");
  const [expected, actual] = await Promise.all([
    sha256File(source),
    sha256File(join(out, "demo-video.bin")),
  ]);
  console.log(`   original   sha256 ${expected}`);
  console.log(`   downloaded sha256 ${actual}`);
  const ok = expected === actual;
  console.log(
    `\n${ok ? "OK" : "FAILED"}: ${formatBytes(DEMO_FILE_BYTES)} moved peer to peer in ` +
      `${formatDuration(elapsed)} (${formatRate(DEMO_FILE_BYTES, elapsed)} including ` +
      `process start-up), every chunk verified${ok ? "" : ", but the bytes differ"}`,
  );
  return ok;
}

if (import.meta.main) {
  Deno.exit(await main() ? 0 : 1);
}
