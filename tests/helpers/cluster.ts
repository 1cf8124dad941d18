/**
 * What the end-to-end tests add to the process harness
 * (`scripts/process_harness.ts`): a server with its peers and a folder that
 * all go away together, temporary folders, the file IDs a sharing process
 * prints, `--json` error checks, misbehaving peers, free ports.
 *
 * @module
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Child,
  eventsNamed,
  p2pftEnv,
  type P2pftOptions,
  P2pftProcess,
  RUN_FLAGS,
  type RunResult,
  startPeer,
  startServer,
} from "../../scripts/process_harness.ts";
import { writeRandomFile } from "../../scripts/sample_files.ts";
import type { Lan } from "../../scripts/netns.ts";

/** A temporary folder; disposing of it deletes it with everything in it. */
export interface TempDir extends AsyncDisposable {
  /** Its path. */
  path: string;
}

/** Attempts at deleting a temporary folder that a process still writes into as it ends. */
const REMOVE_ATTEMPTS = 5;

/** Pause between two attempts at deleting a temporary folder. */
const REMOVE_RETRY_MS = 100;

/**
 * Makes a temporary folder named `prefix…` (under `dir` when given). Disposing
 * of it deletes it, retrying a few times; a folder it cannot delete fails the test.
 */
export async function tempDir(prefix: string, options: { dir?: string } = {}): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix, dir: options.dir });
  return {
    path,
    async [Symbol.asyncDispose]() {
      for (let attempt = 1;; attempt++) {
        try {
          await Deno.remove(path, { recursive: true });
          return;
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) return;
          if (attempt === REMOVE_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, REMOVE_RETRY_MS));
        }
      }
    },
  };
}

/** A server on loopback and a temporary folder; disposing of it stops all it started, then deletes the folder. */
export interface Cluster extends AsyncDisposable {
  /** The temporary folder. */
  dir: string;
  /** The server. */
  server: P2pftProcess;
  /** Writes a seeded random file of `size` bytes at `name` in the folder; resolves to its path. */
  file(name: string, options: { size: number; seed: number }): Promise<string>;
  /** Starts a peer sharing `paths`; resolves to it and the file IDs it printed. */
  share(
    paths: string[],
    options?: P2pftOptions & { args?: string[] },
  ): Promise<{ peer: P2pftProcess; ids: string[] }>;
  /** Starts a rogue peer sharing `file`, misbehaving as `mode` says (see rogue_peer.ts). */
  rogue(file: string, mode: string): Promise<{ rogue: Child; id: string }>;
  /** Disposes of `value` with the cluster (a rogue peer, a downloader); returns it. */
  use<T extends AsyncDisposable>(value: T): T;
}

/** Starts a {@linkcode Cluster} in a folder named `prefix…` (under `options.dir` when given). */
export async function startCluster(
  prefix: string,
  options: { dir?: string } = {},
): Promise<Cluster> {
  const stack = new AsyncDisposableStack();
  try {
    const dir = stack.use(await tempDir(prefix, options)).path;
    const server = stack.use(await startServer());
    return {
      dir,
      server,
      async file(name, options) {
        const path = join(dir, name);
        await Deno.mkdir(dirname(path), { recursive: true });
        await writeRandomFile(path, options.size, { seed: options.seed });
        return path;
      },
      async share(paths, options = {}) {
        const args = [...(options.args ?? []), ...paths.flatMap((path) => ["-r", path])];
        const peer = stack.use(await startPeer(server.address, { ...options, args }));
        return { peer, ids: await fileIds(peer, { count: paths.length }) };
      },
      async rogue(file, mode) {
        const rogue = stack.use(startRogue(server.address, { file, mode }));
        return { rogue, id: (await fileIds(rogue))[0] };
      },
      use: (value) => stack.use(value),
      [Symbol.asyncDispose]: () => stack.disposeAsync(),
    };
  } catch (error) {
    await stack.disposeAsync();
    throw error;
  }
}

/** The first `count` (default 1) file IDs `process` prints in `File ID: <64 hex>  name` lines. */
export async function fileIds(
  process: Child,
  options: { count?: number; timeoutMs?: number } = {},
): Promise<string[]> {
  const matches = await process.stdout.waitForCount(/^File ID: ([0-9a-f]{64})(?: {2}|$)/, {
    count: options.count ?? 1,
    timeoutMs: options.timeoutMs,
  });
  return matches.map((match) => match[1]);
}

/** Asserts that a `--json` run reported an `error` event whose message matches `pattern`. */
export function assertErrorEvent(result: RunResult, pattern: RegExp): void {
  const messages = eventsNamed(result.events, "error").map((event) => event.message);
  assert.ok(
    messages.some((message) => pattern.test(message)),
    `no error event matching ${pattern}; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
  );
}

/** Path of the misbehaving peer used by the fault tests. */
const ROGUE = fileURLToPath(new URL("./rogue_peer.ts", import.meta.url));

/**
 * Starts a rogue peer (see rogue_peer.ts for the modes and the lines it
 * prints) sharing `file` through `server`, misbehaving as `mode` says.
 */
export function startRogue(server: string, options: { file: string; mode: string }): Child {
  return new Child([Deno.execPath(), ...RUN_FLAGS, ROGUE, server, options.file, options.mode], {
    name: `rogue peer (${options.mode})`,
    env: p2pftEnv(),
  });
}

export { freePort } from "../../scripts/process_harness.ts";

/** `p2pft <args>` inside host `host` of `lan` (mDNS off unless `options.mdns` says otherwise). */
export function p2pftOn(
  lan: Lan,
  host: number,
  args: string[],
  options: P2pftOptions = {},
): P2pftProcess {
  return new P2pftProcess(args, {
    ...options,
    launch: (cmd, launchOptions) => lan.exec(host, cmd, launchOptions),
  });
}
