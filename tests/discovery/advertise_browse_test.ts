/**
 * Advertiser and browser talking over real multicast between network
 * namespaces (never on the machine's own interfaces).
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createLan } from "../../scripts/netns.ts";
import {
  advertiseWithAgent,
  browseWithAgent,
  canCreateNamespaces,
  serverOn,
  startDiscoveryAgent,
} from "./agent.ts";
import { PROTOCOL_VERSION } from "../../src/constants.ts";
import { SERVER_SERVICE_TYPE } from "../../src/discovery/constants.ts";
import type { ServiceInstance } from "../../src/discovery/dns_sd.ts";
import { defaultTxt } from "../../src/discovery/service_names.ts";

const ignore = !canCreateNamespaces();

/** Browse time used when something is expected, in milliseconds. */
const BROWSE_MS = 2_000;

/** Browse time used when nothing is there, in milliseconds. */
const EMPTY_BROWSE_MS = 1_000;

/** Longest acceptable time for a goodbye to reach a watcher, in milliseconds. */
const GOODBYE_MAX_MS = 3_000;

Deno.test({
  name: "a browser finds the advertised server with its port, host, TXT and bound address",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    // Host 0 has a second address; the server is bound to the first only.
    const extraIp = lan.hosts[0].ip.replace(/\.\d+$/, ".101");
    await lan.output(0, ["ip", "addr", "add", `${extraIp}/24`, "dev", lan.hosts[0].iface]);
    await using bound = advertiseWithAgent(lan, {
      host: 0,
      service: serverOn("alpha", 8123),
      address: lan.hosts[0].ip,
    });
    // Host 1 advertises a server bound to every address (with its own name).
    await using wildcard = advertiseWithAgent(lan, {
      host: 1,
      service: {
        instanceName: "p2pft server on beta",
        serviceType: "_p2p-transfer._tcp", // ".local" is added
        port: 9000,
        host: "beta",
        txt: { protovers: String(PROTOCOL_VERSION), note: "hello world" },
      },
    });
    await bound.waitFor((e) => e.event === "advertised");
    await wildcard.waitFor((e) => e.event === "advertised");
    const found = await browseWithAgent(lan, { host: 2, timeoutMs: BROWSE_MS });
    assertEquals(found.map((i) => i.instanceName), [
      "p2pft server on alpha",
      "p2pft server on beta",
    ]);
    const [alpha, beta] = found;
    assertEquals(alpha.serviceType, SERVER_SERVICE_TYPE);
    assertEquals(alpha.host, "alpha.local");
    assertEquals(alpha.port, 8123);
    assertEquals(alpha.addresses, [lan.hosts[0].ip]);
    assertEquals(alpha.txt, {
      txtvers: "1",
      proto: "p2pft",
      protovers: String(PROTOCOL_VERSION),
    });
    assert(alpha.ttl > 0);
    assertEquals(beta.host, "beta.local");
    assertEquals(beta.port, 9000);
    assertEquals(beta.addresses, [lan.hosts[1].ip]);
    assertEquals(beta.txt, { protovers: String(PROTOCOL_VERSION), note: "hello world" });
  },
});

Deno.test({
  name: "a browser with nothing to find returns an empty list after its timeout",
  ignore,
  async fn() {
    await using lan = await createLan(1);
    const started = Date.now();
    const found = await browseWithAgent(lan, { host: 0, timeoutMs: EMPTY_BROWSE_MS });
    assertEquals(found, []);
    assert(Date.now() - started >= EMPTY_BROWSE_MS, "returned before its timeout");
  },
});

Deno.test({
  name: "a watcher sees a service come up, then go away when it says goodbye",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    await using watcher = startDiscoveryAgent(lan, {
      host: 1,
      args: ["watch", "_p2pft-peer._tcp.local"],
    });
    await watcher.waitFor((e) => e.event === "ready");
    await using peer = advertiseWithAgent(lan, {
      host: 0,
      service: {
        instanceName: "peer one",
        serviceType: "_p2pft-peer._tcp.local",
        port: 8001,
        host: "peer-one",
      },
    });
    const up = await watcher.waitFor((e) => e.event === "up");
    const instance = up.instance as ServiceInstance;
    assertEquals(instance.instanceName, "peer one");
    assertEquals(instance.port, 8001);
    assertEquals(instance.addresses, [lan.hosts[0].ip]);
    const closing = Date.now();
    const status = await peer.stop();
    assert(status.success, peer.stderr());
    assert(peer.events.some((e) => e.event === "closed"));
    const down = await watcher.waitFor((e) => e.event === "down", GOODBYE_MAX_MS);
    assertEquals((down.instance as ServiceInstance).instanceName, "peer one");
    assert(Date.now() - closing < GOODBYE_MAX_MS + 1_000);
  },
});

Deno.test({
  name: "a browser resolves SRV, TXT and A with follow-up queries when responses lack them",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    const terse = {
      instanceName: "terse",
      serviceType: SERVER_SERVICE_TYPE,
      port: 7000,
      host: "terse",
    };
    await using responder = startDiscoveryAgent(lan, {
      host: 0,
      args: ["bare-responder", JSON.stringify(terse), lan.hosts[0].ip],
    });
    await responder.waitFor((e) => e.event === "ready");
    const found = await browseWithAgent(lan, { host: 1, timeoutMs: BROWSE_MS });
    assertEquals(found.map((i) => [i.instanceName, i.host, i.port, i.addresses, i.txt]), [
      ["terse", "terse.local", 7000, [lan.hosts[0].ip], defaultTxt()],
    ]);
    const asked = responder.events.flatMap((e) => e.questions as string[] ?? []);
    for (const question of ["SRV", "TXT", "A"]) {
      assert(asked.some((q) => q.endsWith(` ${question}`)), `no ${question} query in ${asked}`);
    }
  },
});
