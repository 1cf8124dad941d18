/**
 * Who gets in, through real processes on 127.0.0.1: the network key at the
 * server and at a member's chunk port, server identities remembered at first
 * contact, pinned source identities, open networks, what the server prints
 * and keeps. Last, a packet capture in network namespaces: what travels on
 * the wire is encrypted.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  NETWORK_KEY,
  P2pftProcess,
  peerArgs,
  runP2pft,
  runPeer,
  startPeer,
  startServer,
} from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { parseHostPort } from "../../src/protocol/channel.ts";
import { MembershipError } from "../../src/protocol/handshake.ts";
import { type Credentials, dial } from "../../src/protocol/dial.ts";
import { IdentityMismatchError } from "../../src/protocol/secure_channel.ts";
import { encodePreamble } from "../../src/protocol/preamble.ts";
import { createIdentity } from "../../src/security/identity.ts";
import { generateNetworkKey, parseNetworkKey } from "../../src/security/network_key.ts";
import { testCredentials } from "../../src/test_credentials.ts";
import { captureUnavailable, holds, settled, startCapture } from "../helpers/capture.ts";
import { fileIds, freePort, startCluster, tempDir } from "../helpers/cluster.ts";
import { createLan } from "../../scripts/netns.ts";

const MIB = 1024 * 1024;
/** A key of another network than the one the harness gives every process. */
const OTHER_KEY = generateNetworkKey();
/** An ID: 52 lowercase base32 characters. */
const ID = "[a-z2-7]{52}";

/** `text` with the characters special in a regular expression escaped. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The ID a server logs for the peer that registered at `address`. */
async function registeredId(server: P2pftProcess, address: string): Promise<string> {
  const pattern = new RegExp(`peer (${ID}) registered at ${literal(address)}$`);
  return (await server.stderr.waitFor(pattern))[1];
}

/** Dials the chunk port at `address` as a peer with `credentials`. */
function dialPeer(address: string, credentials: Credentials, expectId?: string) {
  return dial(parseHostPort(address), { role: "peer", accept: ["peer"], credentials, expectId });
}

Deno.test("a peer without the network key is refused, and the server logs it", async () => {
  await using server = await startServer();
  const result = await runPeer(server.address, { args: ["-d", "abcd"], key: false });
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /requires a network key: pass it with --key, P2PFT_KEY or --key-file/,
  );
  await server.stderr.waitFor(
    /refused connection from 127\.0\.0\.1: .*open network while this side requires a network key/,
  );
});

Deno.test("a peer with another network's key is refused, one with the key in --key-file gets in", async () => {
  await using dir = await tempDir("p2pft-security-");
  await using server = await startServer();
  const result = await runPeer(server.address, {
    args: ["--key", OTHER_KEY, "-d", "abcd"],
    key: false,
  });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /does not hold this network's key: check the key on both sides/);
  await server.stderr.waitFor(
    /refused connection from 127\.0\.0\.1: .*does not hold this network's key/,
  );
  const keyFile = join(dir.path, "network.key");
  await Deno.writeTextFile(keyFile, `${NETWORK_KEY}\n`);
  await using member = await startPeer(server.address, {
    args: ["--key-file", keyFile],
    key: false,
  });
  await member.stderr.waitFor(/connected to server/);
});

Deno.test("a peer with another key, or none, cannot fetch from a member's chunk port", async () => {
  await using cluster = await startCluster("p2pft-security-");
  const path = await cluster.file("data.bin", { size: MIB, seed: 61 });
  const { peer: seeder, ids: [id] } = await cluster.share([path]);
  for (const networkKey of [parseNetworkKey(OTHER_KEY), undefined]) {
    await assert.rejects(
      dialPeer(seeder.address, { identity: await createIdentity(), networkKey }),
      MembershipError,
    );
  }
  await seeder.stderr.waitFor(/refused connection from 127\.0\.0\.1: /);
  // The same request from a member is answered: the refusal was about the key.
  const member = await dialPeer(seeder.address, await testCredentials());
  const running = member.run(() => {});
  try {
    const reply = await member.request({ t: "bitfield", fileId: id });
    assert.equal(typeof reply.chunks, "string");
  } finally {
    member.close();
    await running.catch(() => {});
  }
});

Deno.test("non-members get no listing of files or peers", async () => {
  await using cluster = await startCluster("p2pft-security-");
  const name = `members-only-${crypto.randomUUID().slice(0, 8)}.bin`;
  const path = await cluster.file(name, { size: 1000, seed: 62 });
  const { peer: seeder } = await cluster.share([path]);
  const script = { input: "list files\nlist peers\nexit\n" };
  const outsider = await runP2pft(peerArgs(cluster.server.address, ["-i"]), {
    ...script,
    key: false,
  });
  const refusals = outsider.stderr.match(/^error: .*requires a network key: pass it with --key/gm);
  assert.equal(refusals?.length, 2, `both lists refused:\n${outsider.stderr}`);
  assert.ok(!outsider.stdout.includes(name), outsider.stdout);
  assert.ok(!outsider.stdout.includes(seeder.address), `no peer addresses:\n${outsider.stdout}`);
  const member = await runP2pft(peerArgs(cluster.server.address, ["-i"]), script);
  assert.ok(member.stdout.includes(name), `a member sees the file:\n${member.stdout}`);
  assert.ok(member.stdout.includes(seeder.address), `and the peers:\n${member.stdout}`);
});

Deno.test("a peer refuses a server whose identity changed since its first contact", async () => {
  await using dir = await tempDir("p2pft-security-");
  const addr = `127.0.0.1:${freePort()}`;
  const peerData = join(dir.path, "peer");
  /** A server at `addr` keeping its identity in `folder`, on the harness's network. */
  const server = (folder: string) =>
    startServer({
      addr,
      args: ["--data-dir", join(dir.path, folder), "--key", NETWORK_KEY],
      key: false,
    });
  let firstId: string;
  {
    await using first = await server("server-a");
    firstId = (await first.stdout.waitFor(new RegExp(`^Server ID: (${ID})$`)))[1];
    await using peer = await startPeer(addr, { args: ["--data-dir", peerData] });
    await peer.stderr.waitFor(
      new RegExp(`first contact with the server at ${literal(addr)}: remembered .*${firstId}`),
    );
    await peer.stderr.waitFor(/connected to server/);
  }
  await using second = await server("server-b");
  const secondId = (await second.stdout.waitFor(new RegExp(`^Server ID: (${ID})$`)))[1];
  assert.notEqual(secondId, firstId, "another data folder, another identity");
  const result = await runPeer(addr, { args: ["--data-dir", peerData, "-d", "abcd"] });
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(`presented identity ${secondId}, but identity ${firstId} was remembered`),
  );
  assert.match(result.stderr, /known_servers\.json/);
  assert.match(result.stderr, /someone may be impersonating the server/);
  assert.doesNotMatch(second.stderr.text, /registered at/, "the peer never registered");
});

Deno.test("a downloader refuses an impostor at a source's address", async () => {
  await using cluster = await startCluster("p2pft-security-");
  const path = await cluster.file("data.bin", { size: MIB, seed: 63 });
  const { peer: seeder } = await cluster.share([path]);
  const seederId = await registeredId(cluster.server, seeder.address);
  const expected = (await createIdentity()).id;
  const error = await dialPeer(seeder.address, await testCredentials(), expected).then(
    () => assert.fail("a listener with another ID was accepted"),
    (error) => error,
  );
  assert.ok(error instanceof IdentityMismatchError, String(error));
  assert.equal(error.seen, seederId);
  assert.match(error.message, new RegExp(`is not ${expected} but ${seederId}: .*impostor`));
  const genuine = await dialPeer(seeder.address, await testCredentials(), seederId);
  assert.equal(genuine.remoteId, seederId, "the ID it really has is accepted");
  genuine.close();
});

Deno.test("an open server says so and serves keyless peers; a peer with a key is refused", async () => {
  await using cluster = await startCluster("p2pft-security-");
  const path = await cluster.file("data.bin", { size: 5 * MIB, seed: 64 });
  await using server = await startServer({ args: ["--open"], key: false });
  await server.stdout.waitFor(/^Network: open \(no key\)$/);
  await server.stdout.waitFor(
    new RegExp(`^Peers join with: p2pft peer --server ${literal(server.address)}$`),
  );
  await server.stderr.waitFor(/running an OPEN network \(--open\)/);
  await using seeder = await startPeer(server.address, { args: ["-r", path], key: false });
  const [id] = await fileIds(seeder);
  const out = join(cluster.dir, "out");
  const result = await runPeer(server.address, { args: ["-d", id, "-o", out], key: false });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
  const keyed = await runPeer(server.address, { args: ["-d", id, "-o", join(out, "keyed")] });
  assert.equal(keyed.code, 1, keyed.stderr);
  assert.match(keyed.stderr, /runs an open network while this side requires a network key/);
});

Deno.test("a server given --open and a key refuses to start", async () => {
  const result = await runP2pft(["server", "--open", "--addr", "127.0.0.1:0"]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /--open runs a network without a key: drop the key, or drop --open/);
});

Deno.test("the server prints its ID, key and join command, and keeps them in its data folder", async () => {
  await using dir = await tempDir("p2pft-security-");
  const data = join(dir.path, "server");
  const started = async () => {
    const server = await startServer({ args: ["--data-dir", data], key: false });
    const id = (await server.stdout.waitFor(new RegExp(`^Server ID: (${ID})$`)))[1];
    const key = (await server.stdout.waitFor(new RegExp(`^Network key: (p2pft-[a-z2-7]{52})$`)))[1];
    await server.stdout.waitFor(
      new RegExp(`^Peers join with: p2pft peer --server ${literal(server.address)} --key ${key}$`),
    );
    return { server, id, key };
  };
  const first = await started();
  await first.server.stop();
  const second = await started();
  await using server = second.server;
  assert.equal(second.id, first.id, "the same identity after a restart");
  assert.equal(second.key, first.key, "the same key after a restart");
  assert.notEqual(second.key, NETWORK_KEY, "a key of its own, not the harness's");
  assert.equal((await Deno.readTextFile(join(data, "network.key"))).trim(), first.key);
  for (const secret of ["network.key", "identity.key"]) {
    const mode = (await Deno.stat(join(data, secret))).mode! & 0o777;
    assert.equal(mode.toString(8), "600", `${secret} is private`);
  }
  await using member = await startPeer(server.address, { key: first.key });
  await member.stderr.waitFor(/connected to server/);
});

const noCapture = captureUnavailable();
if (noCapture) console.log(`packet capture test skipped: ${noCapture}`);

Deno.test({
  name: "a packet capture of a transfer shows no file bytes, no messages and no file name",
  ignore: noCapture !== undefined,
  async fn() {
    await using dir = await tempDir("p2pft-capture-");
    await using lan = await createLan(3);
    const marker = `p2pft-capture-marker-${crypto.randomUUID()}`;
    const name = `confidential-${crypto.randomUUID().slice(0, 8)}.txt`;
    const path = join(dir.path, name);
    const size = 6 * MIB;
    await Deno.writeTextFile(path, marker.repeat(Math.ceil(size / marker.length)).slice(0, size));
    const pcap = join(dir.path, "transfer.pcap");
    // On the bridge every host is plugged into: it sees every packet of the LAN.
    await using capture = await startCapture({ ns: lan.switchNs, iface: "br0" }, { pcap });
    const p2pft = (host: number, args: string[]) =>
      new P2pftProcess(args, { launch: (cmd, options) => lan.exec(host, cmd, options) });
    const [serverIp, seederIp, downloaderIp] = lan.hosts.map((host) => host.ip);
    await using server = await p2pft(0, ["server", "--addr", `${serverIp}:0`]).listening();
    await using seeder = await p2pft(1, [
      "peer",
      "--addr",
      `${seederIp}:0`,
      "--server",
      server.address,
      "-r",
      path,
    ]).listening();
    const [id] = await fileIds(seeder);
    const out = join(dir.path, "out");
    await using downloader = p2pft(2, [
      "peer",
      "--addr",
      `${downloaderIp}:0`,
      "--server",
      server.address,
      "-d",
      id,
      "-o",
      out,
      "--exit-when-done",
    ]);
    assert.equal((await downloader.exit()).code, 0, downloader.stderr.text);
    assert.equal(await sha256File(join(out, name)), await sha256File(path));
    await settled(pcap);
    await capture.stop("SIGINT");
    const captured = await Deno.readFile(pcap);
    assert.match(capture.stderr.text, /^0 packets dropped by kernel$/m, "the capture is complete");
    assert.ok(captured.length > size, `the capture holds the transfer (${captured.length} B)`);
    assert.ok(holds(captured, encodePreamble()), "the capture holds p2pft connections");
    assert.ok(!holds(captured, marker), "no file bytes in the clear");
    assert.ok(!holds(captured, marker.slice(0, 24)), "not even part of them");
    assert.ok(!holds(captured, '"t":'), "no protocol messages in the clear");
    assert.ok(!holds(captured, name), "no file name in the clear");
    assert.ok(!holds(captured, id), "no file ID in the clear");
  },
});
