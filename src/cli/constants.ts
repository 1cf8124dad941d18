/**
 * Defaults and limits of the command line: listen addresses, the server
 * address, transfer codes. Numbers other parts share are in
 * `src/constants.ts`.
 *
 * @module
 */

/** Default address the server listens on. */
export const DEFAULT_SERVER_LISTEN = "0.0.0.0:8000";

/**
 * Default address a peer listens on: every interface, since the server
 * sends other machines to the address it sees the peer come from.
 */
export const DEFAULT_PEER_LISTEN = "0.0.0.0:8001";

/** Default server a peer connects to. */
export const DEFAULT_SERVER_ADDRESS = "127.0.0.1:8000";

/** Default address of a peer's `--web` given without one. */
export const DEFAULT_WEB_LISTEN = "127.0.0.1:8080";

/**
 * Wrong codes (failed or abandoned code exchanges) after which a send's code
 * stops working: an online guesser wins with a chance of at most this many
 * in 2^33 (three words of 11 bits).
 */
export const MAX_CODE_FAILURES = 3;

/** Receivers a send serves before it stops, unless told otherwise (`--max-receivers`). */
export const DEFAULT_MAX_RECEIVERS = 1;

/** How often a SIGUSR1 is followed by a look for the debugger the runtime opens on it. */
export const DEBUGGER_POLL_MS = 5;

/** How long after a SIGUSR1 the debugger is looked for (the runtime opens it within milliseconds). */
export const DEBUGGER_WATCH_MS = 2_000;
