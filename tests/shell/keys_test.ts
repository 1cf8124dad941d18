import { ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { peerArgs } from "../../scripts/process_harness.ts";
import { startCluster } from "../helpers/cluster.ts";
import { HAS_TMUX, TmuxP2pft } from "./tmux.ts";

const PROMPT = "p2pft peer>";

Deno.test({
  name: "keys in a burst act one by one: two Tabs list ID and name pairs, pasted tabs complete",
  ignore: !HAS_TMUX,
}, async () => {
  await using cluster = await startCluster("p2pft-shell-keys-");
  const big = await cluster.file("seed/big.iso", { size: 3000, seed: 31 });
  const notes = await cluster.file("seed/notes.txt", { size: 2000, seed: 32 });
  const { ids: [bigId, notesId] } = await cluster.share([big, notes]);
  await using shell = await TmuxP2pft.start(peerArgs(cluster.server.address, ["-i"]), {
    cwd: cluster.dir,
  });
  await shell.waitFor(/connected to server/);
  await shell.waitForLastLine(PROMPT);

  // Two Tabs sent at once: the first completes nothing more, the second lists.
  await shell.type("download ");
  const beforeList = await shell.mark();
  await shell.keys("Tab", "Tab");
  const listed = await shell.waitFor(/notes\.txt/, { after: beforeList });
  const rows = listed.split("\n").filter((line) => /^[0-9a-f]{12} {2}/.test(line));
  assert(rows.includes(`${bigId.slice(0, 12)}  big.iso`), listed);
  assert(rows.includes(`${notesId.slice(0, 12)}  notes.txt`), listed);
  await shell.waitForLastLine(`${PROMPT} download`);
  assert(!(await shell.lastLine()).includes("\t"), "no tab was inserted");
  await shell.keys("C-u");

  // A paste with tabs in it completes at each tab, as if typed.
  await shell.type("lis\tf\t");
  await shell.waitForLastLine(`${PROMPT} list files`);
  await shell.keys("Enter");
  await shell.waitFor(/[0-9a-f]{12}\s+notes\.txt\s+2\.0 KiB/);
  await shell.keys("C-d");
  await shell.waitFor(/EXIT=0/);
});

Deno.test({
  name: "Ctrl-R searches the history: type, Ctrl-R again, Esc gives the line back, Enter runs",
  ignore: !HAS_TMUX,
}, async () => {
  await using cluster = await startCluster("p2pft-shell-search-");
  await using shell = await TmuxP2pft.start(peerArgs(cluster.server.address, ["-i"]), {
    cwd: cluster.dir,
  });
  await shell.waitFor(/connected to server/);
  await shell.waitForLastLine(PROMPT);
  for (const command of ["help status", "downloads", "help list"]) {
    await shell.type(command);
    await shell.keys("Enter");
    await shell.waitForLastLine(PROMPT);
  }
  await shell.type("half");
  await shell.keys("C-r");
  await shell.waitForLastLine("(reverse-i-search)'': half");
  await shell.type("help");
  await shell.waitForLastLine("(reverse-i-search)'help': help list");
  await shell.keys("C-r");
  await shell.waitForLastLine("(reverse-i-search)'help': help status");
  await shell.type("zz");
  await shell.waitForLastLine("(failed reverse-i-search)'helpzz': help status");
  await shell.keys("C-g");
  await shell.waitForLastLine(`${PROMPT} half`);
  await shell.keys("C-r");
  await shell.type("list");
  await shell.waitForLastLine("(reverse-i-search)'list': help list");
  await shell.keys("Escape");
  await shell.waitForLastLine(`${PROMPT} half`);

  // An arrow keeps the command found for editing.
  await shell.keys("C-u", "C-r");
  await shell.type("down");
  await shell.waitForLastLine("(reverse-i-search)'down': downloads");
  await shell.keys("Left");
  await shell.type("X");
  await shell.waitForLastLine(`${PROMPT} downloadXs`);

  // Enter runs the command found.
  await shell.keys("C-u", "C-r");
  await shell.type("p st");
  await shell.waitForLastLine("(reverse-i-search)'p st': help status");
  const beforeRun = await shell.mark();
  await shell.keys("Enter");
  await shell.waitFor(/^usage: status$/m, { after: beforeRun });
  await shell.waitForLastLine(PROMPT);
  await shell.keys("C-d");
  await shell.waitFor(/EXIT=0/);
});

Deno.test({
  name: "Ctrl-D with a download running asks first, says it will resume, and it does",
  ignore: !HAS_TMUX,
}, async () => {
  await using cluster = await startCluster("p2pft-shell-leave-");
  const source = await cluster.file("stuck.bin", { size: 8 * 1024 * 1024, seed: 33 });
  const { id: fileId } = await cluster.rogue(source, "stall");
  const dataDir = join(cluster.dir, "state");
  await using shell = await TmuxP2pft.start(
    peerArgs(cluster.server.address, ["-i", "--data-dir", dataDir]),
    { cwd: cluster.dir },
  );
  await shell.waitFor(/connected to server/);
  await shell.waitForLastLine(PROMPT);
  await shell.type(`download ${fileId.slice(0, 8)} out`);
  await shell.keys("Enter");
  await shell.waitFor(/#1 downloading stuck\.bin/);
  await shell.waitForLastLine(PROMPT);

  await shell.keys("C-d");
  await shell.waitFor(
    new RegExp(
      `1 download is running: leaving stops it, and it resumes the next time a peer ` +
        `starts with the same data folder \\(${dataDir}\\)\\. Press Ctrl-D again or y to leave`,
    ),
  );
  await shell.type("n");
  await shell.waitFor(/^staying$/m);
  await shell.waitForLastLine(PROMPT);
  await shell.type("downloads");
  await shell.keys("Enter");
  await shell.waitFor(/#1\s+running/);

  await shell.keys("C-d");
  await shell.waitFor(/Press Ctrl-D again or y to leave.*\n(.*\n)*.*Press Ctrl-D again/);
  await shell.keys("C-d");
  await shell.waitFor(/EXIT=0/);
  await shell.kill();

  await using again = await TmuxP2pft.start(
    peerArgs(cluster.server.address, ["-i", "--data-dir", dataDir]),
    { cwd: cluster.dir },
  );
  await again.waitFor(/resuming stuck\.bin/);
  await again.waitForLastLine(PROMPT);
  await again.type("downloads");
  await again.keys("Enter");
  await again.waitFor(/#1\s+(running|waiting)\s.*stuck\.bin/);
  await again.keys("C-d");
  await again.waitFor(/Press Ctrl-D again or y to leave/);
  await again.type("y");
  await again.waitFor(/EXIT=0/);
});
