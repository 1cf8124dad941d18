/**
 * Interoperability with an independent DNS-SD implementation: Debian's
 * python3-zeroconf (`apt-get install python3-zeroconf`), run inside network
 * namespaces. Skipped when it is not installed.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createLan } from "../helpers/netns.ts";
import {
  canCreateNamespaces,
  hasPythonZeroconf,
  startAgent,
  startDiscoveryAgent,
  SYSTEM_PYTHON,
  ZEROCONF_AGENT,
} from "./agent.ts";
import { PEER_SERVICE_TYPE, PROTOCOL_VERSION, SERVER_SERVICE_TYPE } from "../../src/constants.ts";
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
    const server = startDiscoveryAgent(lan, {
      host: 0,
      args: [
        "advertise",
        JSON.stringify({
          instanceName: "p2pft server on alpha",
          serviceType: SERVER_SERVICE_TYPE,
          port: 8123,
          host: "alpha",
        }),
      ],
    });
    try {
      await server.waitFor((e) => e.event === "advertised");
      const python = startAgent(lan, {
        host: 1,
        cmd: [
          SYSTEM_PYTHON,
          ZEROCONF_AGENT,
          "browse",
          SERVER_SERVICE_TYPE,
          String(ZEROCONF_BROWSE_S),
        ],
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
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "our browser finds a service registered by python-zeroconf, and sees its goodbye",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    const python = startAgent(lan, {
      host: 1,
      cmd: [
        SYSTEM_PYTHON,
        ZEROCONF_AGENT,
        "register",
        PEER_SERVICE_TYPE,
        "py peer",
        "pyhost",
        lan.hosts[1].ip,
        "9999",
      ],
    });
    const watcher = startDiscoveryAgent(lan, { host: 0, args: ["watch", PEER_SERVICE_TYPE] });
    try {
      await python.waitFor((e) => "registered" in e);
      const browser = startDiscoveryAgent(lan, {
        host: 0,
        args: ["browse", PEER_SERVICE_TYPE, String(BROWSE_MS)],
      });
      const found = (await browser.waitFor((e) => e.event === "found"))
        .instances as ServiceInstance[];
      await browser.stop();
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
    } finally {
      await Promise.all([python.stop(), watcher.stop()]);
    }
  },
});

/** Description of a server named like the python-registered one, for the agent. */
function labServer(host: string): string {
  return JSON.stringify({
    instanceName: "p2pft server on lab",
    serviceType: SERVER_SERVICE_TYPE,
    port: 8000,
    host,
  });
}

Deno.test({
  name: "name conflicts with python-zeroconf are resolved in both directions",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    // python-zeroconf holds the name first: we must rename.
    const python = startAgent(lan, {
      host: 1,
      cmd: [
        SYSTEM_PYTHON,
        ZEROCONF_AGENT,
        "register",
        SERVER_SERVICE_TYPE,
        "p2pft server on lab",
        "pylab",
        lan.hosts[1].ip,
        "8000",
      ],
    });
    let ours: ReturnType<typeof startDiscoveryAgent> | undefined;
    let latePython: ReturnType<typeof startAgent> | undefined;
    try {
      await python.waitFor((e) => "registered" in e);
      ours = startDiscoveryAgent(lan, { host: 0, args: ["advertise", labServer("lab")] });
      const advertised = await ours.waitFor((e) => e.event === "advertised");
      assertEquals(advertised.instanceName, "p2pft server on lab (2)");
      // We hold "p2pft server on lab (2)": python-zeroconf probing for it must see us defend it.
      latePython = startAgent(lan, {
        host: 2,
        cmd: [
          SYSTEM_PYTHON,
          ZEROCONF_AGENT,
          "register",
          SERVER_SERVICE_TYPE,
          "p2pft server on lab (2)",
          "pylate",
          lan.hosts[2].ip,
          "8000",
          "rename",
        ],
      });
      const late = await latePython.waitFor((e) => "registered" in e);
      assert(
        late.registered !== `p2pft server on lab (2).${SERVER_SERVICE_TYPE}.`,
        `python-zeroconf took our name: ${JSON.stringify(late)}`,
      );
    } finally {
      await Promise.all([python.stop(), ours?.stop(), latePython?.stop()]);
    }
  },
});
