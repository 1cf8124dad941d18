/**
 * Downloaders feeding each other while they are still downloading.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  P2pftProcess,
  sha256File,
  startRogue,
  startServer,
  writeRandomFile,
} from "../helpers/cluster.ts";

const CHUNK = 4 * 1024 * 1024;

Deno.test("when the seeder sends each chunk only once, downloaders get the rest from each other", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-swarm-" });
  const server = await startServer();
  const chunks = 16;
  const path = join(dir, "swarm.bin");
  await writeRandomFile(path, chunks * CHUNK - 3, { seed: 61 });
  const seeder = startRogue(server.address, { file: path, mode: "slow:40,once" });
  try {
    const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    const downloaders = ["a", "b"].map((name) => {
      const out = join(dir, name);
      Deno.mkdirSync(out);
      return {
        out,
        process: new P2pftProcess([
          "peer",
          "--addr",
          "127.0.0.1:0",
          "--server",
          server.address,
          "-d",
          id,
          "-o",
          out,
        ]),
      };
    });
    for (const { out, process } of downloaders) {
      await process.stdout.waitFor(/^Downloaded: /, 60_000);
      assert.equal(await sha256File(join(out, "swarm.bin")), await sha256File(path));
    }
    assert.equal((await seeder.child.status).code, 9, "the seeder left after one copy");
    const fromSeeder = seeder.stdout.lines.filter((l) => l.startsWith("served chunk")).length;
    assert.equal(fromSeeder, chunks, "the seeder sent each chunk exactly once");
    const uploaded = [];
    for (const { process } of downloaders) {
      await process.stop();
      uploaded.push(Number((await process.stderr.waitFor(/uploaded (\d+) bytes/))[1]));
    }
    assert.ok(uploaded.every((bytes) => bytes > 0), `both downloaders served chunks: ${uploaded}`);
    assert.ok(uploaded[0] + uploaded[1] >= chunks * CHUNK - 3, "the swarm supplied the other copy");
  } finally {
    await seeder.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
