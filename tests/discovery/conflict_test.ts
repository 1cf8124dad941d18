/**
 * Name conflicts between two advertisers on one LAN (RFC 6762 §8, §9),
 * over real multicast between network namespaces.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createLan } from "../../scripts/netns.ts";
import {
  advertiseWithAgent,
  browseWithAgent,
  canCreateNamespaces,
  labServer,
  startDiscoveryAgent,
} from "./agent.ts";
import { SERVER_SERVICE_TYPE } from "../../src/discovery/constants.ts";
import type { ServiceInstance } from "../../src/discovery/dns_sd.ts";

const ignore = !canCreateNamespaces();

/** Browse time, in milliseconds. */
const BROWSE_MS = 2_000;

Deno.test({
  name: "a second server with a taken instance and host name renames itself",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    await using first = advertiseWithAgent(lan, { host: 0, service: labServer("lab", 8000) });
    const one = await first.waitFor((e) => e.event === "advertised");
    assertEquals(one.instanceName, "p2pft server on lab");
    assertEquals(one.host, "lab");
    // The first is announced by now, so the second one's probes hit it.
    await using second = advertiseWithAgent(lan, { host: 1, service: labServer("lab", 8001) });
    const two = await second.waitFor((e) => e.event === "advertised");
    assertEquals(two.instanceName, "p2pft server on lab (2)");
    assertEquals(two.host, "lab-2");

    const found = await browseWithAgent(lan, { host: 2, timeoutMs: BROWSE_MS });
    assertEquals(
      found.map((i) => [i.instanceName, i.host, i.port, i.addresses]),
      [
        ["p2pft server on lab", "lab.local", 8000, [lan.hosts[0].ip]],
        ["p2pft server on lab (2)", "lab-2.local", 8001, [lan.hosts[1].ip]],
      ],
    );
  },
});

Deno.test({
  name: "two servers probing the same name at the same time end up with different names",
  ignore,
  async fn() {
    await using lan = await createLan(2);
    await using a = advertiseWithAgent(lan, { host: 0, service: labServer("lab-a") });
    await using b = advertiseWithAgent(lan, { host: 1, service: labServer("lab-b") });
    const names = await Promise.all(
      [a, b].map(async (agent) =>
        (await agent.waitFor((e) => e.event === "advertised")).instanceName as string
      ),
    );
    assertEquals(names.sort(), ["p2pft server on lab", "p2pft server on lab (2)"]);
    const statuses = await Promise.all([a.stop(), b.stop()]);
    assert(statuses.every((s) => s.success), [a.stderr(), b.stderr()].join("\n"));
  },
});

Deno.test({
  name: "two servers that took the same name apart rename one of them when their links join",
  ignore,
  async fn() {
    await using lan = await createLan(3);
    // Host 1 is cut off from the bridge while both servers start.
    const port1 = ["ip", "-n", lan.switchNs, "link", "set", "p1"];
    await new Deno.Command(port1[0], { args: [...port1.slice(1), "down"] }).output();
    await using a = advertiseWithAgent(lan, { host: 0, service: labServer("lab-a") });
    await using b = advertiseWithAgent(lan, { host: 1, service: labServer("lab-b") });
    for (const agent of [a, b]) {
      const advertised = await agent.waitFor((e) => e.event === "advertised");
      assertEquals(advertised.instanceName, "p2pft server on lab");
    }
    await new Deno.Command(port1[0], { args: [...port1.slice(1), "up"] }).output();
    // A query from host 2 makes both answer; each hears the other and probes again.
    await using browser = startDiscoveryAgent(lan, {
      host: 2,
      args: ["watch", SERVER_SERVICE_TYPE],
    });
    const renamed = await Promise.race(
      [a, b].map((agent) => agent.waitFor((e) => e.event === "renamed")),
    );
    assertEquals(renamed.instanceName, "p2pft server on lab (2)");
    const names = new Set<string>();
    await browser.waitFor((e) => {
      if (e.event === "up") names.add((e.instance as ServiceInstance).instanceName);
      return names.has("p2pft server on lab") && names.has("p2pft server on lab (2)");
    });
  },
});
