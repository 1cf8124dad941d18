/**
 * Tunable numbers of the wire protocol's framing and connections: frame
 * sizes and rates, handshakes, reconnection. Numbers other parts share are
 * in `src/constants.ts`.
 *
 * @module
 */

import { MAX_CHUNK_SIZE } from "../constants.ts";

/**
 * Largest control frame accepted before the other side has proven it belongs
 * (hello and membership proof): a stranger cannot make us buffer more.
 */
export const MAX_HANDSHAKE_FRAME_BYTES = 4 * 1024;

/** Time a frame may take before its average rate is judged (see FRAME_MIN_BYTES_PER_SECOND). */
export const FRAME_GRACE_MS = 10_000;

/**
 * Slowest average rate at which a frame that has started may arrive, past
 * FRAME_GRACE_MS; a slower one closes the connection. 4 KiB/s is far below
 * any honest link (a 4 MiB chunk at 32 kbit/s), far above a trickle.
 */
export const FRAME_MIN_BYTES_PER_SECOND = 4 * 1024;

/** How often connections look for frames that are too slow. */
export const FRAME_WATCH_INTERVAL_MS = 1_000;

/** Largest chunk-data frame body accepted: one chunk plus its small header. */
export const MAX_DATA_FRAME_BYTES = MAX_CHUNK_SIZE + 64;

/** First delay before a peer reconnects to a lost server, in milliseconds. */
export const RECONNECT_MIN_DELAY_MS = 250;

/**
 * Connections a listener (the server, or a peer's chunk port) holds at once,
 * handshaking or not. Past it newcomers are closed at once: file descriptors
 * are finite (20,000 on the machines we measured) and each holds buffers.
 */
export const MAX_CONNECTIONS = 16_000;

/** Shortest time between two log lines about connections refused for one reason from one address. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** Silence after which the server closes a relayed link. */
export const RELAY_IDLE_TIMEOUT_MS = 60_000;

/** Time the server holds one half of a relayed link for the other to arrive. */
export const RELAY_PAIRING_TIMEOUT_MS = 10_000;

/** Bytes of a relay token, as the peers send it first on a relay connection (hex). */
export const RELAY_TOKEN_BYTES = 16;

/** Characters of one local network as a peer gives it (`255.255.255.255/32` is 18). */
export const MAX_NETWORK_CHARS = 18;
