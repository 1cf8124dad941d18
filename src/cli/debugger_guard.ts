/**
 * Closes the debugger the runtime opens on SIGUSR1. Deno (since 2.9.2, as
 * Node.js does) starts its inspector on 127.0.0.1:9229 when a process
 * receives SIGUSR1, whatever the program listens for. The inspector asks no
 * password: while it is open, any user of the machine can run code as this
 * process and read its keys. A program cannot keep the runtime from opening
 * it, but it can close it: after a SIGUSR1 the guard looks for the
 * inspector every few milliseconds and closes it as soon as it appears.
 * A process started with `--inspect` on purpose is left alone.
 *
 * @module
 */

import inspector from "node:inspector";
import { errorMessage, type Logger } from "../log.ts";
import { DEBUGGER_POLL_MS, DEBUGGER_WATCH_MS } from "./constants.ts";

/** What the guard needs of `node:inspector`. */
export interface Inspector {
  /** The debugger's address while it is open. */
  url(): string | undefined;
  /** Closes the debugger. */
  close(): void;
}

/** Options of {@linkcode watchForDebugger}. */
export interface WatchOptions {
  /** Gap between two looks; default {@linkcode DEBUGGER_POLL_MS}. */
  pollMs?: number;
  /** Longest time it looks; default {@linkcode DEBUGGER_WATCH_MS}. */
  watchMs?: number;
}

/**
 * Closes the runtime's debugger whenever a SIGUSR1 opens it, with a warning
 * in `log`, for as long as the process runs (nothing on Windows, which has
 * no SIGUSR1, nor in a process whose debugger was open already).
 */
export function guardDebugger(log: Logger): void {
  if (Deno.build.os === "windows" || inspector.url() !== undefined) return;
  Deno.addSignalListener("SIGUSR1", () => {
    watchForDebugger(inspector, log).catch((error) =>
      log.error(
        `could not close the debugger SIGUSR1 opened (${errorMessage(error)}): stop p2pft, ` +
          `as anyone on this machine may use it`,
      )
    );
  });
}

/**
 * Looks for an open debugger at once, then every `pollMs` for at most
 * `watchMs`, and closes it once seen, saying so in `log`. Resolves to
 * whether it closed one.
 */
export async function watchForDebugger(
  debug: Inspector,
  log: Logger,
  options: WatchOptions = {},
): Promise<boolean> {
  const pollMs = options.pollMs ?? DEBUGGER_POLL_MS;
  const deadline = performance.now() + (options.watchMs ?? DEBUGGER_WATCH_MS);
  let url = debug.url();
  while (url === undefined) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    url = debug.url();
  }
  debug.close();
  log.warn(
    `SIGUSR1 opened the runtime's debugger (${url}), which would let anyone on this machine ` +
      `run code as p2pft: closed it; stop p2pft with SIGINT or SIGTERM, not SIGUSR1`,
  );
  return true;
}
