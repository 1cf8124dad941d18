/**
 * Serverless LAN mode when it finds little: a lookup that finds nobody says
 * how many peers answered and what to check, and `list peers` counts the
 * files of LAN peers. Every process runs in its own network namespace.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { P2pftProcess } from "../../scripts/process_harness.ts";
import { fileIds, tempDir } from "../helpers/cluster.ts";
import { createLan, type Lan } from "../../scripts/netns.ts";
import { canCreateNamespaces } from "./agent.ts";

const ignore = !canCreateNamespaces();

/** `p2pft peer --lan <args>` in host `host` of `lan`, mDNS on. */
function lanPeer(lan: Lan, host: number, args: string[], stdin?: "piped"): P2pftProcess {
  return new P2pftProcess(["peer", "--lan", "--addr", "0.0.0.0:0", ...args], {
    mdns: true,
    stdin,
    launch: (cmd, options) => lan.exec(host, cmd, options),
  });
}

Deno.test({
  name: "--lan that finds nobody says no peer answered and what to check",
  ignore,
  async fn() {
    await using lan = await createLan(1);
    await using peer = lanPeer(lan, 0, [
      "--discover-timeout",
      "1",
      "-d",
      "abcd1234",
      "--exit-when-done",
    ]);
    const status = await peer.exit();
    assert.equal(status.code, 1, peer.stderr.text);
    assert.match(
      peer.stderr.text,
      /no file with ID abcd1234 is shared: no peer was found over mDNS within 1 s; are the other peers on this LAN .*UDP 5353/,
    );
  },
});

Deno.test({
  name: "list peers counts the files of LAN peers",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    await using dir = await tempDir("p2pft-lan-mode-");
    const paths = [join(dir.path, "one.txt"), join(dir.path, "two.txt")];
    for (const path of paths) await Deno.writeTextFile(path, `${path}\n`);
    await using sharer = lanPeer(lan, 0, paths.flatMap((path) => ["-r", path]));
    await fileIds(sharer, { count: 2 });
    await using shell = lanPeer(lan, 1, ["-i"], "piped");
    await shell.stderr.waitFor(/LAN peer .* up/);
    await shell.input("list peers\nexit\n");
    assert.equal((await shell.exit()).code, 0, shell.stderr.text);
    assert.match(shell.stdout.text, new RegExp(`^${lan.hosts[0].ip}:\\d+\\s+\\S+\\s+2\\s`, "m"));
  },
});
