/**
 * Interoperability with an independent DNS-SD implementation: Debian's
 * python3-zeroconf (`apt-get install python3-zeroconf`), run inside network
 * namespaces. Skipped when it is not installed.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createLan, type Lan } from "../../scripts/netns.ts";
import {
  advertiseWithAgent,
  browseWithAgent,
  canCreateNamespaces,
  hasPythonZeroconf,
  labServer,
  serverOn,
  startDiscoveryAgent,
  startZeroconfAgent,
} from "./agent.ts";
import { PEER_SERVICE_TYPE, PROTOCOL_VERSION } from "../../src/constants.ts";
import { SERVER_SERVICE_TYPE } from "../../src/discovery/constants.ts";
import type { ServiceInstance } from "../../src/discovery/dns_sd.ts";

const ignore = !canCreateNamespaces() || !hasPythonZeroconf();

/** Time python-zeroconf browses, in seconds. */
const ZEROCONF_BROWSE_S = 3;

/** Time our browser browses, in milliseconds. */
const BROWSE_MS = 2_000;

Deno.test({
  name: "python-zeroconf lists, enumerates and resolves our advertised server",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    await using server = advertiseWithAgent(lan, { host: 0, service: serverOn("alpha", 8123) });
    await server.waitFor((e) => e.event === "advertised");
    await using python = startZeroconfAgent(lan, {
      host: 1,
      args: ["browse", SERVER_SERVICE_TYPE, String(ZEROCONF_BROWSE_S)],
    });
    const result = await python.waitFor((e) => "instances" in e);
    const status = await python.stop();
    assert(status.success, python.stderr());
    assertEquals(result.types, [`${SERVER_SERVICE_TYPE}.`]);
    assertEquals(result.instances, [{
      name: `p2pft server on alpha.${SERVER_SERVICE_TYPE}.`,
      server: "alpha.local.",
      port: 8123,
      addresses: [lan.hosts[0].ip],
      txt: { txtvers: "1", proto: "p2pft", protovers: String(PROTOCOL_VERSION) },
    }]);
  },
});

/** Registers `name` of `type` with python-zeroconf in host `host`, at its address and `port`. */
function zeroconfRegister(
  lan: Lan,
  host: number,
  service: { type: string; name: string; hostName: string; port: number; rename?: boolean },
) {
  return startZeroconfAgent(lan, {
    host,
    args: [
      "register",
      service.type,
      service.name,
      service.hostName,
      lan.hosts[host].ip,
      String(service.port),
      ...(service.rename ? ["rename"] : []),
    ],
  });
}

Deno.test({
  name: "our browser finds a service registered by python-zeroconf, and sees its goodbye",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    await using python = zeroconfRegister(lan, 1, {
      type: PEER_SERVICE_TYPE,
      name: "py peer",
      hostName: "pyhost",
      port: 9999,
    });
    await using watcher = startDiscoveryAgent(lan, { host: 0, args: ["watch", PEER_SERVICE_TYPE] });
    await python.waitFor((e) => "registered" in e);
    const found = await browseWithAgent(lan, {
      host: 0,
      timeoutMs: BROWSE_MS,
      serviceType: PEER_SERVICE_TYPE,
    });
    assertEquals(found.map((i) => [i.instanceName, i.host, i.port, i.addresses, i.txt]), [[
      "py peer",
      "pyhost.local",
      9999,
      [lan.hosts[1].ip],
      { txtvers: "1", proto: "p2pft", protovers: "1" },
    ]]);
    await watcher.waitFor((e) => e.event === "up");
    await python.stop();
    const down = await watcher.waitFor((e) => e.event === "down");
    assertEquals((down.instance as ServiceInstance).instanceName, "py peer");
  },
});

Deno.test({
  name: "name conflicts with python-zeroconf are resolved in both directions",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    // python-zeroconf holds the name first: we must rename.
    await using python = zeroconfRegister(lan, 1, {
      type: SERVER_SERVICE_TYPE,
      name: "p2pft server on lab",
      hostName: "pylab",
      port: 8000,
    });
    await python.waitFor((e) => "registered" in e);
    await using ours = advertiseWithAgent(lan, { host: 0, service: labServer("lab") });
    const advertised = await ours.waitFor((e) => e.event === "advertised");
    assertEquals(advertised.instanceName, "p2pft server on lab (2)");
    // We hold "p2pft server on lab (2)": python-zeroconf probing for it must see us defend it.
    await using latePython = zeroconfRegister(lan, 2, {
      type: SERVER_SERVICE_TYPE,
      name: "p2pft server on lab (2)",
      hostName: "pylate",
      port: 8000,
      rename: true,
    });
    const late = await latePython.waitFor((e) => "registered" in e);
    assert(
      late.registered !== `p2pft server on lab (2).${SERVER_SERVICE_TYPE}.`,
      `python-zeroconf took our name: ${JSON.stringify(late)}`,
    );
  },
});
