/**
 * Peers behind NAT (network namespaces, a router doing nftables masquerade):
 * the server dials each registering peer back and tells it whether it is
 * reachable, and a seeder behind the NAT, which nobody can dial, serves a
 * downloader on the public side over a connection it dials itself at the
 * server's request (connection reversal).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { fileIds, p2pftOn, tempDir } from "../helpers/cluster.ts";
import { createLan } from "../../scripts/netns.ts";
import { addNatHost, hasNftables } from "../helpers/nat.ts";
import { canCreateNamespaces } from "../discovery/agent.ts";

const ignore = !canCreateNamespaces() || !hasNftables();
const SERVER_PORT = 8000;
const MIB = 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 60_000;

Deno.test({
  name: "a seeder behind NAT is reported unreachable, a public peer reachable, and the public " +
    "peer downloads from the seeder through reversal",
  ignore,
  async fn() {
    // Host 0: the server; host 1: a public peer; host 2: the router; host 3: behind it.
    await using lan = await createLan(3);
    await using nat = await addNatHost(lan, { router: 2 });
    await using dir = await tempDir("p2pft-nat-");
    const path = join(dir.path, "shared.bin");
    await writeRandomFile(path, 9 * MIB + 5, { seed: 71 });
    const server = `${lan.hosts[0].ip}:${SERVER_PORT}`;
    await using central = p2pftOn(lan, 0, ["server", "--addr", `0.0.0.0:${SERVER_PORT}`]);
    await central.listening();

    await using seeder = p2pftOn(lan, nat.host.index, [
      "peer",
      "-s",
      server,
      "--data-dir",
      join(dir.path, "seeder"),
      "-r",
      path,
    ]);
    const [id] = await fileIds(seeder);
    const seenAt = `${nat.publicIp.replaceAll(".", "\\.")}:8001`;
    await seeder.stderr.waitFor(new RegExp(`not reachable from the server at ${seenAt}:`));

    const out = join(dir.path, "out");
    await using downloader = p2pftOn(lan, 1, [
      "peer",
      "-s",
      server,
      "--data-dir",
      join(dir.path, "downloader"),
      "--json",
      "-d",
      id,
      "-o",
      out,
      "--exit-when-done",
    ]);
    const status = await downloader.exit(DOWNLOAD_TIMEOUT_MS);
    assert.equal(status.code, 0, downloader.describe());
    const publicIp = lan.hosts[1].ip.replaceAll(".", "\\.");
    assert.match(downloader.stderr.text, new RegExp(`reachable at ${publicIp}:8001`));
    const downloaded = await downloader.waitForEvent("downloaded", 0);
    assert.equal(await sha256File(downloaded.path), await sha256File(path));
    assert.match(downloader.stderr.text, /peer \S+ cannot be dialled: it dialled this peer back/);
    assert.match(seeder.stderr.text, /dialled peer \S+ back at 10\.213\.0\.2:8001/);
    await seeder.stop();
    assert.ok(
      (await seeder.uploaded()).bytes >= 9 * MIB,
      "the seeder behind the NAT served it all",
    );
  },
});
