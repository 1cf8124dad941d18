/**
 * Test-side handle on a program that prints JSON lines (the discovery agent
 * or the python-zeroconf agent) running in a host of a {@linkcode Lan}.
 *
 * @module
 */

import { Child, type Exit } from "../../scripts/process_harness.ts";
import type { Lan } from "../../scripts/netns.ts";
import { SERVER_SERVICE_TYPE } from "../../src/discovery/constants.ts";
import type { ServiceDescription, ServiceInstance } from "../../src/discovery/dns_sd.ts";

/** Path of the Deno discovery agent. */
export const DISCOVERY_AGENT = new URL("./discovery_agent.ts", import.meta.url).pathname;

/** Path of the python-zeroconf agent. */
export const ZEROCONF_AGENT = new URL("./zeroconf_agent.py", import.meta.url).pathname;

/** Python with Debian's python3-zeroconf. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Default time to wait for an event, in milliseconds. */
export const EVENT_TIMEOUT_MS = 10_000;

/** One JSON line printed by an agent. */
export type AgentEvent = Record<string, unknown>;

/** A running agent; disposing of it stops it. */
export interface Agent extends AsyncDisposable {
  /** Every event printed so far. */
  readonly events: AgentEvent[];
  /** What it wrote so far (stdout and stderr), for messages. */
  stderr(): string;
  /** The first event (already printed or coming) matching `predicate`; rejects after the timeout. */
  waitFor(predicate: (event: AgentEvent) => boolean, timeoutMs?: number): Promise<AgentEvent>;
  /** Closes its stdin (which makes it stop) and waits for it to exit. */
  stop(): Promise<Exit>;
}

/** The JSON object on `line`, or null. */
function parseEvent(line: string): AgentEvent | null {
  try {
    const value = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** Starts `cmd` in host number `host` of `lan` and collects its JSON lines. */
export function startAgent(lan: Lan, options: { host: number; cmd: string[] }): Agent {
  const child = new Child(options.cmd, {
    stdin: "piped",
    launch: (cmd, spawn) => lan.exec(options.host, cmd, spawn),
  });
  const stop = async () => {
    await child.input();
    return await child.exit();
  };
  return {
    get events() {
      return child.stdout.lines.map(parseEvent).filter((event) => event !== null);
    },
    stderr: () => child.describe(),
    async waitFor(predicate, timeoutMs = EVENT_TIMEOUT_MS) {
      const found = await child.stdout.waitForLine((line) => {
        const event = parseEvent(line);
        return event && predicate(event) ? event : null;
      }, timeoutMs);
      return found.value;
    },
    stop,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

/** Starts the Deno discovery agent with `args` in host number `host`. */
export function startDiscoveryAgent(lan: Lan, options: { host: number; args: string[] }): Agent {
  return startAgent(lan, {
    host: options.host,
    cmd: [Deno.execPath(), "run", "--allow-all", DISCOVERY_AGENT, ...options.args],
  });
}

/**
 * Starts the Deno discovery agent advertising `service` in host number
 * `host`, bound to `address` when given (else to every address).
 */
export function advertiseWithAgent(
  lan: Lan,
  options: { host: number; service: ServiceDescription; address?: string },
): Agent {
  const bound = options.address === undefined ? [] : [JSON.stringify({ address: options.address })];
  return startDiscoveryAgent(lan, {
    host: options.host,
    args: ["advertise", JSON.stringify(options.service), ...bound],
  });
}

/** A p2pft server on `host` as it advertises itself: "p2pft server on <host>". */
export function serverOn(host: string, port: number): ServiceDescription {
  return { instanceName: `p2pft server on ${host}`, serviceType: SERVER_SERVICE_TYPE, port, host };
}

/** A p2pft server called "p2pft server on lab" on `host`: the name the conflict tests fight over. */
export function labServer(host: string, port = 8000): ServiceDescription {
  return { ...serverOn(host, port), instanceName: "p2pft server on lab" };
}

/** Starts the python-zeroconf agent with `args` in host number `host`. */
export function startZeroconfAgent(lan: Lan, options: { host: number; args: string[] }): Agent {
  return startAgent(lan, {
    host: options.host,
    cmd: [SYSTEM_PYTHON, ZEROCONF_AGENT, ...options.args],
  });
}

/** Whether Debian's python3-zeroconf is installed. */
export function hasPythonZeroconf(): boolean {
  try {
    return new Deno.Command(SYSTEM_PYTHON, { args: ["-c", "import zeroconf"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Whether this process may create network namespaces (needs root). */
export function canCreateNamespaces(): boolean {
  return Deno.uid() === 0;
}

/**
 * Browses for `serviceType` (default the p2pft server's) from host number
 * `host` for `timeoutMs`, and returns the instances found. Throws when the
 * agent fails.
 */
export async function browseWithAgent(
  lan: Lan,
  options: { host: number; timeoutMs: number; serviceType?: string },
): Promise<ServiceInstance[]> {
  await using browser = startDiscoveryAgent(lan, {
    host: options.host,
    args: ["browse", options.serviceType ?? SERVER_SERVICE_TYPE, String(options.timeoutMs)],
  });
  const found = await browser.waitFor((event) => event.event === "found");
  const status = await browser.stop();
  if (!status.success) throw new Error(`the browse agent failed: ${browser.stderr()}`);
  return found.instances as ServiceInstance[];
}
