/**
 * Peers behind NAT (network namespaces, a router doing nftables masquerade):
 * the server dials each registering peer back and tells it whether it is
 * reachable, and a seeder behind the NAT, which nobody can dial, serves a
 * downloader on the public side over a connection it dials itself at the
 * server's request (connection reversal). Two peers behind different NATs,
 * which neither can dial, exchange a file through the server's relay, or a
 * public peer's (`--relay`), and a packet capture on the relay shows it
 * carries no file bytes. Two peers behind one router go direct, and a
 * relayed download takes up a direct source that appears.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { captureUnavailable, holds, settled, startCapture } from "../helpers/capture.ts";
import { fileIds, p2pftOn, type TempDir, tempDir } from "../helpers/cluster.ts";
import { createLan, type Lan } from "../../scripts/netns.ts";
import { addNatHost, hasNftables, type NatHost } from "../helpers/nat.ts";
import { canCreateNamespaces } from "../discovery/agent.ts";

const ignore = !canCreateNamespaces() || !hasNftables();
const SERVER_PORT = 8000;
const RELAY_PORT = 8002;
const MIB = 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 60_000;

/** The server on host 0 of `lan`, listening on {@linkcode SERVER_PORT}; `args` are added to its command. */
async function serverOn(lan: Lan, args: string[] = []) {
  const central = p2pftOn(lan, 0, ["server", "--addr", `0.0.0.0:${SERVER_PORT}`, ...args]);
  try {
    await central.listening();
  } catch (error) {
    await central[Symbol.asyncDispose]();
    throw error;
  }
  return central;
}

/** Where peers reach the server of {@linkcode serverOn}. */
function serverAddress(lan: Lan): string {
  return `${lan.hosts[0].ip}:${SERVER_PORT}`;
}

/** The ID of the file `seeder` shares, once the server has told it that it cannot be dialled. */
async function unreachableSeederId(seeder: ReturnType<typeof p2pftOn>): Promise<string> {
  const [id] = await fileIds(seeder);
  await seeder.stderr.waitFor(/not reachable from the server/);
  return id;
}

/** Asserts that `downloader` downloaded the bytes of `path`; returns its `downloaded` event. */
async function assertDownloaded(downloader: ReturnType<typeof p2pftOn>, path: string) {
  const downloaded = await downloader.waitForEvent("downloaded", 0);
  assert.equal(await sha256File(downloaded.path), await sha256File(path));
  return downloaded;
}

/** Stops `capture` and asserts it is complete, holds both halves of a relayed `size`-byte file, and no `marker` or protocol message in the clear. */
async function assertRelayHidesFile(
  capture: Awaited<ReturnType<typeof startCapture>>,
  options: { pcap: string; size: number; marker: string },
) {
  await settled(options.pcap);
  await capture.stop("SIGINT");
  const captured = await Deno.readFile(options.pcap);
  assert.match(capture.stderr.text, /^0 packets dropped by kernel$/m, "the capture is complete");
  assert.ok(
    captured.length > 2 * options.size,
    `the capture holds both halves (${captured.length} B)`,
  );
  assert.ok(!holds(captured, options.marker.slice(0, 24)), "no file bytes in the clear");
  assert.ok(!holds(captured, '"t":'), "no protocol messages in the clear");
}

/** A text file of `size` bytes repeating a unique marker, at `path`; returns the marker. */
async function writeMarkedFile(path: string, size: number): Promise<string> {
  const marker = `p2pft-relay-marker-${crypto.randomUUID()}`;
  await Deno.writeTextFile(path, marker.repeat(Math.ceil(size / marker.length)).slice(0, size));
  return marker;
}

/** A LAN with a seeder's and a downloader's host each behind a NAT router of its own, and a folder. */
interface TwoNats extends AsyncDisposable {
  lan: Lan;
  seederNat: NatHost;
  downloaderNat: NatHost;
  dir: TempDir;
}

/**
 * Builds {@linkcode TwoNats}: a LAN of `hosts` hosts (the server on host 0), hosts `routers` made
 * routers, a private host behind each (seeder, then downloader), and a folder named after `prefix`.
 */
async function twoNats(
  hosts: number,
  options: { routers: [number, number]; prefix: string },
): Promise<TwoNats> {
  await using stack = new AsyncDisposableStack();
  const lan = stack.use(await createLan(hosts));
  const seederNat = stack.use(await addNatHost(lan, { router: options.routers[0], subnet: 1 }));
  const downloaderNat = stack.use(await addNatHost(lan, { router: options.routers[1], subnet: 2 }));
  const dir = stack.use(await tempDir(options.prefix));
  const owned = stack.move();
  return { lan, seederNat, downloaderNat, dir, [Symbol.asyncDispose]: () => owned.disposeAsync() };
}

/** A peer on host `host` of `lan` that shares `path`, its data in `dir`. */
function seederOn(lan: Lan, host: number, options: { server: string; dir: string; path: string }) {
  const dataDir = join(options.dir, "seeder");
  return p2pftOn(lan, host, [
    "peer",
    "-s",
    options.server,
    "--data-dir",
    dataDir,
    "-r",
    options.path,
  ]);
}

/** A peer on host `host` of `lan` that downloads file `id` into `dir/out` and exits (`--json`). */
function downloaderOn(
  lan: Lan,
  host: number,
  options: { server: string; dir: string; id: string },
) {
  return p2pftOn(lan, host, [
    ...["peer", "-s", options.server, "--data-dir", join(options.dir, "downloader"), "--json"],
    ...["-d", options.id, "-o", join(options.dir, "out"), "--exit-when-done"],
  ]);
}

Deno.test({
  name: "a seeder behind NAT is reported unreachable, a public peer reachable, and the public " +
    "peer downloads from the seeder through reversal",
  ignore,
  async fn() {
    // Host 0: the server; host 1: a public peer; host 2: the router; host 3: behind it.
    await using lan = await createLan(3);
    await using nat = await addNatHost(lan, { router: 2 });
    await using dir = await tempDir("p2pft-nat-");
    const path = join(dir.path, "shared.bin");
    await writeRandomFile(path, 9 * MIB + 5, { seed: 71 });
    const server = serverAddress(lan);
    await using _central = await serverOn(lan);

    await using seeder = seederOn(lan, nat.host.index, { server, dir: dir.path, path });
    const [id] = await fileIds(seeder);
    const seenAt = `${nat.publicIp.replaceAll(".", "\\.")}:8001`;
    await seeder.stderr.waitFor(new RegExp(`not reachable from the server at ${seenAt}:`));

    await using downloader = downloaderOn(lan, 1, { server, dir: dir.path, id });
    const status = await downloader.exit(DOWNLOAD_TIMEOUT_MS);
    assert.equal(status.code, 0, downloader.describe());
    const publicIp = lan.hosts[1].ip.replaceAll(".", "\\.");
    assert.match(downloader.stderr.text, new RegExp(`reachable at ${publicIp}:8001`));
    await assertDownloaded(downloader, path);
    assert.match(downloader.stderr.text, /peer \S+ cannot be dialled: it dialled this peer back/);
    assert.match(seeder.stderr.text, /dialled peer \S+ back at 10\.213\.0\.2:8001/);
    await seeder.stop();
    assert.ok(
      (await seeder.uploaded()).bytes >= 9 * MIB,
      "the seeder behind the NAT served it all",
    );
  },
});

Deno.test({
  name: "a seeder and a downloader behind different NATs exchange a file through the " +
    "server's relay, which carries no file bytes in the clear",
  ignore: ignore || captureUnavailable() !== undefined,
  async fn() {
    // Host 0: the server; hosts 1 and 2: routers, each with a peer behind it.
    await using nats = await twoNats(3, { routers: [1, 2], prefix: "p2pft-relay-" });
    const { lan, seederNat, downloaderNat, dir } = nats;
    const path = join(dir.path, "shared.txt");
    const size = 9 * MIB + 5;
    const marker = await writeMarkedFile(path, size);
    const pcap = join(dir.path, "relay.pcap");
    const serverHost = lan.hosts[0];
    await using capture = await startCapture(serverHost, {
      pcap,
      filter: ["tcp", "port", String(RELAY_PORT)],
    });
    const server = serverAddress(lan);
    await using central = await serverOn(lan, [
      "--relay-port",
      String(RELAY_PORT),
      // Slow enough to hold: 9 MiB at 4 MiB/s (a second's worth at once) takes over a second.
      "--relay-rate",
      "4",
    ]);

    await using seeder = seederOn(lan, seederNat.host.index, { server, dir: dir.path, path });
    const id = await unreachableSeederId(seeder);

    await using downloader = downloaderOn(lan, downloaderNat.host.index, {
      server,
      dir: dir.path,
      id,
    });
    const status = await downloader.exit(DOWNLOAD_TIMEOUT_MS);
    assert.equal(status.code, 0, downloader.describe());
    assert.match(downloader.stderr.text, /not reachable from the server/);
    const downloaded = await assertDownloaded(downloader, path);
    assert.ok(downloaded.elapsedMs >= 1_000, `the relay's rate holds (${downloaded.elapsedMs} ms)`);
    assert.match(downloader.stderr.text, /dialled this peer back through a relay/);
    assert.ok(
      downloader.stdout.text.includes('"relayed":1'),
      "--json progress counts the relayed source:\n" + downloader.stdout.text,
    );
    const via = JSON.stringify({ address: `${seederNat.publicIp}:8001`, way: "relayed" });
    assert.ok(downloader.stdout.text.includes(via), `--json progress has ${via}`);
    assert.match(central.stderr.text, /relaying between peers/);
    assert.match(downloader.stderr.text, /relaying through the server/);

    await assertRelayHidesFile(capture, { pcap, size, marker });
  },
});

Deno.test({
  name: "a swarm mixing the three ways completes: a public peer fetches from a seeder behind " +
    "NAT by reversal, and a peer behind another NAT fetches from both, relayed and direct",
  ignore,
  async fn() {
    // Host 0: the server; host 1: a public peer; hosts 2 and 3: routers, each with a peer behind.
    await using nats = await twoNats(4, { routers: [2, 3], prefix: "p2pft-mixed-" });
    const { lan, seederNat, downloaderNat, dir } = nats;
    const path = join(dir.path, "shared.bin");
    await writeRandomFile(path, 17 * MIB + 3, { seed: 72 });
    const server = serverAddress(lan);
    await using _central = await serverOn(lan, ["--relay-rate", "4"]);
    await using seeder = seederOn(lan, seederNat.host.index, { server, dir: dir.path, path });
    const id = await unreachableSeederId(seeder);

    await using reverser = p2pftOn(lan, 1, [
      ...["peer", "-s", server, "--data-dir", join(dir.path, "public"), "--json"],
      ...["-d", id, "-o", join(dir.path, "public-out")],
    ]);
    const fetched = await reverser.waitForEvent("downloaded", DOWNLOAD_TIMEOUT_MS);
    assert.equal(await sha256File(fetched.path), await sha256File(path));
    assert.match(reverser.stderr.text, /dialled this peer back \(reversal\)/);

    await using downloader = downloaderOn(lan, downloaderNat.host.index, {
      server,
      dir: dir.path,
      id,
    });
    assert.equal((await downloader.exit(DOWNLOAD_TIMEOUT_MS)).code, 0, downloader.describe());
    await assertDownloaded(downloader, path);
    assert.match(downloader.stderr.text, /dialled this peer back through a relay/);
    await reverser.stop();
    assert.ok((await reverser.uploaded()).bytes > 0, "the public peer served directly");
  },
});

Deno.test({
  name: "with the server relaying nothing, a seeder and a downloader behind different NATs " +
    "exchange a file through a public peer's relay, which carries no file bytes in the clear",
  ignore: ignore || captureUnavailable() !== undefined,
  async fn() {
    // Host 0: the server; host 1: the relaying peer; hosts 2 and 3: routers, a peer behind each.
    await using nats = await twoNats(4, { routers: [2, 3], prefix: "p2pft-peer-relay-" });
    const { lan, seederNat, downloaderNat, dir } = nats;
    const path = join(dir.path, "shared.txt");
    const size = 9 * MIB + 5;
    const marker = await writeMarkedFile(path, size);
    const pcap = join(dir.path, "relay.pcap");
    const relayHost = lan.hosts[1];
    await using capture = await startCapture(relayHost, {
      pcap,
      filter: ["tcp", "port", String(RELAY_PORT)],
    });
    const server = serverAddress(lan);
    await using central = await serverOn(lan, ["--no-relay"]);
    await using relayer = p2pftOn(lan, 1, [
      ...["peer", "-s", server, "--data-dir", join(dir.path, "relayer"), "--relay"],
      ...["--relay-port", String(RELAY_PORT), "--relay-rate", "4"],
    ]);
    await relayer.stderr.waitFor(new RegExp(`relaying for others on port ${RELAY_PORT}`));

    await using seeder = seederOn(lan, seederNat.host.index, { server, dir: dir.path, path });
    const id = await unreachableSeederId(seeder);
    await using downloader = downloaderOn(lan, downloaderNat.host.index, {
      server,
      dir: dir.path,
      id,
    });
    assert.equal((await downloader.exit(DOWNLOAD_TIMEOUT_MS)).code, 0, downloader.describe());
    const downloaded = await assertDownloaded(downloader, path);
    assert.ok(downloaded.elapsedMs >= 1_000, `the peer's rate holds (${downloaded.elapsedMs} ms)`);
    const relayAt = `${relayHost.ip.replaceAll(".", "\\.")}:${RELAY_PORT}`;
    assert.match(
      downloader.stderr.text,
      new RegExp(`relaying through a peer's relay at ${relayAt}`),
    );
    assert.match(downloader.stderr.text, /dialled this peer back through a relay/);
    assert.match(relayer.stderr.text, /relaying between peers/);
    assert.doesNotMatch(central.stderr.text, /relaying between peers/);

    await assertRelayHidesFile(capture, { pcap, size, marker });
  },
});

Deno.test({
  name: "two peers behind the same NAT router reach each other directly: no reversal, no relay",
  ignore,
  async fn() {
    // Host 0: the server; host 1: a router with two peers behind it.
    await using lan = await createLan(2);
    await using nat = await addNatHost(lan, { router: 1, subnet: 3, count: 2 });
    await using dir = await tempDir("p2pft-same-nat-");
    const path = join(dir.path, "shared.bin");
    await writeRandomFile(path, 9 * MIB + 7, { seed: 73 });
    const server = serverAddress(lan);
    await using central = await serverOn(lan);
    const [seederHost, downloaderHost] = nat.hosts;
    await using seeder = seederOn(lan, seederHost.index, { server, dir: dir.path, path });
    const id = await unreachableSeederId(seeder);

    await using downloader = downloaderOn(lan, downloaderHost.index, {
      server,
      dir: dir.path,
      id,
    });
    assert.equal((await downloader.exit(DOWNLOAD_TIMEOUT_MS)).code, 0, downloader.describe());
    await assertDownloaded(downloader, path);
    assert.match(downloader.stderr.text, /not reachable from the server/);
    assert.doesNotMatch(downloader.stderr.text, /dialled this peer back|relaying through/);
    assert.doesNotMatch(central.stderr.text, /relaying between/);
    assert.ok(!/"(relayed|reversed)":/.test(downloader.stdout.text), downloader.stdout.text);
    await seeder.stop();
    assert.doesNotMatch(seeder.stderr.text, /dialled peer \S+ back/);
    assert.ok((await seeder.uploaded()).bytes >= 9 * MIB, "the seeder served it all");
  },
});

Deno.test({
  name: "a relayed download takes up a direct source that appears while it runs",
  ignore,
  async fn() {
    // Host 0: the server; host 1: a public seeder, started later; hosts 2 and 3: routers.
    await using nats = await twoNats(4, { routers: [2, 3], prefix: "p2pft-relay-to-direct-" });
    const { lan, seederNat, downloaderNat, dir } = nats;
    const path = join(dir.path, "shared.bin");
    await writeRandomFile(path, 21 * MIB + 1, { seed: 74 });
    const server = serverAddress(lan);
    // The relay at 1 MiB/s a peer: over 20 s for the whole file alone.
    await using _central = await serverOn(lan, ["--relay-rate", "1"]);
    await using seeder = seederOn(lan, seederNat.host.index, { server, dir: dir.path, path });
    const id = await unreachableSeederId(seeder);
    await using downloader = downloaderOn(lan, downloaderNat.host.index, {
      server,
      dir: dir.path,
      id,
    });
    await downloader.stderr.waitFor(/dialled this peer back through a relay/);

    await using direct = p2pftOn(lan, 1, [
      ...["peer", "-s", server, "--data-dir", join(dir.path, "direct"), "-r", path],
    ]);
    assert.equal((await downloader.exit(DOWNLOAD_TIMEOUT_MS)).code, 0, downloader.describe());
    const downloaded = await assertDownloaded(downloader, path);
    assert.ok(
      downloaded.elapsedMs < 20_000,
      `faster than the relay alone: ${downloaded.elapsedMs} ms`,
    );
    await direct.stop();
    const uploaded = (await direct.uploaded()).bytes;
    assert.ok(uploaded >= 8 * MIB, `the direct source served most of it (${uploaded} B)`);
  },
});
