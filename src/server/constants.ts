/**
 * Tunable numbers of the index server: sweeps, probes, reversals, relays,
 * nameplates and listings. Numbers other parts share are in
 * `src/constants.ts`.
 *
 * @module
 */

/** How often the server looks for silent peers, in milliseconds. */
export const PEER_SWEEP_INTERVAL_MS = 1_000;

/** Shortest time between two log lines about one peer sending past its request rate. */
export const RATE_LIMIT_LOG_INTERVAL_MS = 60_000;

/** Time the server's dial-back to a registering peer's chunk port may take before it counts as unreachable. */
export const REACHABILITY_PROBE_TIMEOUT_MS = 3_000;

/** Reversal requests the server passes on from one peer a second, on average. */
export const MAX_REVERSALS_PER_SECOND = 5;

/** Reversal requests the server passes on from one peer in a burst. */
export const MAX_REVERSAL_BURST = 20;

/** Transfer codes (`p2pft send` and `p2pft get`): nameplates the server holds at once. */
export const MAX_NAMEPLATES = 10_000;

/** Nameplates one sender's connection to the server may hold at once. */
export const MAX_NAMEPLATES_PER_SENDER = 16;

/**
 * Nameplates held at once from one IP address (IPv6: one /64), so that a
 * stranger on an `--open` network, where IDs cost nothing, cannot take all
 * `MAX_NAMEPLATES`: 625 connections from 3 addresses did before; with 128
 * it takes 79 addresses. A nameplate is held only while its `send` waits,
 * so even a NATed office of hundreds of people rarely has more than a few
 * dozen codes out at once; 128 leaves room for that several times over
 * (and stays under `MAX_CONNECTIONS_PER_ADDRESS`, one send being one
 * connection).
 */
export const MAX_NAMEPLATES_PER_ADDRESS = 128;

/** Nameplate resolves one IP address may make at once. */
export const NAMEPLATE_RESOLVE_BURST = 10;

/** Nameplate resolves one IP address may make a minute once its burst is spent. */
export const NAMEPLATE_RESOLVES_PER_MINUTE = 10;

/** Peers' relays the server asks in turn for one relayed link, when its own is off or full. */
export const MAX_PEER_RELAYS_ASKED = 3;

/** Time a peer's relay may take to accept a link the server asks it to join. */
export const PEER_RELAY_ASK_TIMEOUT_MS = 3_000;

/** Reachability probes (dial-backs) the server runs at once. */
export const MAX_REACHABILITY_PROBES = 32;

/** Reachability probes the server runs at once to one IP. */
export const MAX_REACHABILITY_PROBES_PER_HOST = 8;

/** Registrations waiting for a reachability probe at most; past it, a peer registers unchecked. */
export const MAX_REACHABILITY_PROBES_WAITING = 256;

/** Time a registration waits for its reachability probe to start before it goes unchecked. */
export const REACHABILITY_PROBE_WAIT_MS = 5_000;
