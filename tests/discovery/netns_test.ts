/** The network-namespace LAN helper that every discovery test relies on. */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  cleanStaleNamespaces,
  createLan,
  listNamespaces,
  NETNS_PREFIX,
} from "../../scripts/netns.ts";
import { canCreateNamespaces, startAgent } from "./agent.ts";

const ignore = !canCreateNamespaces();

/** A PID no process has (above the kernel's pid_max limit). */
const DEAD_PID = 99_999_999;

/** TCP port used to show that two hosts reach each other. */
const PROBE_PORT = 7777;

Deno.test({
  name: "createLan joins hosts on one link with multicast routes, and close deletes them",
  ignore,
  async fn() {
    const lan = await createLan(2);
    try {
      const names = await listNamespaces();
      for (const host of lan.hosts) assert(names.includes(host.ns), `${host.ns} missing`);
      assert(names.includes(lan.switchNs));
      assertEquals(lan.hosts.map((h) => h.ip), ["10.213.0.1", "10.213.0.2"]);
      const routes = new TextDecoder().decode((await lan.output(0, ["ip", "route"])).stdout);
      assert(routes.includes("224.0.0.0/4 dev eth0"), routes);
      // Host 0 reaches host 1 over the bridge.
      const listener = startAgent(lan, {
        host: 1,
        cmd: [
          Deno.execPath(),
          "eval",
          `const l = Deno.listen({ port: ${PROBE_PORT} }); console.log('{"ready":1}');` +
          "(await l.accept()).close(); l.close();",
        ],
      });
      await listener.waitFor((e) => "ready" in e);
      const connect = await lan.output(0, [
        "bash",
        "-c",
        `exec 3<>/dev/tcp/${lan.hosts[1].ip}/${PROBE_PORT}`,
      ]);
      assert(connect.success, new TextDecoder().decode(connect.stderr));
      assert((await listener.stop()).success);
      const child = lan.exec(1, ["sleep", "30"], { stdout: "null", stderr: "null" });
      await lan.close();
      assertEquals((await child.status).success, false, "close must kill what still runs");
    } finally {
      await lan.close();
    }
    const after = await listNamespaces();
    assert(lan.hosts.every((h) => !after.includes(h.ns)) && !after.includes(lan.switchNs));
  },
});

Deno.test({
  name: "cleanStaleNamespaces deletes namespaces of dead runs only",
  ignore,
  async fn() {
    const stale = `${NETNS_PREFIX}${DEAD_PID}-stale-h0`;
    const alive = `${NETNS_PREFIX}${Deno.pid}-alive-h0`;
    for (const name of [stale, alive]) {
      await new Deno.Command("ip", { args: ["netns", "add", name] }).output();
    }
    try {
      const deleted = await cleanStaleNamespaces();
      assert(deleted.includes(stale));
      assert(!deleted.includes(alive));
      const names = await listNamespaces();
      assert(!names.includes(stale) && names.includes(alive));
    } finally {
      for (const name of [stale, alive]) {
        await new Deno.Command("ip", { args: ["netns", "delete", name], stderr: "null" }).output();
      }
    }
  },
});

Deno.test({
  name: "createLan with a qdisc shapes both ends of every host's link",
  ignore,
  async fn() {
    await using lan = await createLan(1, {
      qdisc: ["tbf", "rate", "10mbit", "burst", "32kb", "latency", "20ms"],
    });
    const show = async (ns: string, dev: string) => {
      const out = await new Deno.Command("tc", { args: ["-n", ns, "qdisc", "show", "dev", dev] })
        .output();
      return new TextDecoder().decode(out.stdout);
    };
    assert(/tbf .*rate 10Mbit/.test(await show(lan.hosts[0].ns, lan.hosts[0].iface)));
    assert(/tbf .*rate 10Mbit/.test(await show(lan.switchNs, "p0")));
  },
});
