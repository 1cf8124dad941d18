/**
 * Two peers behind different NATs (network namespaces, each router doing
 * nftables masquerade), the server on the public segment: neither peer can
 * be dialled, so the download runs through the server's relay. A packet
 * capture on the server's interface shows the relay carries no file bytes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File } from "../../scripts/sample_files.ts";
import { createLan } from "../../scripts/netns.ts";
import { captureUnavailable, holds, settled, startCapture } from "../helpers/capture.ts";
import { fileIds, p2pftOn, tempDir } from "../helpers/cluster.ts";
import { addNatHost, hasNftables } from "../helpers/nat.ts";

const ignore = !hasNftables() || captureUnavailable() !== undefined;
const SERVER_PORT = 8000;
const RELAY_PORT = 8002;
const MIB = 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 60_000;

Deno.test({
  name: "a seeder and a downloader behind different NATs exchange a file through the " +
    "server's relay, which carries no file bytes in the clear",
  ignore,
  async fn() {
    // Host 0: the server; hosts 1 and 2: routers, each with a peer behind it.
    await using lan = await createLan(3);
    await using seederNat = await addNatHost(lan, { router: 1, subnet: 1 });
    await using downloaderNat = await addNatHost(lan, { router: 2, subnet: 2 });
    await using dir = await tempDir("p2pft-relay-");
    const marker = `p2pft-relay-marker-${crypto.randomUUID()}`;
    const path = join(dir.path, "shared.txt");
    const size = 9 * MIB + 5;
    await Deno.writeTextFile(path, marker.repeat(Math.ceil(size / marker.length)).slice(0, size));
    const pcap = join(dir.path, "relay.pcap");
    const serverHost = lan.hosts[0];
    await using capture = await startCapture(serverHost, {
      pcap,
      filter: ["tcp", "port", String(RELAY_PORT)],
    });
    const server = `${serverHost.ip}:${SERVER_PORT}`;
    await using central = p2pftOn(lan, 0, [
      "server",
      "--addr",
      `0.0.0.0:${SERVER_PORT}`,
      "--relay-port",
      String(RELAY_PORT),
      // Slow enough to hold: 9 MiB at 4 MiB/s (a second's worth at once) takes over a second.
      "--relay-rate",
      "4",
    ]);
    await central.listening();

    await using seeder = p2pftOn(lan, seederNat.host.index, [
      "peer",
      "-s",
      server,
      "--data-dir",
      join(dir.path, "seeder"),
      "-r",
      path,
    ]);
    const [id] = await fileIds(seeder);
    await seeder.stderr.waitFor(/not reachable from the server/);

    const out = join(dir.path, "out");
    await using downloader = p2pftOn(lan, downloaderNat.host.index, [
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
    assert.match(downloader.stderr.text, /not reachable from the server/);
    const downloaded = await downloader.waitForEvent("downloaded", 0);
    assert.equal(await sha256File(downloaded.path), await sha256File(path));
    assert.ok(downloaded.elapsedMs >= 1_000, `the relay's rate holds (${downloaded.elapsedMs} ms)`);
    assert.match(downloader.stderr.text, /dialled this peer back through the server's relay/);
    assert.ok(
      downloader.stdout.text.includes('"relayed":1'),
      "--json progress counts the relayed source:\n" + downloader.stdout.text,
    );
    assert.match(central.stderr.text, /relaying between peers/);

    await settled(pcap);
    await capture.stop("SIGINT");
    const captured = await Deno.readFile(pcap);
    assert.match(capture.stderr.text, /^0 packets dropped by kernel$/m, "the capture is complete");
    assert.ok(captured.length > 2 * size, `the capture holds both halves (${captured.length} B)`);
    assert.ok(!holds(captured, marker.slice(0, 24)), "no file bytes in the clear");
    assert.ok(!holds(captured, '"t":'), "no protocol messages in the clear");
  },
});
