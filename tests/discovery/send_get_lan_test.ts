/**
 * `p2pft send` and `p2pft get` on a LAN with no server: the sender
 * advertises its nameplate over mDNS and receivers find it there. Every
 * process runs in a network namespace this test creates (mDNS never reaches
 * the machine's own interfaces).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { P2pftProcess } from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { tempDir } from "../helpers/cluster.ts";
import { createLan, type Lan } from "../../scripts/netns.ts";
import { canCreateNamespaces } from "./agent.ts";

const ignore = !canCreateNamespaces();
const MIB = 1024 * 1024;

/** `p2pft <args>` running inside host `host` of `lan`, mDNS on. */
function p2pft(lan: Lan, host: number, args: string[]): P2pftProcess {
  return new P2pftProcess(args, {
    mdns: true,
    key: false,
    launch: (cmd, options) => lan.exec(host, cmd, options),
  });
}

Deno.test({
  name: "with no server, two receivers on other hosts find the sender over mDNS and get the file",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    await using dir = await tempDir("p2pft-lan-send-");
    const path = join(dir.path, "lan.bin");
    await writeRandomFile(path, 12 * MIB + 5, { seed: 91 });
    await using send = p2pft(lan, 0, ["send", path, "--max-receivers", "2"]);
    const code = (await send.stdout.waitFor(/^Code: (\S+)$/))[1];
    const command = (await send.stdout.waitFor(/^On the other side run: (.+)$/))[1];
    assert.equal(command, `p2pft get ${code}`, "no server: the code is all the other side needs");
    const outs = [1, 2].map((host) => join(dir.path, `out${host}`));
    const receivers = [1, 2].map((host, i) => p2pft(lan, host, ["get", code, "-o", outs[i]]));
    for (const [i, receiver] of receivers.entries()) {
      await using _receiver = receiver;
      const exit = await receiver.exit();
      assert.equal(exit.code, 0, receiver.describe());
      assert.equal(await sha256File(join(outs[i], "lan.bin")), await sha256File(path));
    }
    assert.equal((await send.exit(20_000)).code, 0, send.describe());
    assert.match(send.stderr.text, new RegExp(`receiver ${lan.hosts[1].ip} has everything`));
    assert.match(send.stderr.text, new RegExp(`receiver ${lan.hosts[2].ip} has everything`));
  },
});

Deno.test({
  name: "with no server, a code nobody sends on the LAN fails within the discover timeout",
  ignore,
  async fn() {
    await using lan = await createLan(1);
    await using get = p2pft(lan, 0, [
      "get",
      "77-copper-violin-river",
      "--discover-timeout",
      "1",
      "-o",
      "/tmp",
    ]);
    const exit = await get.exit();
    assert.equal(exit.code, 1);
    assert.match(
      get.stderr.text,
      /no sender with code number 77 answered on the LAN within 1 s: check the code/,
    );
  },
});
