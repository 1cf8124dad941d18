/**
 * Names beside IDs, through real processes: the `File ID` line names the
 * file, `-d` takes a unique name, and a near miss of an ID or a name is
 * answered with the closest files.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { runPeer } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { startCluster } from "../helpers/cluster.ts";

const MIB = 1024 * 1024;

Deno.test("the File ID line names the file, and -d takes a unique name", async () => {
  await using ctx = await startCluster("p2pft-names-");
  const path = await ctx.file("report.bin", { size: MIB, seed: 71 });
  const { peer, ids: [id] } = await ctx.share([path]);
  assert.match(peer.stdout.text, new RegExp(`^File ID: ${id}  report\\.bin$`, "m"));
  const out = join(ctx.dir, "out");
  const result = await runPeer(ctx.server.address, { args: ["-d", "report.bin", "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "report.bin")), await sha256File(path));
});

Deno.test("a typo in a name or an ID gets a did-you-mean with the closest file", async () => {
  await using ctx = await startCluster("p2pft-names-");
  const path = await ctx.file("report.bin", { size: MIB, seed: 72 });
  const { ids: [id] } = await ctx.share([path]);
  const hint = new RegExp(`did you mean ${id.slice(0, 12)} \\(report\\.bin\\)\\?`);
  const byName = await runPeer(ctx.server.address, { args: ["-d", "reprot.bin", "-o", ctx.dir] });
  assert.equal(byName.code, 1, byName.stderr);
  assert.match(byName.stderr, /no file named reprot\.bin on the network/);
  assert.match(byName.stderr, hint);
  const typo = id.slice(0, 9) + (id[9] === "0" ? "1" : "0") + id.slice(10, 16);
  const byId = await runPeer(ctx.server.address, { args: ["-d", typo, "-o", ctx.dir] });
  assert.equal(byId.code, 1, byId.stderr);
  assert.match(byId.stderr, new RegExp(`no file with ID ${typo} is shared on the network`));
  assert.match(byId.stderr, hint);
});
