/**
 * The tunable numbers several parts of p2pft share, named once: versions,
 * chunk sizes, frame and manifest limits, timeouts both ends agree on. A
 * number only one part uses lives in that part's `constants.ts`
 * (`src/peer/constants.ts`, `src/server/constants.ts`...). Modules import
 * them instead of writing literals, so a reader finds each limit by name.
 *
 * @module
 */

/** Version of the p2pft program, printed by `--version`. */
export const PROGRAM_VERSION = "0.3.1";

/** Version of the wire protocol spoken over TCP (see docs/protocol.md). */
export const PROTOCOL_VERSION = 4;

/** Name sent in every handshake so that foreign speakers are told apart. */
export const PROTOCOL_NAME = "p2pft";

/**
 * Largest chunk a file or folder is cut into, in bytes (4 MiB): what files
 * over 512 MiB get (see `chunkSizeFor` in storage/manifest.ts), and the
 * largest a receiver accepts.
 */
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;

/** Smallest chunk a file or folder is cut into, in bytes (1 MiB): what files up to 256 MiB get. */
export const MIN_CHUNK_SIZE = 1024 * 1024;

/**
 * Chunks a file is cut into at most before its chunk size doubles, from
 * MIN_CHUNK_SIZE up to MAX_CHUNK_SIZE. A chunk is passed on only once it has
 * arrived whole and been verified, so a swarm starts and ends sooner with
 * more, smaller chunks: on 200 Mbit/s links (`deno task bench --scenario
 * shaped`, 128 MiB) eight downloaders together took 1.41x the time of one
 * alone with 1 MiB chunks against 1.73x with 4 MiB ones. Each chunk costs
 * its requests and notices (about 1 ms of CPU a chunk), so large files keep
 * large chunks.
 */
export const CHUNKS_BEFORE_LARGER = 256;

/** Length of a SHA-256 digest in bytes. */
export const HASH_BYTES = 32;

/** Hex digits in a full file ID (a SHA-256 digest). */
export const FILE_ID_HEX_LENGTH = HASH_BYTES * 2;

/** Largest control (JSON) frame body accepted, in bytes. Manifests of huge files fit. */
export const MAX_CONTROL_FRAME_BYTES = 16 * 1024 * 1024;

/** Interval between two heartbeats a peer sends to the server, in milliseconds. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** Silence after which the server drops a peer, in milliseconds. */
export const PEER_TIMEOUT_MS = 15_000;

/** Longest delay between two reconnection attempts, in milliseconds. */
export const RECONNECT_MAX_DELAY_MS = 5_000;

/**
 * Time a newcomer has for its whole set-up (preamble, TLS, hello and proofs),
 * and on the server for its registration after it, before it is closed.
 */
export const HANDSHAKE_TIMEOUT_MS = 5_000;

/**
 * How long a command that needs the server waits while every attempt to
 * reach it fails (refused, unreachable) before it gives up: a wrong port
 * or a server that is down is reported within seconds, not after
 * {@linkcode REQUEST_TIMEOUT_MS}.
 */
export const SERVER_UNREACHABLE_MS = 3_000;

/** Time allowed for a request to the server before it is reported as failed. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** Default largest upload the web page accepts: 4 GiB. */
export const DEFAULT_UPLOAD_LIMIT = 4 * 1024 ** 3;

/** Longest file name (in UTF-8 bytes) a download may be saved under. */
export const MAX_FILE_NAME_BYTES = 255;

/** Most files and empty folders one shared folder may hold. */
export const MAX_FOLDER_ENTRIES = 100_000;

/** Most levels of folders a path inside a shared folder may have (`a/b/c` has 3). */
export const MAX_FOLDER_DEPTH = 64;

/** DNS-SD service type under which each peer advertises itself (serverless LAN mode). */
export const PEER_SERVICE_TYPE = "_p2pft-peer._tcp.local";

/** Default time a peer browses for the server with `--auto-discover`, in milliseconds. */
export const DEFAULT_DISCOVER_TIMEOUT_MS = 5_000;

/** How often a download with nothing in flight asks for fresh sources, in milliseconds. */
export const SOURCE_REFRESH_MS = 100;

/**
 * Connections one IP address may hold on a listener at once, so one host
 * cannot take every slot. A NAT may hide many peers behind one address,
 * hence not lower.
 */
export const MAX_CONNECTIONS_PER_ADDRESS = 256;

/**
 * Most sources one `lookup` or `sources` reply lists; past it the server
 * sends a random sample. Without a cap, enough registered holders (2,100
 * with their bitfields) push a reply past `MAX_CONTROL_FRAME_BYTES` and the
 * file becomes undownloadable. 50 keeps a download busy: it talks to at most
 * `MAX_WINDOW` requests per source and holds `MAX_CHUNKS_IN_MEMORY` chunks.
 */
export const MAX_SOURCES_PER_REPLY = 50;

/**
 * Most entries in one page of the server's `files` or `peers` listing.
 * 15,000 long-named files made one unpaged `files` reply pass the frame
 * limit; 500 lines of the longest names stay near 2 MiB.
 */
export const MAX_LISTING_PAGE = 500;

/**
 * Most pages a peer fetches for one listing (100,000 entries at
 * `MAX_LISTING_PAGE`), so listing a huge network ends; the user is told
 * when the listing was cut.
 */
export const MAX_LISTING_PAGES = 200;

/**
 * Most files the server indexes for one peer. It bounds what one member can
 * make the server hold (and every listing show); a peer past it is refused
 * further shares and told to share fewer files from one peer.
 */
export const MAX_FILES_PER_PEER = 10_000;

/**
 * Most manifest bytes the server indexes for one peer, counted as 64 bytes
 * per chunk hash plus the name: 64 MiB is about a million chunks, 1 TiB of
 * files up to 256 MiB (1 MiB chunks) and 4 TiB of files over 512 MiB (4 MiB
 * chunks). It bounds the server's memory per member however large the files.
 */
export const MAX_MANIFEST_BYTES_PER_PEER = 64 * 1024 * 1024;

/**
 * Requests (and notifications) one connection may send the server per
 * second, on average. A busy honest peer stays under: 20 downloads asking
 * `sources` every `SOURCE_REFRESH_MS` are 200 a second, plus `have`
 * notices, at most one per download every `HAVE_GAP_MS`. A chunk port
 * applies the same limit to its one `get` per chunk: 500 a second is 500
 * MiB/s in the 1 MiB chunks of files up to 256 MiB, and such a file has at
 * most 256 chunks, within a burst, so only many of them in a row from one
 * peer faster than that are slowed. One flooding member cannot take the
 * server's time from the others.
 */
export const MAX_REQUESTS_PER_SECOND = 500;

/** Requests one connection may send the server at once before the average rate applies (a `share` of many files is one). */
export const MAX_REQUEST_BURST = 1_000;

/** Time allowed to dial a listener: TCP, preamble, TLS and handshake, up to a usable connection. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Milliseconds in a second: times are kept in ms and shown or given in seconds. */
export const MS_PER_SECOND = 1_000;

/** Microseconds in a millisecond, as CPU time is reported. */
export const MICROSECONDS_PER_MS = 1_000;

/** Bytes in a mebibyte, as rates are given on the command line. */
export const BYTES_PER_MIB = 1024 * 1024;

/** Bytes a second the server relays for one peer, by default (`--relay-rate`, in MiB/s). */
export const RELAY_PEER_BYTES_PER_SECOND = 16 * 1024 * 1024;

/** Bytes a second the server relays in all, by default (`--relay-total-rate`, in MiB/s). */
export const RELAY_TOTAL_BYTES_PER_SECOND = 64 * 1024 * 1024;

/** Relayed links the server holds at once, by default (`--relay-links`). */
export const MAX_RELAY_LINKS = 32;

/** Relayed links one peer may take part in at once. */
export const MAX_RELAY_LINKS_PER_PEER = 8;

/** Local networks a peer gives the server when it registers, at most. */
export const MAX_LOCAL_NETWORKS = 16;
