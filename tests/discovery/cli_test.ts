/**
 * `p2pft server` and `p2pft peer` finding each other over real mDNS, each
 * process in its own network namespace (never on the machine's interfaces).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { P2pftProcess } from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { PROTOCOL_VERSION } from "../../src/constants.ts";
import { SERVER_SERVICE_TYPE } from "../../src/discovery/constants.ts";
import { fileIds, tempDir } from "../helpers/cluster.ts";
import { createLan, type Lan } from "../../scripts/netns.ts";
import { browseWithAgent, canCreateNamespaces, startDiscoveryAgent } from "./agent.ts";

const ignore = !canCreateNamespaces();
const SERVER_PORT = 8000;
/** Time the test browses for the server, in milliseconds. */
const BROWSE_MS = 2_000;
const MIB = 1024 * 1024;

/** `p2pft <args>` running inside host `host` of `lan`, mDNS on. */
function p2pft(lan: Lan, host: number, args: string[]): P2pftProcess {
  return new P2pftProcess(args, {
    mdns: true,
    launch: (cmd, options) => lan.exec(host, cmd, options),
  });
}

Deno.test({
  name: "a peer with --auto-discover finds the server across namespaces and downloads a file",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    await using dir = await tempDir("p2pft-mdns-");
    const path = join(dir.path, "lan.bin");
    await writeRandomFile(path, 9 * MIB, { seed: 51 });
    await using server = p2pft(lan, 0, ["server", "--addr", `0.0.0.0:${SERVER_PORT}`]);
    await using seeder = p2pft(lan, 1, [
      "peer",
      "--auto-discover",
      "--addr",
      "0.0.0.0:0",
      "-r",
      path,
    ]);
    await server.stderr.waitFor(/advertised on the LAN as "p2pft server on /);
    const [id] = await fileIds(seeder);
    assert.match(
      seeder.stderr.text,
      new RegExp(`discovered server "p2pft server on .*" at ${lan.hosts[0].ip}:${SERVER_PORT}`),
    );

    const instances = await browseWithAgent(lan, { host: 2, timeoutMs: BROWSE_MS });
    assert.equal(instances.length, 1);
    assert.equal(instances[0].port, SERVER_PORT);
    assert.deepEqual(instances[0].addresses, [lan.hosts[0].ip]);
    assert.equal(instances[0].txt.protovers, String(PROTOCOL_VERSION));
    assert.match(instances[0].host, /\.local$/);

    const out = join(dir.path, "out");
    await using downloader = p2pft(lan, 2, [
      "peer",
      "--json",
      "--auto-discover",
      "--addr",
      "0.0.0.0:0",
      "-d",
      id.slice(0, 10),
      "-o",
      out,
      "--exit-when-done",
    ]);
    const status = await downloader.exit();
    assert.equal(status.code, 0, downloader.stderr.text);
    const downloaded = await downloader.waitForEvent("downloaded", 0);
    assert.equal(downloaded.path, join(out, "lan.bin"));
    assert.equal(await sha256File(downloaded.path), await sha256File(path));
  },
});

Deno.test({
  name: "the server says goodbye over mDNS when it exits",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    await using watcher = startDiscoveryAgent(lan, {
      host: 1,
      args: ["watch", SERVER_SERVICE_TYPE],
    });
    await using server = p2pft(lan, 0, ["server", "--addr", `0.0.0.0:${SERVER_PORT}`]);
    await watcher.waitFor((event) => event.event === "up");
    const stoppedAt = Date.now();
    assert.equal((await server.stop()).code, 0);
    await watcher.waitFor((event) => event.event === "down", 5_000);
    assert.ok(Date.now() - stoppedAt < 5_000, "goodbye seen, not a TTL expiry");
  },
});

Deno.test({
  name: "--auto-discover with no server on the LAN fails clearly and suggests --server",
  ignore,
  async fn() {
    await using lan = await createLan(1);
    await using peer = p2pft(lan, 0, [
      "peer",
      "--auto-discover",
      "--discover-timeout",
      "1",
      "--addr",
      "0.0.0.0:0",
      "-d",
      "abcd",
      "--exit-when-done",
    ]);
    const status = await peer.exit();
    assert.notEqual(status.code, 0);
    assert.match(peer.stderr.text, /no p2pft server answered on the LAN within 1 s/);
    assert.match(peer.stderr.text, /--server HOST:PORT/);
  },
});

Deno.test({
  name: "serverless LAN mode: three peers find each other and transfer with no server",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    await using dir = await tempDir("p2pft-mdns-");
    const path = join(dir.path, "serverless.bin");
    await writeRandomFile(path, 14 * MIB, { seed: 52 });
    const lanPeer = (host: number, args: string[]) =>
      p2pft(lan, host, ["peer", "--lan", "--addr", "0.0.0.0:0", ...args]);
    await using first = lanPeer(0, ["-r", path]);
    await using second = lanPeer(1, ["-r", path]);
    const [id] = await fileIds(first);
    await fileIds(second);
    const out = join(dir.path, "out");
    await using third = lanPeer(2, ["--json", "-d", id.slice(0, 8), "-o", out, "--exit-when-done"]);
    const status = await third.exit();
    assert.equal(status.code, 0, third.stderr.text);
    const downloaded = await third.waitForEvent("downloaded", 0);
    assert.equal(downloaded.path, join(out, "serverless.bin"));
    assert.equal(await sha256File(downloaded.path), await sha256File(path));
    assert.doesNotMatch(third.stderr.text, /cannot reach the server/);
  },
});

Deno.test({
  name: "a peer that loses its server discovers it again at its new address",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    await using first = p2pft(lan, 0, ["server", "--addr", `0.0.0.0:${SERVER_PORT}`]);
    await using peer = p2pft(lan, 1, ["peer", "--auto-discover", "--addr", "0.0.0.0:0"]);
    await peer.stderr.waitFor(new RegExp(`connected to server ${lan.hosts[0].ip}:`));
    await first.stop();
    await peer.stderr.waitFor(/lost the server/);
    await using second = p2pft(lan, 2, ["server", "--addr", `0.0.0.0:${SERVER_PORT}`]);
    await peer.stderr.waitFor(new RegExp(`connected to server ${lan.hosts[2].ip}:`), 30_000);
    await second.stderr.waitFor(/registered at/);
  },
});
