import assert from "node:assert/strict";
import type { ServiceInstance } from "../discovery/dns_sd.ts";
import { TXT_KEY_PEER_ID } from "../discovery/services.ts";
import { PEER_SERVICE_TYPE } from "../constants.ts";
import { RemoteError } from "../protocol/connection.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { computeFileId } from "../storage/manifest.ts";
import { LanPeers, type LanPool } from "./lan_peers.ts";

const manifest = {
  name: "a.bin",
  size: 8,
  chunkSize: 4,
  chunkHashes: ["d".repeat(64), "e".repeat(64)],
};
const fileId = await computeFileId(manifest);

function instance(peerId: string, address: string | undefined, port = 7000): ServiceInstance {
  return {
    instanceName: `p2pft peer ${peerId}`,
    serviceType: PEER_SERVICE_TYPE,
    host: `${peerId}.local`,
    port,
    addresses: address ? [address] : [],
    txt: { [TXT_KEY_PEER_ID]: peerId },
    ttl: 120,
  };
}

/** LAN peers seen through a fake watch, asked through a pool answering from `replies[address]`. */
function lanPeers(
  instances: ServiceInstance[],
  replies: Record<string, (message: Record<string, unknown>) => Record<string, unknown>>,
) {
  let closed = false;
  const pool: LanPool = {
    get: (address) =>
      replies[address]
        ? Promise.resolve({ request: (message) => Promise.resolve(replies[address](message)) })
        : Promise.reject(new Deno.errors.ConnectionRefused(address)),
  };
  const lan = new LanPeers("me", pool, {
    watch: () => {
      return Promise.resolve({
        instances: () => instances,
        close: () => Promise.resolve(void (closed = true)),
      });
    },
  });
  return { lan, closed: () => closed };
}

Deno.test("the LAN peers are the resolved instances other than this peer", async () => {
  const { lan, closed } = lanPeers([
    instance("a", "10.0.0.1"),
    instance("me", "10.0.0.9"),
    instance("unresolved", undefined),
  ], {});
  assert.deepEqual(lan.peers(), [], "nothing before start");
  await lan.start();
  assert.deepEqual(lan.peers(), [{ peerId: "a", address: "10.0.0.1:7000" }]);
  await lan.close();
  assert.equal(closed(), true);
});

Deno.test("a LAN search indexes the answers, skipping forged manifests and silent peers", async () => {
  const half = new Bitfield(2);
  half.set(1);
  const forged = {
    fileId,
    manifest: { ...manifest, chunkHashes: ["f".repeat(64), "f".repeat(64)] },
  };
  const { lan } = lanPeers([
    instance("whole", "10.0.0.1"),
    instance("half", "10.0.0.2"),
    instance("liar", "10.0.0.3"),
    instance("silent", "10.0.0.4"),
  ], {
    "10.0.0.1:7000": () => ({ t: "reply", matches: [{ fileId, manifest }] }),
    "10.0.0.2:7000": () => ({
      t: "reply",
      matches: [{ fileId, manifest, chunks: half.toBase64() }],
    }),
    "10.0.0.3:7000": () => ({ t: "reply", matches: [forged] }),
  });
  await lan.start();
  const found = (await lan.index(fileId.slice(0, 6))).lookup(fileId.slice(0, 6));
  assert.deepEqual(found.sources.map((s) => [s.peerId, s.chunks]).toSorted(), [
    ["half", half.toBase64()],
    ["whole", undefined],
  ]);
});

Deno.test("a running download asks the LAN peers for their bitfields", async () => {
  const { lan } = lanPeers([instance("has", "10.0.0.1"), instance("lacks", "10.0.0.2")], {
    "10.0.0.1:7000": (message) => ({ t: "reply", chunks: message.fileId === fileId ? "wA==" : "" }),
    "10.0.0.2:7000": () => {
      throw new RemoteError({ t: "error", code: "not-found", message: "not shared" });
    },
  });
  await lan.start();
  assert.deepEqual(await lan.sources(fileId), [
    { peerId: "has", address: "10.0.0.1:7000", chunks: "wA==" },
  ]);
});
