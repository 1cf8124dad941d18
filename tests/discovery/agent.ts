/**
 * Test-side handle on a program that prints JSON lines (the discovery agent
 * or the python-zeroconf agent) running in a host of a {@linkcode Lan}.
 *
 * @module
 */

import type { Lan } from "../helpers/netns.ts";
import { SERVER_SERVICE_TYPE } from "../../src/constants.ts";
import type { ServiceInstance } from "../../src/discovery/dns_sd.ts";

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

/** A running agent. */
export interface Agent {
  /** Every event printed so far. */
  events: AgentEvent[];
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** The first event (already printed or coming) matching `predicate`; rejects after the timeout. */
  waitFor(predicate: (event: AgentEvent) => boolean, timeoutMs?: number): Promise<AgentEvent>;
  /** Closes its stdin (which makes it stop) and waits for it to exit. */
  stop(): Promise<Deno.CommandStatus>;
}

/** Starts `cmd` in host number `host` of `lan` and collects its JSON lines. */
export function startAgent(lan: Lan, options: { host: number; cmd: string[] }): Agent {
  const child = lan.exec(options.host, options.cmd, { stdin: "piped" });
  const events: AgentEvent[] = [];
  const waiters = new Set<() => void>();
  let errText = "";
  let ended = false;

  const readOut = (async () => {
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === "") continue;
        try {
          events.push(JSON.parse(line));
        } catch {
          errText += `(stdout) ${line}\n`;
        }
        for (const wake of waiters) wake();
      }
    }
    ended = true;
    for (const wake of waiters) wake();
  })();
  const readErr = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) errText += chunk;
  })();

  async function stop(): Promise<Deno.CommandStatus> {
    try {
      await child.stdin.close();
    } catch {
      // Already closed.
    }
    const status = await child.status;
    await Promise.all([readOut, readErr]);
    return status;
  }

  function waitFor(
    predicate: (event: AgentEvent) => boolean,
    timeoutMs = EVENT_TIMEOUT_MS,
  ): Promise<AgentEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = events.find(predicate);
        if (found) return finish(() => resolve(found));
        if (ended) {
          finish(() =>
            reject(
              new Error(`${options.cmd.join(" ")} exited before the expected event.\n${errText}`),
            )
          );
        }
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `No expected event from "${options.cmd.join(" ")}" within ${timeoutMs} ms. ` +
                  `Events: ${JSON.stringify(events)}\nStderr:\n${errText}`,
              ),
            )
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  }

  return { events, stderr: () => errText, waitFor, stop };
}

/** Starts the Deno discovery agent with `args` in host number `host`. */
export function startDiscoveryAgent(lan: Lan, options: { host: number; args: string[] }): Agent {
  return startAgent(lan, {
    host: options.host,
    cmd: [Deno.execPath(), "run", "--allow-all", DISCOVERY_AGENT, ...options.args],
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
 * Browses for the p2pft server service from host number `host` for
 * `timeoutMs`, and returns the instances found. Throws when the agent fails.
 */
export async function browseWithAgent(
  lan: Lan,
  options: { host: number; timeoutMs: number },
): Promise<ServiceInstance[]> {
  const browser = startDiscoveryAgent(lan, {
    host: options.host,
    args: ["browse", SERVER_SERVICE_TYPE, String(options.timeoutMs)],
  });
  const found = await browser.waitFor((event) => event.event === "found");
  const status = await browser.stop();
  if (!status.success) throw new Error(`the browse agent failed: ${browser.stderr()}`);
  return found.instances as ServiceInstance[];
}
