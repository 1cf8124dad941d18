import {
  ok as assert,
  rejects as assertRejects,
  strictEqual as assertEquals,
} from "node:assert/strict";
import { join } from "node:path";
import { peerArgs } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { startCluster } from "../helpers/cluster.ts";
import { HAS_TMUX, TmuxP2pft } from "./tmux.ts";

const PROMPT = "p2pft peer>";
const FILE_SIZE = 24 * 1024 * 1024 + 123;

Deno.test({
  name: "peer shell in a terminal: completion, history, background download, clean exit",
  ignore: !HAS_TMUX,
}, async () => {
  await using cluster = await startCluster("p2pft-peer-shell-");
  const { server } = cluster;
  const here = join(cluster.dir, "here");
  await Deno.mkdir(join(here, "incoming"), { recursive: true });
  const source = await cluster.file("seed/payload.bin", { size: FILE_SIZE, seed: 7 });
  await cluster.file("here/mine-local.dat", { size: 1000, seed: 8 });
  const { ids: [fileId] } = await cluster.share([source]);
  await using shell = await TmuxP2pft.start(peerArgs(server.address, ["-i"]), { cwd: here });
  await shell.waitFor(/connected to server/);
  await shell.waitForLastLine(PROMPT);

  // Completion of a command word: unique match gets a trailing space.
  await shell.type("sta");
  await shell.keys("Tab");
  await shell.waitForLastLine(`${PROMPT} status`);
  await shell.keys("Enter");
  await shell.waitFor(/peers known\s+2/);
  await shell.waitFor(/server\s+\S+ \(connected\)/);

  // Unknown command: one line with a suggestion, and the shell goes on.
  await shell.type("stauts");
  await shell.keys("Enter");
  await shell.waitFor(/error: unknown command 'stauts' \(did you mean status\?\)/);

  // Path completion for register.
  await shell.type("register mine-l");
  await shell.keys("Tab");
  await shell.waitForLastLine(`${PROMPT} register mine-local.dat`);
  await shell.keys("Enter");
  await shell.waitFor(/File ID: [0-9a-f]{64}/);

  // ID prefix completion for download, then folder completion.
  await shell.type(`download ${fileId.slice(0, 6)}`);
  await shell.keys("Tab");
  await shell.waitForLastLine(`${PROMPT} download ${fileId}`);
  await shell.type("inc");
  await shell.keys("Tab");
  await shell.waitForLastLine(`${PROMPT} download ${fileId} incoming/`);
  await shell.keys("Enter");
  await shell.waitFor(/#1 downloading payload\.bin/);

  // The prompt still answers while the download runs in the background.
  await shell.type("status");
  await shell.keys("Enter");
  await shell.waitFor(/transfers\s+\d running, \d finished/);
  const target = join(here, "incoming", "payload.bin");
  await shell.waitFor(new RegExp(`Downloaded: ${target}`));
  await shell.waitFor(/payload\.bin: 24\.0 MiB in .* every chunk verified/);
  assertEquals(await sha256File(target), await sha256File(source));
  await shell.type("list files");
  await shell.keys("Enter");
  await shell.waitFor(/\*\s+[0-9a-f]{12}\s+payload\.bin\s+24\.0 MiB\s+2/);

  // History: Up recalls the last command; Ctrl-C clears the line.
  await shell.keys("Up");
  await shell.waitForLastLine(`${PROMPT} list files`);
  await shell.keys("C-c");
  await shell.waitForLastLine(PROMPT);

  // Ctrl-D leaves cleanly and the server drops the peer at once.
  await shell.keys("C-d");
  await shell.waitFor(/EXIT=0/);
  await server.stderr.waitFor(/left \(/, 3_000);
  const screen = await shell.screen();
  assert(!screen.includes("\x1b"), "no stray escape codes in the captured screen");
});

Deno.test({
  name: "Ctrl-C stops the running foreground command and the shell goes on",
  ignore: !HAS_TMUX,
}, async () => {
  await using cluster = await startCluster("p2pft-peer-shell-");
  const source = await cluster.file("stuck.bin", { size: 8 * 1024 * 1024, seed: 9 });
  const { id: fileId } = await cluster.rogue(source, "stall");
  await using shell = await TmuxP2pft.start(peerArgs(cluster.server.address, ["-i"]), {
    cwd: cluster.dir,
  });
  await shell.waitFor(/connected to server/);
  await shell.waitForLastLine(PROMPT);
  await shell.type(`download ${fileId.slice(0, 8)} out`);
  await shell.keys("Enter");
  await shell.waitFor(/#1 downloading stuck\.bin/);
  await shell.type("wait");
  await shell.keys("Enter");
  await shell.waitFor(/waiting for 1 download\(s\); Ctrl-C stops waiting/);
  await shell.keys("C-c");
  await shell.waitFor(/cancelled: wait/);
  await shell.type("downloads");
  await shell.keys("Enter");
  await shell.waitFor(/#1\s+running\s+0%/);
  // What follows must come from the cancel, not from the lines above ("cancelled: wait").
  const beforeCancel = await shell.mark();
  await shell.type("cancel 1");
  await shell.keys("Enter");
  await shell.waitFor(/^cancelled #1 stuck\.bin$/m, { after: beforeCancel });
  await shell.waitForLastLine(PROMPT);
  const beforeList = await shell.mark();
  await shell.type("downloads");
  await shell.keys("Enter");
  await shell.waitFor(/#1\s+cancelled\s/, { after: beforeList });
  await assertRejects(
    Deno.stat(join(cluster.dir, "out", "stuck.bin.part")),
    "cancel deletes the .part",
  );
  await shell.type("exit");
  await shell.keys("Enter");
  await shell.waitFor(/EXIT=0/);
});
