import { join } from "node:path";
import { startPeer } from "../../scripts/process_harness.ts";
import { writeRandomFile } from "../../scripts/sample_files.ts";
import { tempDir } from "../helpers/cluster.ts";
import { HAS_TMUX, TmuxP2pft } from "./tmux.ts";

const PROMPT = "p2pft server>";

Deno.test({
  name: "server shell in a terminal: status, lists, completion, history, exit",
  ignore: !HAS_TMUX,
}, async () => {
  await using dir = await tempDir("p2pft-server-shell-");
  const file = join(dir.path, "shared.bin");
  await writeRandomFile(file, 5 * 1024 * 1024, { seed: 3 });
  await using shell = await TmuxP2pft.start(["server", "-i", "--addr", "127.0.0.1:0"], {
    cwd: dir.path,
  });
  const address = (await shell.waitFor(/listening on 127\.0\.0\.1:\d+/))
    .match(/listening on (127\.0\.0\.1:\d+)/)![1];
  await shell.waitForLastLine(PROMPT);
  await using peer = await startPeer(address, { args: ["--register", file], cwd: dir.path });
  await peer.stdout.waitFor(/File ID:/);
  // The peer's arrival is logged above the prompt, which is redrawn after it.
  await shell.waitFor(/INFO {2}\[server\] peer \S+ registered at/);
  await shell.waitForLastLine(PROMPT);

  await shell.type("st");
  await shell.keys("Tab");
  await shell.waitForLastLine(`${PROMPT} status`);
  await shell.keys("Enter");
  await shell.waitFor(/uptime\s+\S+[\s\S]*peers\s+1\n\s*files\s+1\n\s*bytes indexed\s+5\.0 MiB/);

  await shell.type("list p");
  await shell.keys("Tab");
  await shell.waitForLastLine(`${PROMPT} list peers`);
  await shell.keys("Enter");
  await shell.waitFor(
    new RegExp(`${peer.address.replaceAll(".", "\\.")}\\s+\\S+\\s+1\\s+\\S+ m?s ago`),
  );

  await shell.type("list files");
  await shell.keys("Enter");
  await shell.waitFor(/[0-9a-f]{12}\s+shared\.bin\s+5\.0 MiB\s+1/);

  await shell.keys("Up", "Up");
  await shell.waitForLastLine(`${PROMPT} list peers`);
  await shell.keys("C-c");
  await shell.type("help");
  await shell.keys("Enter");
  await shell.waitFor(/list <what>\s+list the live peers or the indexed files/);

  await shell.type("exit");
  await shell.keys("Enter");
  await shell.waitFor(/EXIT=0/);
});
