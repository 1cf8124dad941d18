import assert from "node:assert/strict";
import { readOptions } from "./bench_options.ts";

const MIB = 1024 * 1024;

Deno.test("bench options: --help asks for the usage; no options run everything at full size", () => {
  assert.equal(readOptions(["--help"]), null);
  const options = readOptions([])!;
  assert.equal(options.scenario, "all");
  assert.equal(options.size, 1024 * MIB);
  assert.equal(options.swarmSize, 256 * MIB);
  assert.equal(options.runs, 3);
  assert.equal(options.profileDir, null);
});

Deno.test("bench options: --quick shrinks what was not given; given values win", () => {
  const options = readOptions(["--quick", "--scenario", "swarm", "--swarm-size", "32M"])!;
  assert.equal(options.scenario, "swarm");
  assert.equal(options.size, 128 * MIB);
  assert.equal(options.swarmSize, 32 * MIB);
  assert.equal(options.folderFiles, 1_000);
  assert.equal(options.indexPeers, 500);
  assert.equal(options.runs, 1);
});

Deno.test("bench options: an unknown scenario or a count that is not positive is refused", () => {
  assert.throws(() => readOptions(["--scenario", "bogus"]), /--scenario must be single, swarm/);
  assert.throws(() => readOptions(["--runs", "0"]), /--runs must be a positive integer/);
  assert.throws(() => readOptions(["--folder-files", "1.5"]), /--folder-files must be/);
  assert.throws(() => readOptions(["--index-peers=-1"]), /--index-peers must be/);
});
