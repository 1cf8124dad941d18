/**
 * A peer's state from before the default `--addr` became `0.0.0.0:8001`
 * (it was `127.0.0.1:8001`, and the data folder follows the listen address)
 * is moved once and found again: same identity, same shares. In a network
 * namespace, as a peer with the default address listens on every interface.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { writeRandomFile } from "../../scripts/sample_files.ts";
import { canCreateNamespaces } from "../discovery/agent.ts";
import { fileIds, p2pftOn, tempDir } from "../helpers/cluster.ts";
import { createLan, type Lan } from "../../scripts/netns.ts";

const ignore = !canCreateNamespaces();
const SERVER = "127.0.0.1:8000";

/** `p2pft <args>` in host 0 of `lan`, its per-user data folder under `dataHome`. */
function p2pft(lan: Lan, args: string[], dataHome: string) {
  return p2pftOn(lan, 0, args, { env: { XDG_DATA_HOME: dataHome } });
}

Deno.test({
  name: "the state of a peer on the former default 127.0.0.1:8001 moves once to the new " +
    "default's folder: same identity, same shares",
  ignore,
  async fn() {
    await using lan = await createLan(1);
    await using dir = await tempDir("p2pft-old-state-");
    const path = join(dir.path, "kept.bin");
    await writeRandomFile(path, 100_000, { seed: 64 });
    const dataHome = join(dir.path, "home");
    const peers = join(dataHome, "p2pft", "peers");
    await using server = p2pft(lan, ["server", "--addr", SERVER], dataHome);
    await server.listening();

    let id: string;
    {
      await using old = p2pft(lan, [
        "peer",
        "--addr",
        "127.0.0.1:8001",
        "--server",
        SERVER,
        "-r",
        path,
      ], dataHome);
      [id] = await fileIds(old);
      await old.stop();
    }
    await Deno.stat(join(peers, "127.0.0.1-8001"));
    const registered = () =>
      server.stderr.lines.flatMap((line) => line.match(/peer (\S+) registered at/)?.[1] ?? []);
    const oldId = registered()[0];

    await using moved = p2pft(lan, ["peer", "--server", SERVER], dataHome);
    await moved.listening();
    await moved.stderr.waitFor(/sharing again 1 item\(s\) shared before/);
    const line = moved.stderr.lines.filter((text) => /moved this peer's state/.test(text));
    assert.equal(line.length, 1, moved.describe());
    assert.match(
      line[0],
      new RegExp(
        `INFO .*from ${join(peers, "127.0.0.1-8001")} to ${join(peers, "0.0.0.0-8001")}: ` +
          `the default --addr went from 127\\.0\\.0\\.1 to 0\\.0\\.0\\.0`,
      ),
    );
    await server.stderr.waitForCount(/peer \S+ registered at/, { count: 2 });
    assert.equal(registered()[1], oldId, "the same identity");
    await moved.stop();
    await assert.rejects(Deno.stat(join(peers, "127.0.0.1-8001")), Deno.errors.NotFound);

    await using again = p2pft(lan, ["peer", "--shared"], dataHome);
    assert.equal((await again.exit()).code, 0, again.describe());
    assert.match(
      again.stdout.text,
      new RegExp(`^${id.slice(0, 12)}\\s+kept\\.bin\\s.*registered`, "m"),
    );
    assert.doesNotMatch(again.stderr.text, /moved/, "moved once only");
  },
});
