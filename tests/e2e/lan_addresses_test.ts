/**
 * Peers on several machines (network namespaces): the loopback trap. A peer
 * started with the default `--addr`, on the server's own machine and
 * connected to it over loopback, must be reachable by the others; a peer
 * that serves on loopback only is warned about it and reported once as
 * unreachable, not at every retry; and the server prints the LAN address
 * peers join with. The same for `send`: on the server's machine, holding
 * its code over loopback, it is reachable by a `get` on another machine.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { fileIds, p2pftOn, tempDir } from "../helpers/cluster.ts";
import { createLan } from "../../scripts/netns.ts";
import { canCreateNamespaces } from "../discovery/agent.ts";

const ignore = !canCreateNamespaces();
const SERVER_PORT = 8000;
const MIB = 1024 * 1024;
/** Longest the download may take; without the fix it never ends. */
const DOWNLOAD_TIMEOUT_MS = 60_000;

Deno.test({
  name: "a default peer on the server's machine is reachable from others; a loopback-only one " +
    "is warned about and reported unreachable once",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    await using dir = await tempDir("p2pft-lan-addresses-");
    const path = join(dir.path, "shared.bin");
    await writeRandomFile(path, 9 * MIB, { seed: 61 });
    const serverIp = lan.hosts[0].ip;
    const server = `${serverIp}:${SERVER_PORT}`;
    await using central = p2pftOn(lan, 0, ["server", "--addr", `0.0.0.0:${SERVER_PORT}`]);
    await central.listening();
    const joinLine = await central.stdout.waitFor(/^Peers join with: p2pft peer --server (\S+) /);
    assert.equal(joinLine[1], server, "the server prints its LAN address, not 0.0.0.0");

    // The default --addr, and the server reached over loopback on its own machine.
    await using local = p2pftOn(lan, 0, [
      "peer",
      "--server",
      `127.0.0.1:${SERVER_PORT}`,
      "-r",
      path,
    ]);
    const [id] = await fileIds(local);
    assert.match(local.stdout.text, /^p2pft peer listening on 0\.0\.0\.0:8001$/m);
    // Loopback only, with the server across the network: unreachable, and told so.
    await using hidden = p2pftOn(lan, 1, [
      "peer",
      "--addr",
      "127.0.0.1:0",
      "-s",
      server,
      "-r",
      path,
    ]);
    await fileIds(hidden);
    await hidden.stderr.waitFor(/serves chunks on 127\.0\.0\.1:\d+ only.*--addr 0\.0\.0\.0:/);

    const out = join(dir.path, "out");
    await using downloader = p2pftOn(lan, 2, [
      "peer",
      "--addr",
      "0.0.0.0:0",
      "-s",
      server,
      "--json",
      "-d",
      id,
      "-o",
      out,
      "--exit-when-done",
    ]);
    const status = await downloader.exit(DOWNLOAD_TIMEOUT_MS);
    assert.equal(status.code, 0, downloader.stderr.text);
    const downloaded = await downloader.waitForEvent("downloaded", 0);
    assert.equal(await sha256File(downloaded.path), await sha256File(path));
    const unreachable = downloader.stderr.lines.filter((line) => /unreachable/.test(line));
    assert.ok(unreachable.length <= 1, `said once at most:\n${unreachable.join("\n")}`);
    assert.ok(
      unreachable.every((line) => line.includes(lan.hosts[1].ip)),
      `only the loopback-only peer is unreachable:\n${unreachable.join("\n")}`,
    );
    await local.stop();
    assert.ok((await local.uploaded()).bytes > 0, "the peer on the server's machine served");
  },
});

Deno.test({
  name: "a send on the server's machine, holding its code over loopback, is reachable by a get " +
    "on another machine",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    await using dir = await tempDir("p2pft-lan-send-");
    const path = join(dir.path, "sent.bin");
    await writeRandomFile(path, 5 * MIB + 3, { seed: 62 });
    const serverIp = lan.hosts[0].ip;
    await using central = p2pftOn(lan, 0, ["server", "--addr", `0.0.0.0:${SERVER_PORT}`]);
    await central.listening();
    await using send = p2pftOn(lan, 0, [
      "send",
      "--server",
      `127.0.0.1:${SERVER_PORT}`,
      "--no-mdns",
      "--json",
      path,
    ]);
    const { code } = await send.waitForEvent("code");
    const out = join(dir.path, "out");
    await using get = p2pftOn(lan, 1, [
      "get",
      code,
      "--server",
      `${serverIp}:${SERVER_PORT}`,
      "-o",
      out,
    ]);
    const status = await get.exit(DOWNLOAD_TIMEOUT_MS);
    assert.equal(status.code, 0, get.describe());
    assert.match(get.stderr.text, new RegExp(`fetching sent\\.bin .* from ${serverIp}:\\d+`));
    assert.equal(await sha256File(join(out, "sent.bin")), await sha256File(path));
    assert.equal((await send.exit(20_000)).code, 0, send.describe());
  },
});
