/**
 * The refusals that end a peer's link to its server for good, since
 * retrying cannot mend them: a refused network key, a changed server
 * identity.
 *
 * @module
 */

import { MembershipError } from "../protocol/handshake.ts";

/** The server proved another identity than the one remembered for its address. */
export class ServerIdentityError extends Error {
  /** Creates the error; `message` says what to do. */
  constructor(message: string) {
    super(message);
    this.name = "ServerIdentityError";
  }
}

/**
 * True for the failures that retrying cannot mend: a refused network key or
 * a changed server identity. The link stops and says why, loudly.
 */
export function isFatalLinkError(error: unknown): boolean {
  return error instanceof MembershipError || error instanceof ServerIdentityError;
}
