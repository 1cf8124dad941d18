/**
 * Why a chunk request of a download failed, told apart by the class of the
 * error (never by its message): the download stops, holds it against the
 * peer, leaves the peer alone for a while, or asks someone else.
 *
 * @module
 */

import { ConnectionClosedError, RemoteError } from "../protocol/connection.ts";
import { MembershipError } from "../protocol/handshake.ts";
import { IdentityMismatchError, UnreachableError } from "../protocol/secure_channel.ts";
import { TimeoutError } from "../protocol/timeouts.ts";
import { DECLINED_CODE } from "./seed_spread.ts";

/** The download cannot go on (its folder or `.part` file cannot be written, or it was cancelled). */
export class DownloadError extends Error {
  /** Creates the error; `message` says what went wrong and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

/** A peer sent bytes that are not the chunk asked for (wrong length or failed verification). */
export class BadChunkError extends Error {
  /** Creates the error; `message` says what was wrong with the bytes. */
  constructor(message: string) {
    super(message);
    this.name = "BadChunkError";
  }
}

/**
 * What a failed chunk request means:
 * - `fatal`: a {@linkcode DownloadError}; the whole download fails;
 * - `bad-chunk`: a {@linkcode BadChunkError}; counts towards banning the peer;
 * - `lost`: the connection to the peer failed (refused, reset, closed, timed
 *   out); the peer is set aside for a while;
 * - `declined`: a seeder held the chunk back because it just sent it to
 *   another peer (super-seeding, see seed_spread.ts); the chunk is left to
 *   the swarm for a while;
 * - `refused`: anything else, such as the peer answering that it cannot
 *   serve the chunk, or the request being cancelled.
 */
export type FailureKind = "fatal" | "bad-chunk" | "lost" | "declined" | "refused";

const CONNECTION_FAILURES = [
  ConnectionClosedError,
  TimeoutError,
  UnreachableError,
  IdentityMismatchError,
  MembershipError,
  Deno.errors.ConnectionRefused,
  Deno.errors.ConnectionReset,
  Deno.errors.BrokenPipe,
  Deno.errors.TimedOut,
];

/** The kind of failure `error` is, by its class. */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof DownloadError) return "fatal";
  if (error instanceof BadChunkError) return "bad-chunk";
  if (CONNECTION_FAILURES.some((type) => error instanceof type)) return "lost";
  if (isSystemError(error)) return "lost";
  if (error instanceof RemoteError && error.code === DECLINED_CODE) return "declined";
  return "refused";
}

/** A socket error from the system (`ECONNRESET`, `EPIPE`...), as node sockets report them. */
function isSystemError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code);
}
