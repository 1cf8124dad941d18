/**
 * `p2pft send` and `p2pft get` through a server, as real processes on
 * 127.0.0.1: one receiver, several at once, a folder with a file beside it,
 * a wrong code, a code that expired, a code burned by wrong tries. (The LAN
 * case, with no server, runs in network namespaces: send_get_lan_test.ts.)
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { P2pftProcess, runP2pft } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { startCluster } from "../helpers/cluster.ts";

const MIB = 1024 * 1024;

/** `p2pft send <args>` through `server` on loopback; resolves once it printed its code. */
async function startSend(server: string, args: string[]) {
  const send = new P2pftProcess(["send", "--server", server, "--addr", "127.0.0.1:0", ...args]);
  if (args.includes("--json")) {
    const { code, command } = await send.waitForEvent("code");
    return { send, code, command };
  }
  const code = (await send.stdout.waitFor(/^Code: (\S+)$/))[1];
  const command = (await send.stdout.waitFor(/^On the other side run: (.+)$/))[1];
  return { send, code, command };
}

/** Runs `p2pft get <code>` through `server` into `out` to its end. */
function get(server: string, code: string, out: string, args: string[] = []) {
  return runP2pft(["get", code, "--server", server, "--addr", "127.0.0.1:0", "-o", out, ...args]);
}

Deno.test("send prints one code and the exact get command; get fetches the file, verified, and both exit 0", async () => {
  await using cluster = await startCluster("p2pft-send-");
  const path = await cluster.file("movie.bin", { size: 9 * MIB + 7, seed: 81 });
  const { send, code, command } = await startSend(cluster.server.address, [path]);
  await using _send = send;
  assert.match(code, /^\d+-[a-z]+-[a-z]+-[a-z]+$/);
  assert.equal(command, `p2pft get ${code} --server ${cluster.server.address}`);
  const out = join(cluster.dir, "out");
  const result = await get(cluster.server.address, code, out);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^Downloaded: ${join(out, "movie.bin")}$`, "m"));
  assert.match(result.stderr, /the code is right: fetching movie\.bin/);
  assert.equal(await sha256File(join(out, "movie.bin")), await sha256File(path));
  const exit = await send.exit(20_000);
  assert.equal(exit.code, 0, send.describe());
  assert.match(send.stderr.text, /receiver 127\.0\.0\.1 has everything, verified/);
  assert.match(send.stderr.text, /sent to 1 receiver\(s\)/);
});

Deno.test("three receivers get one code at once and all get verified bytes", async () => {
  await using cluster = await startCluster("p2pft-send-");
  const path = await cluster.file("big.bin", { size: 40 * MIB + 3, seed: 82 });
  const { send, code } = await startSend(cluster.server.address, [
    path,
    "--max-receivers",
    "3",
    "--json",
  ]);
  await using _send = send;
  const outs = ["a", "b", "c"].map((name) => join(cluster.dir, name));
  const results = await Promise.all(
    outs.map((out) => get(cluster.server.address, code, out, ["--json"])),
  );
  const expected = await sha256File(path);
  for (const [i, result] of results.entries()) {
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await sha256File(join(outs[i], "big.bin")), expected, outs[i]);
  }
  assert.equal((await send.exit(20_000)).code, 0, send.describe());
  const finished = send.events().filter((event) =>
    event.event === "receiver" && event.state === "finished"
  );
  assert.equal(finished.length, 3);
});

Deno.test("several paths go under one code: a folder and a file beside it", async () => {
  await using cluster = await startCluster("p2pft-send-");
  const file = await cluster.file("notes.txt", { size: 1000, seed: 83 });
  const inside = await cluster.file("album/2024/a.jpg", { size: 5 * MIB, seed: 84 });
  await cluster.file("album/b.jpg", { size: 12, seed: 85 });
  const { send, code } = await startSend(cluster.server.address, [
    file,
    join(cluster.dir, "album"),
  ]);
  await using _send = send;
  const out = join(cluster.dir, "out");
  const result = await get(cluster.server.address, code, out);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "notes.txt")), await sha256File(file));
  assert.equal(await sha256File(join(out, "album", "2024", "a.jpg")), await sha256File(inside));
  assert.equal((await Deno.stat(join(out, "album", "b.jpg"))).size, 12);
  assert.equal((await send.exit(20_000)).code, 0);
});

Deno.test("a wrong code fails clearly, counts as a wrong try, and the right code still works", async () => {
  await using cluster = await startCluster("p2pft-send-");
  const path = await cluster.file("a.bin", { size: 1000, seed: 86 });
  const { send, code } = await startSend(cluster.server.address, [path]);
  await using _send = send;
  const [nameplate, ...words] = code.split("-");
  const wrong = [nameplate, ...words.slice(0, -1), words.at(-1) === "zoo" ? "abandon" : "zoo"]
    .join("-");
  const out = join(cluster.dir, "out");
  const refused = await get(cluster.server.address, wrong, out);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /p2pft: wrong code: check every word with the sender/);
  await send.stderr.waitFor(/a wrong code was tried from 127\.0\.0\.1 \(2 wrong tries left/);
  const typo = await get(cluster.server.address, `${nameplate}-coper-violin-river`, out);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /"coper" is not a word of transfer codes \(did you mean .*copper/);
  const result = await get(cluster.server.address, code, out);
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await send.exit(20_000)).code, 0);
});

Deno.test("after three wrong codes the code stops working, even the right one, and send exits 1", async () => {
  await using cluster = await startCluster("p2pft-send-");
  const path = await cluster.file("a.bin", { size: 1000, seed: 87 });
  const { send, code } = await startSend(cluster.server.address, [path]);
  await using _send = send;
  const nameplate = code.split("-")[0];
  const out = join(cluster.dir, "out");
  for (const guess of ["abandon-ability-able", "zoo-zone-zero", "able-about-above"]) {
    const result = await get(cluster.server.address, `${nameplate}-${guess}`, out);
    assert.equal(result.code, 1);
  }
  const exit = await send.exit(20_000);
  assert.equal(exit.code, 1);
  assert.match(send.stderr.text, /the code stopped working after 3 wrong tries: run send again/);
  const late = await get(cluster.server.address, code, out);
  assert.equal(late.code, 1);
  assert.match(late.stderr, /no transfer with code number \d+ on this server: .*expired/);
});

Deno.test("an expired code is refused with what to do, and send exits 1 with no receiver", async () => {
  await using cluster = await startCluster("p2pft-send-");
  const path = await cluster.file("a.bin", { size: 1000, seed: 88 });
  const { send, code } = await startSend(cluster.server.address, [path, "--timeout", "1"]);
  await using _send = send;
  await send.stderr.waitFor(/the code has expired/);
  const exit = await send.exit(20_000);
  assert.equal(exit.code, 1);
  assert.match(send.stderr.text, /sent to 0 receiver\(s\)/);
  const result = await get(cluster.server.address, code, join(cluster.dir, "out"));
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /no transfer with code number \d+ .*ask the sender for the code again/,
  );
});

Deno.test("send checks its paths first, and without the network key cannot use a members-only server", async () => {
  await using cluster = await startCluster("p2pft-send-");
  const missing = await runP2pft([
    "send",
    join(cluster.dir, "nope.bin"),
    "--server",
    "127.0.0.1:1",
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot send .*nope\.bin: no such file or folder/);
  const path = await cluster.file("a.bin", { size: 10, seed: 89 });
  const keyless = await runP2pft(
    ["send", path, "--server", cluster.server.address, "--addr", "127.0.0.1:0"],
    { key: false },
  );
  assert.equal(keyless.code, 1);
  assert.match(keyless.stderr, /cannot hold a code on the server .*requires a network key/);
});
