/**
 * `p2pft send` and `p2pft get` on a terminal (tmux): the QR code of the get
 * command, the progress bar and summary of get, and Ctrl-C ending a send
 * that would otherwise wait for more receivers.
 */

import { ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { sha256File } from "../../scripts/sample_files.ts";
import { startCluster } from "../helpers/cluster.ts";
import { HAS_TMUX, TmuxP2pft } from "./tmux.ts";

const SIZE = 6 * 1024 * 1024 + 1;

Deno.test({
  name:
    "send --qr draws the get command as a QR code; get on a terminal shows its bar; Ctrl-C ends send",
  ignore: !HAS_TMUX,
}, async () => {
  await using cluster = await startCluster("p2pft-tty-send-");
  const source = await cluster.file("seed/photo.bin", { size: SIZE, seed: 95 });
  const here = join(cluster.dir, "here");
  await Deno.mkdir(here);
  const server = cluster.server.address;
  await using send = await TmuxP2pft.start(
    ["send", source, "--server", server, "--addr", "127.0.0.1:0", "--qr", "--max-receivers", "0"],
    { cwd: cluster.dir },
  );
  const shown = await send.waitFor(/On the other side run: p2pft get \S+ --server \S+/);
  const code = shown.match(/^Code: (\S+)$/m)![1];
  assert(/[▀▄█]{10,}/.test(shown), `a QR code is drawn:\n${shown}`);
  assert(shown.includes("the code lets in any number of receivers until Ctrl-C"), shown);
  await using get = await TmuxP2pft.start(
    ["get", code, "--server", server, "--addr", "127.0.0.1:0"],
    { cwd: here },
  );
  const got = await get.waitFor(/EXIT=\d+/);
  assert(got.includes("EXIT=0"), got);
  assert(/photo\.bin \S+ 100% \| 6\.0 MiB\/6\.0 MiB/.test(got), got);
  assert(/photo\.bin: 6\.0 MiB in .* every chunk verified/.test(got), got);
  assert(got.includes(`Downloaded: ${join(here, "photo.bin")}`), got);
  assert((await sha256File(join(here, "photo.bin"))) === (await sha256File(source)));
  await send.waitFor(/has everything, verified/);
  await send.keys("C-c");
  const ended = await send.waitFor(/EXIT=\d+/);
  assert(/sent to 1 receiver\(s\), 6\.0 MiB uploaded \(stopped\)/.test(ended), ended);
  assert(ended.includes("EXIT=0"), ended);
});
