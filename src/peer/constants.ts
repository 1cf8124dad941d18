/**
 * Tunable numbers of a peer: its link to the server, its downloads (windows,
 * endgame, stalls), its uploads and what it keeps in memory. Numbers other
 * parts share are in `src/constants.ts`.
 *
 * @module
 */

/**
 * How long a peer given several servers avoids one that failed while
 * another has not: it is tried again at once after that.
 */
export const SERVER_RETRY_AFTER_MS = 10_000;

/** Shortest gap between two log lines about a server that cannot be reached (the gap doubles). */
export const LINK_REPORT_MIN_GAP_MS = 1_000;

/** Longest gap between two log lines about a server that still cannot be reached. */
export const LINK_REPORT_MAX_GAP_MS = 60_000;

/**
 * Requests a downloader keeps in flight to a new peer before it has measured
 * it (the window grows by half a request per chunk delivered). Two, not
 * more: downloaders starting together otherwise queue many requests at the
 * same few peers; 8 downloaders over 200 Mbit/s links ended 10-15% sooner
 * with 2 than with 4 (`deno task bench --scenario shaped`).
 */
export const INITIAL_WINDOW = 2;

/** Most requests a downloader keeps in flight to one peer. */
export const MAX_WINDOW = 8;

/** Most chunks a peer's downloads hold in memory at once (their shared buffer pool), bounding RSS. */
export const MAX_CHUNKS_IN_MEMORY = 12;

/**
 * How much older than its source's pace says (its delivery interval times
 * its requests in flight) a request must be before it is duplicated to
 * another peer in a download's endgame. Duplicating at once sent the last
 * chunks of a loopback swarm twice (8-10% more bytes than the file's
 * copies); waiting this long cut that to 2-3% (`deno task bench --scenario
 * swarm`) and still races a request stuck behind a busy peer.
 */
export const ENDGAME_LATE_MS = 500;

/** A request unanswered for this long is taken away from its peer and asked elsewhere. */
export const STALL_TIMEOUT_MS = 10_000;

/** Bad chunks after which a peer is banned for the rest of a download. */
export const BAN_AFTER_BAD_CHUNKS = 3;

/**
 * How long a download waits, once every peer listed as a source is banned
 * for sending bad data, for an honest one to appear before it fails.
 */
export const BANNED_SOURCES_GIVE_UP_MS = 5_000;

/**
 * How often a download with chunks in flight asks for fresh sources: the
 * server pushes news of chunks meanwhile (`have`), and asking ten times a
 * second cost a swarm of 8 downloaders about a tenth of its CPU time, on
 * both sides (`deno task bench --scenario shaped`).
 */
export const BUSY_SOURCE_REFRESH_MS = 1_000;

/** Longest wait between two looks for sources while a download has none. */
export const MAX_SOURCE_WAIT_MS = 5_000;

/**
 * Silence after which a peer's chunk port closes a requester's connection
 * (no request, no upload in progress); a downloader reconnects when it needs.
 */
export const CHUNK_IDLE_TIMEOUT_MS = 120_000;

/** Grace before the rate rule of UPLOAD_MIN_BYTES_PER_SECOND applies to sending one chunk. */
export const UPLOAD_WRITE_GRACE_MS = 10_000;

/**
 * Slowest rate at which a requester must take a chunk (512 kbit/s, so 74 s
 * for a 4 MiB chunk): one that reads slower, or not at all, loses its
 * connection, so it cannot hold its upload slots for ever. A slower link is
 * served too, with smaller windows (the downloader caps them by speed), as
 * long as each chunk it asks for arrives within that time.
 */
export const UPLOAD_MIN_BYTES_PER_SECOND = 64 * 1024;

/**
 * How long after sending a chunk of a whole file to one downloader a peer
 * still declines it to the others, while some chunk has never left it
 * (super-seeding, see peer/seed_spread.ts): time for the first receiver to
 * verify and announce it. A declined downloader leaves that chunk to the
 * swarm for as long.
 */
export const SEED_SPREAD_HOLD_MS = 2_000;

/**
 * How long a declined chunk waits before it is asked of the decliner again
 * when no other source holds it (those it went to have left, say): the
 * swarm the decline sent it to cannot give it.
 */
export const DECLINED_ALONE_MS = 250;

/**
 * Uploads one peer serves at once; further requests wait in a fair queue.
 * Few, so that each chunk goes out at close to the link's full rate and can
 * be passed on sooner: on a swarm of 8 downloaders over 200 Mbit/s links
 * (`deno task bench --scenario shaped`), 3 slots did as well as 2 and better
 * than 6.
 */
export const UPLOAD_SLOTS = 3;

/**
 * Upload slots one requester may hold at once: two keep its pipe full
 * (one chunk read while the other is sent); fewer than all, so that one that
 * stops reading cannot block everyone else.
 */
export const UPLOAD_SLOTS_PER_REQUESTER = 2;

/**
 * Least time between two `have` notices of one file a peer sends the
 * server: chunks verified sooner go together at the end of the gap (see
 * peer/have_notices.ts). 20 ms delays nothing on a 200 Mbit/s link, where a
 * 1 MiB chunk takes 40 ms, and keeps a download at hundreds of chunks a
 * second to 50 notices a second, far below `MAX_REQUESTS_PER_SECOND`.
 */
export const HAVE_GAP_MS = 20;

/** Time a downloader waits for a source it asked to dial back (reversal) to connect. */
export const REVERSAL_TIMEOUT_MS = 8_000;

/** Connections a peer dials back at once at other peers' request (reversal). */
export const MAX_REVERSED_CONNECTIONS = 64;

/** Longest pause before retrying a peer whose connection keeps failing (the pause doubles). */
export const MAX_PEER_RETRY_DELAY_MS = 60_000;

/** Pause before retrying a peer whose connection failed (the first time). */
export const PEER_RETRY_DELAY_MS = 1_000;

/** Time a code holder has, from its connection on, to prove its code to the sender. */
export const CODE_EXCHANGE_TIMEOUT_MS = 10_000;
