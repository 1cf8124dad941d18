/**
 * The integrity bugs of issue 11, each through real p2pft processes on
 * 127.0.0.1 (hostile members run inside this process, see
 * `tests/helpers/hostile.ts`): a substituted manifest is never written, two
 * downloads of one name stay apart, a `.part` file that is not ours
 * survives, a banned peer stays banned, and names from the network reach
 * the terminal only escaped.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  eventsNamed,
  peerArgs,
  runP2pft,
  runPeer,
  startPeer,
  startServer,
} from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { MAX_WINDOW } from "../../src/peer/constants.ts";
import { generateNetworkKey, parseNetworkKey } from "../../src/security/network_key.ts";
import { hashFile } from "../../src/storage/hash_file.ts";
import { numberedName } from "../../src/storage/safe_name.ts";
import { assertErrorEvent, fileIds, tempDir } from "../helpers/cluster.ts";
import { startCorruptSource, startSubstitutingServer } from "../helpers/hostile.ts";

const MIB = 1024 * 1024;

/** The network key of every process and hostile member of these tests. */
const KEY = generateNetworkKey();

/** The environment every p2pft process of these tests runs with. */
const env = { P2PFT_KEY: KEY };

/** Names in `dir`, sorted; none when it does not exist. */
function entries(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name).toSorted();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Waits (bounded) until `condition` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes a seeded random file of `size` bytes at `dir/name`; resolves to its path. */
async function file(dir: string, name: string, options: { size: number; seed: number }) {
  const path = join(dir, name);
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await writeRandomFile(path, options.size, { seed: options.seed });
  return path;
}

Deno.test("a server answering an ID or a prefix with another file is refused; nothing is written", async () => {
  await using dir = await tempDir("p2pft-integrity-");
  await using hostile = await startSubstitutingServer(parseNetworkKey(KEY));
  const wanted = await file(dir.path, "wanted.bin", { size: 6 * MIB, seed: 1 });
  const substitute = await file(dir.path, "substitute.bin", { size: 6 * MIB, seed: 2 });
  const { fileId: wantedId } = await hashFile(wanted);
  await using seeder = await startPeer(hostile.address, { env, args: ["-r", substitute] });
  const [substituteId] = await fileIds(seeder);
  await until(() => hostile.shared().length === 1, "the substitute to be shared");
  const out = join(dir.path, "out");
  for (const query of [wantedId, wantedId.slice(0, 10)]) {
    const result = await runPeer(hostile.address, {
      env,
      args: ["--json", "-d", query, "-o", out],
    });
    assert.equal(result.code, 1, result.stderr);
    assertErrorEvent(result, /the server answered \w+ with another file \(\w+\): refusing it/);
    assert.deepEqual(entries(out), [], "not a byte written");
  }
  assert.deepEqual(hostile.lookups, [wantedId, wantedId.slice(0, 10)], "the lie was told");
  const fair = await runPeer(hostile.address, {
    env,
    args: ["--json", "-d", substituteId, "-o", out],
  });
  assert.equal(fair.code, 0, `the substitute itself downloads from there:\n${fair.stderr}`);
  assert.equal(await sha256File(join(out, "substitute.bin")), await sha256File(substitute));
});

Deno.test("two different files of one name, downloaded at once, land whole under two names", async () => {
  await using dir = await tempDir("p2pft-integrity-");
  await using server = await startServer({ env });
  const a = await file(dir.path, "a/data.bin", { size: 24 * MIB + 3, seed: 3 });
  const b = await file(dir.path, "b/data.bin", { size: 24 * MIB + 3, seed: 4 });
  await using seeder = await startPeer(server.address, { env, args: ["-r", a, "-r", b] });
  const ids = await fileIds(seeder, { count: 2 });
  const out = join(dir.path, "out");
  const result = await runPeer(server.address, {
    env,
    args: ["--json", "-d", ids[0], "-d", ids[1], "-o", out],
  });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(entries(out), ["data (1).bin", "data.bin"], "no .part left, no shared name");
  const saved = await Promise.all(entries(out).map((name) => sha256File(join(out, name))));
  const shared = await Promise.all([a, b].map(sha256File));
  assert.deepEqual(saved.toSorted(), shared.toSorted(), "each file whole, none mixed");
  const paths = eventsNamed(result.events, "downloaded").map((event) => event.path);
  assert.equal(new Set(paths).size, 2);
});

Deno.test("a .part file already in the download folder is left as it was", async () => {
  await using dir = await tempDir("p2pft-integrity-");
  await using server = await startServer({ env });
  const shared = await file(dir.path, "seed/data.bin", { size: 9 * MIB, seed: 5 });
  await using seeder = await startPeer(server.address, { env, args: ["-r", shared] });
  const [id] = await fileIds(seeder);
  const out = join(dir.path, "out");
  await Deno.mkdir(out);
  const foreign = join(out, "data.bin.part");
  await Deno.writeTextFile(foreign, "another program's unfinished download");
  const result = await runPeer(server.address, { env, args: ["--json", "-d", id, "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(shared));
  assert.equal(await Deno.readTextFile(foreign), "another program's unfinished download");
  assert.deepEqual(entries(out), ["data.bin", "data.bin.part"]);
});

Deno.test("a banned peer stays banned: with it as the only source the download fails clearly", async () => {
  await using dir = await tempDir("p2pft-integrity-");
  await using server = await startServer({ env });
  const shared = await file(dir.path, "seed/data.bin", { size: 40 * MIB, seed: 6 });
  await using liar = await startCorruptSource(server.address, {
    file: shared,
    networkKey: parseNetworkKey(KEY),
  });
  const out = join(dir.path, "out");
  const result = await runPeer(server.address, {
    env,
    args: ["--json", "-d", liar.fileId, "-o", out],
    timeoutMs: 60_000,
  });
  assert.equal(result.code, 1, result.stderr);
  assertErrorEvent(result, /sent chunks that failed verification and is banned/);
  assert.ok(
    liar.asked.length <= MAX_WINDOW,
    `the banned peer was asked ${liar.asked.length} times`,
  );
  assert.ok(!entries(out).includes("data.bin"), "no file saved");
});

Deno.test("names from the network reach logs, progress, results and tables only escaped", async () => {
  await using dir = await tempDir("p2pft-integrity-");
  await using server = await startServer({ env, args: ["--log-level", "debug"] });
  const evil = "evil\u001b[2J\nERROR [peer] forged\u202e.bin";
  const shared = await file(dir.path, `seed/${evil}`, { size: 5 * MIB, seed: 7 });
  await using seeder = await startPeer(server.address, { env, args: ["-r", shared] });
  const [id] = await fileIds(seeder);
  const out = join(dir.path, "out");
  const saved = "evil_[2J_ERROR [peer] forged_.bin";
  await file(out, saved, { size: 10, seed: 8 });
  const download = await runPeer(server.address, { env, args: ["-d", id, "-o", out] });
  assert.equal(download.code, 0, download.stderr);
  assert.deepEqual(entries(out), [saved, numberedName(saved, 1)].toSorted());
  const shell = await runP2pft(peerArgs(server.address, ["-i"]), {
    env,
    input: "list files\nexit\n",
  });
  assert.equal(shell.code, 0, shell.stderr);
  await server.stop();
  const escaped = "evil\\u001b[2J\\nERROR [peer] forged\\u202e.bin";
  assert.ok(download.stderr.includes(`[peer/download ${escaped}]`), download.stderr);
  assert.ok(download.stderr.includes(`${escaped}: 5.0 MiB in `), download.stderr);
  assert.ok(server.stderr.text.includes(`shares ${escaped}`), server.stderr.text);
  assert.ok(shell.stdout.includes(escaped), shell.stdout);
  const outputs = [
    download.stdout,
    download.stderr,
    shell.stdout,
    shell.stderr,
    server.stderr.text,
  ];
  for (const text of outputs) {
    const raw = ["\u001b", "\u202e"].filter((char) => text.includes(char));
    assert.deepEqual(raw, [], `a raw control character got out:\n${text}`);
    assert.ok(!/^ERROR \[peer\] forged/m.test(text), `a forged line got out:\n${text}`);
  }
});
