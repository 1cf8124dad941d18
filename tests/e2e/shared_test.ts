/**
 * What a peer shares, through real processes: its downloads are re-shared
 * and remembered by default; `shared` lists them with where each comes
 * from, `unshare` (shell) and `--unshare` (command line) stop one for good,
 * and `--no-reshare` keeps downloads to the peer; `peer --shared` prints the
 * same list from the data folder and exits, without a server.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { eventsNamed, peerArgs, runP2pft, runPeer } from "../../scripts/process_harness.ts";
import { startCluster } from "../helpers/cluster.ts";

const MIB = 1024 * 1024;

Deno.test("a download is re-shared and listed by shared; unshare stops it for good", async () => {
  await using cluster = await startCluster("p2pft-shared-");
  const path = await cluster.file("seed/movie.bin", { size: MIB, seed: 81 });
  const { ids: [id] } = await cluster.share([path]);
  const dataDir = join(cluster.dir, "state");
  const out = join(cluster.dir, "out");
  const got = await runPeer(cluster.server.address, {
    args: ["--data-dir", dataDir, "-d", id, "-o", out],
  });
  assert.equal(got.code, 0, got.stderr);
  const shell = (script: string[], args: string[] = []) =>
    runP2pft(peerArgs(cluster.server.address, ["-i", "--data-dir", dataDir, ...args]), {
      input: [...script, "exit"].join("\n") + "\n",
    });
  const listed = await shell(["shared", "unshare movie.bim", "unshare movie.bin", "shared"]);
  assert.equal(listed.code, 1, `a piped script with a failed command exits 1:\n${listed.stderr}`);
  assert.match(listed.stderr, /sharing again 1 item\(s\) shared before \(1 downloaded\)/);
  assert.match(
    listed.stdout,
    new RegExp(
      `^${id.slice(0, 12)}\\s+movie\\.bin\\s+1\\.0 MiB\\s+downloaded\\s+${join(out, "movie.bin")}$`,
      "m",
    ),
  );
  assert.match(listed.stderr, /error: this peer shares nothing named movie\.bim .*did you mean/);
  assert.match(
    listed.stdout,
    new RegExp(`^no longer sharing movie\\.bin \\(${join(out, "movie.bin")}\\)$`, "m"),
  );
  assert.match(listed.stdout, /^this peer shares nothing yet/m);
  assert.doesNotMatch(listed.stderr, /cannot reach the server/, "leaving is not a lost server");
  const after = await shell(["shared"]);
  assert.match(
    after.stdout,
    /^this peer shares nothing yet/m,
    "not shared again at the next start",
  );
});

Deno.test("--no-reshare keeps downloads to the peer; --unshare drops a remembered share at start", async () => {
  await using cluster = await startCluster("p2pft-shared-");
  const path = await cluster.file("seed/song.bin", { size: MIB, seed: 82 });
  const { ids: [id] } = await cluster.share([path]);
  const list = (dataDir: string) =>
    runP2pft(peerArgs(cluster.server.address, ["-i", "--data-dir", dataDir]), {
      input: "shared\nexit\n",
    });
  const keptDir = join(cluster.dir, "private");
  const kept = await runPeer(cluster.server.address, {
    args: ["--no-reshare", "--data-dir", keptDir, "-d", id, "-o", join(cluster.dir, "a")],
  });
  assert.equal(kept.code, 0, kept.stderr);
  assert.match((await list(keptDir)).stdout, /^this peer shares nothing yet/m);

  const open = join(cluster.dir, "open");
  await runPeer(cluster.server.address, {
    args: ["--data-dir", open, "-d", id, "-o", join(cluster.dir, "b")],
  });
  assert.match((await list(open)).stdout, /song\.bin .*downloaded/);
  const dropped = await runPeer(cluster.server.address, {
    args: ["--data-dir", open, "--unshare", id.slice(0, 8)],
  });
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.match(dropped.stderr, /no longer sharing .*song\.bin/);
  assert.match((await list(open)).stdout, /^this peer shares nothing yet/m);
});

Deno.test("peer --shared lists what a peer shares from its data folder and exits, with no server", async () => {
  await using cluster = await startCluster("p2pft-shared-");
  const seed = await cluster.file("seed/song.bin", { size: MIB, seed: 83 });
  const { ids: [downloadedId] } = await cluster.share([seed]);
  const own = await cluster.file("mine/notes.txt", { size: 1000, seed: 84 });
  const dataDir = join(cluster.dir, "state");
  const out = join(cluster.dir, "out");
  const run = await runPeer(cluster.server.address, {
    args: ["--data-dir", dataDir, "-r", own, "-d", downloadedId, "-o", out],
  });
  assert.equal(run.code, 0, run.stderr);
  const ownId = run.stdout.match(/^File ID: ([0-9a-f]{64})/m)![1];
  // No server there: --shared must not try to reach one.
  const nowhere = ["--server", "127.0.0.1:1", "--data-dir", dataDir, "--shared"];
  const started = Date.now();
  const listed = await runP2pft(["peer", ...nowhere], { timeoutMs: 20_000 });
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(Date.now() - started < 10_000, "it lists at once");
  assert.doesNotMatch(listed.stderr, /server/, listed.stderr);
  const lines = listed.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^ID\s+NAME\s+SIZE\s+FROM\s+PATH$/);
  assert.match(
    listed.stdout,
    new RegExp(`^${ownId.slice(0, 12)}\\s+notes\\.txt\\s+1000 B\\s+registered\\s+${own}$`, "m"),
  );
  assert.match(
    listed.stdout,
    new RegExp(
      `^${downloadedId.slice(0, 12)}\\s+song\\.bin\\s+1\\.0 MiB\\s+downloaded\\s+` +
        `${join(out, "song.bin")}$`,
      "m",
    ),
  );
  const json = await runP2pft(["peer", ...nowhere, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(
    eventsNamed(json.events, "shared").map((event) => [event.fileId, event.from]).sort(),
    [[ownId, "registered"], [downloadedId, "downloaded"]].sort(),
  );
  const empty = await runP2pft(["peer", "--data-dir", join(cluster.dir, "none"), "--shared"]);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /^this peer shares nothing yet; -r PATH shares a file or folder$/m);
  const acting = await runP2pft(["peer", ...nowhere, "-r", own]);
  assert.equal(acting.code, 1);
  assert.match(acting.stderr, /--shared only lists: run it without -r/);
});
