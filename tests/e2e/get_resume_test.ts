/**
 * A `get` killed half way resumes: run again with the same code (the same
 * send still running; its one receiver's place freed by the death), it
 * fetches only the chunks it lacks. Real processes in a network namespace
 * whose loopback is slowed down with `tc`, so the kill lands half way.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";
import { canCreateNamespaces } from "../discovery/agent.ts";
import { p2pftOn, tempDir } from "../helpers/cluster.ts";
import { createLan, type Lan } from "../../scripts/netns.ts";
import { journalChunks, waitUntil } from "../helpers/resume.ts";

const ignore = !canCreateNamespaces();
const MIB = 1024 * 1024;
/** The chunk size of the file sent: it is under 256 MiB. */
const CHUNK = MIN_CHUNK_SIZE;
const CHUNKS = 12;
/** Loopback's rate in the namespace: the file (12 MiB) takes seconds (about 5), not milliseconds. */
const RATE = "20mbit";
const SERVER = "127.0.0.1:8000";
/** Longest a get may take. */
const GET_TIMEOUT_MS = 60_000;

/** `p2pft <args>` in host 0 of `lan`, its per-user data folder under `dataHome` when given. */
function p2pft(lan: Lan, args: string[], dataHome?: string) {
  return p2pftOn(lan, 0, args, { env: dataHome ? { XDG_DATA_HOME: dataHome } : undefined });
}

/** The folder where gets keep their journals, once one made it. */
async function getStateDir(dataHome: string): Promise<string | undefined> {
  try {
    for await (const entry of Deno.readDir(join(dataHome, "p2pft", "received"))) {
      return join(dataHome, "p2pft", "received", entry.name);
    }
  } catch {
    // Not made yet.
  }
  return undefined;
}

/** Bytes of a size `send` printed, such as `52.0 MiB`. */
function parseSize(text: string): number {
  const [number, unit] = text.split(" ");
  const units: Record<string, number> = { B: 1, KiB: 1024, MiB: MIB, GiB: 1024 * MIB };
  return Number(number) * units[unit];
}

Deno.test({
  name: "a get killed half way, run again with the same code, fetches only the missing chunks",
  ignore,
  async fn() {
    await using lan = await createLan(1);
    const limit = await lan.output(0, [
      "tc",
      "qdisc",
      "add",
      "dev",
      "lo",
      "root",
      "tbf",
      "rate",
      RATE,
      "burst",
      "256kb",
      "latency",
      "400ms",
    ]);
    assert.ok(limit.success, new TextDecoder().decode(limit.stderr));
    await using dir = await tempDir("p2pft-get-resume-");
    const path = join(dir.path, "sent.bin");
    await writeRandomFile(path, CHUNKS * CHUNK - 1000, { seed: 63 });
    const dataHome = join(dir.path, "home");
    const out = join(dir.path, "out");
    await using server = p2pft(lan, ["server", "--addr", SERVER]);
    await server.listening();
    await using send = p2pft(lan, ["send", "--server", SERVER, "--addr", "127.0.0.1:0", path]);
    const code = (await send.stdout.waitFor(/^Code: (\S+)$/))[1];
    const getArgs = ["get", code, "--server", SERVER, "--addr", "127.0.0.1:0", "-o", out];

    {
      await using first = p2pft(lan, getArgs, dataHome);
      await waitUntil(async () => {
        const state = await getStateDir(dataHome);
        return state !== undefined && await journalChunks(state) >= CHUNKS / 2;
      }, "half of the chunks").catch((error) => {
        throw new Error(`${error.message}: ${first.describe()}`);
      });
      await first.stop("SIGKILL");
    }
    await send.stderr.waitFor(/left before it had everything; the code lets another in/);
    assert.ok((await Deno.stat(join(out, "sent.bin.part"))).isFile, "the .part file is kept");

    await using second = p2pft(lan, getArgs, dataHome);
    const status = await second.exit(GET_TIMEOUT_MS);
    assert.equal(status.code, 0, `${second.describe()}\n${send.describe()}\n${server.describe()}`);
    const resumed = second.stderr.text.match(
      new RegExp(`resuming sent\\.bin: (\\d+) of ${CHUNKS} chunks already verified`),
    );
    assert.ok(resumed, second.describe());
    const kept = Number(resumed[1]);
    assert.ok(kept >= CHUNKS / 2, `${kept} chunks kept`);
    assert.equal(await sha256File(join(out, "sent.bin")), await sha256File(path));
    await assert.rejects(Deno.stat(join(out, "sent.bin (1)")), "no second copy");

    assert.equal((await send.exit(20_000)).code, 0, send.describe());
    const sent = send.stderr.text.match(/sent to 1 receiver\(s\), (\S+ \S+) uploaded/);
    assert.ok(sent, send.describe());
    // Starting over would take everything again after the chunks kept.
    assert.ok(
      parseSize(sent[1]) < (CHUNKS + kept) * CHUNK - 1000,
      `the sender uploaded ${
        sent[1]
      } in all, for a ${CHUNKS}-chunk file of which ${kept} were kept`,
    );
    assert.equal(await getStateDir(dataHome), undefined, "a get that has everything keeps nothing");
  },
});
