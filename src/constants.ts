/**
 * Every tunable number of p2pft, named once. Modules import from here instead
 * of writing literals, so a reader finds each limit in one place.
 *
 * @module
 */

/** Version of the p2pft program, printed by `--version`. */
export const PROGRAM_VERSION = "0.3.0";

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

/** Interval between two heartbeats a peer sends to the server, in milliseconds. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** Silence after which the server drops a peer, in milliseconds. */
export const PEER_TIMEOUT_MS = 15_000;

/** How often the server looks for silent peers, in milliseconds. */
export const PEER_SWEEP_INTERVAL_MS = 1_000;

/** First delay before a peer reconnects to a lost server, in milliseconds. */
export const RECONNECT_MIN_DELAY_MS = 250;

/** Longest delay between two reconnection attempts, in milliseconds. */
export const RECONNECT_MAX_DELAY_MS = 5_000;

/**
 * How long a peer given several servers avoids one that failed while
 * another has not: it is tried again at once after that.
 */
export const SERVER_RETRY_AFTER_MS = 10_000;

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

/** Shortest gap between two log lines about a server that cannot be reached (the gap doubles). */
export const LINK_REPORT_MIN_GAP_MS = 1_000;

/** Longest gap between two log lines about a server that still cannot be reached. */
export const LINK_REPORT_MAX_GAP_MS = 60_000;

/** Time allowed for a request to the server before it is reported as failed. */
export const REQUEST_TIMEOUT_MS = 15_000;

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

/** Default largest upload the web page accepts: 4 GiB. */
export const DEFAULT_UPLOAD_LIMIT = 4 * 1024 ** 3;

/**
 * Most bytes handed to one `write` of a download's `.part` file. A verified
 * 4 MiB chunk goes out in pieces of this size: on a Linux 6.x ext4 folder,
 * 4 MiB writes made the kernel spend about 3.5 s of system time per GiB
 * (large page-cache folios), 256 KiB writes under 1 s, and smaller ones add
 * more calls than they save (`deno task bench`, disk destination).
 */
export const WRITE_PIECE_BYTES = 256 * 1024;

/** Suffix of a download in progress, before it is renamed into place. */
export const PART_SUFFIX = ".part";

/** Longest file name (in UTF-8 bytes) a download may be saved under. */
export const MAX_FILE_NAME_BYTES = 255;

/** Most files and empty folders one shared folder may hold. */
export const MAX_FOLDER_ENTRIES = 100_000;

/** Most levels of folders a path inside a shared folder may have (`a/b/c` has 3). */
export const MAX_FOLDER_DEPTH = 64;

/** DNS-SD service type under which the central server advertises itself. */
export const SERVER_SERVICE_TYPE = "_p2p-transfer._tcp.local";

/** DNS-SD service type under which each peer advertises itself (serverless LAN mode). */
export const PEER_SERVICE_TYPE = "_p2pft-peer._tcp.local";

/** Default time a peer browses for the server with `--auto-discover`, in milliseconds. */
export const DEFAULT_DISCOVER_TIMEOUT_MS = 5_000;

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

/** How often a download with nothing in flight asks for fresh sources, in milliseconds. */
export const SOURCE_REFRESH_MS = 100;

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
 * Connections a listener (the server, or a peer's chunk port) holds at once,
 * handshaking or not. Past it newcomers are closed at once: file descriptors
 * are finite (20,000 on the machines we measured) and each holds buffers.
 */
export const MAX_CONNECTIONS = 16_000;

/**
 * Connections one IP address may hold on a listener at once, so one host
 * cannot take every slot. A NAT may hide many peers behind one address,
 * hence not lower.
 */
export const MAX_CONNECTIONS_PER_ADDRESS = 256;

/**
 * Connections the web page's port (`peer --web`) holds at once. They come
 * out of the descriptors `DESCRIPTOR_RESERVE` (512) keeps free beside the
 * chunk port, so at most a quarter of it: past it a newcomer gets a 503.
 * Each costs a descriptor and a few KiB, so 128 bounds both.
 */
export const WEB_MAX_CONNECTIONS = 128;

/**
 * Connections one address (an IPv4 address, an IPv6 /64) may hold on the
 * web port. A browser opens at most 6 to one origin over HTTP/1.1, one of
 * them the page's event stream, and a device may reach the page under two
 * names (its IP address and `host.local`): 32 lets a few browsers behind one
 * address (a NAT) use it at once, while 4 such addresses are needed to fill
 * {@linkcode WEB_MAX_CONNECTIONS}.
 */
export const WEB_MAX_CONNECTIONS_PER_ADDRESS = 32;

/**
 * Time a web connection has to send a request's headers, from when it opens
 * or its previous response ended; past it it gets a 408 and is closed. A
 * browser sends them in one packet; 10 s is ample on a slow phone link and
 * cuts a header that never ends. Checked every second, so it may take 1 s
 * longer.
 */
export const WEB_HEADERS_TIMEOUT_MS = 10_000;

/**
 * Time an idle kept-alive web connection stays open after a response (the
 * runtime adds 1 s). Browsers open a new connection when the old one is
 * gone, so a short one costs a handshake on loopback or the LAN; 5 s is the
 * `node:http` default.
 */
export const WEB_KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * Time a web connection may pass with no byte either way while a request
 * runs (an upload that stopped sending, a browser that stopped reading a
 * download, a download whose swarm sends no chunk) before it is closed,
 * as the chunk port does after `CHUNK_IDLE_TIMEOUT_MS`, the same figure.
 * The event stream sends a comment line every 15 s, so only a stuck
 * connection reaches it; a browser resumes a cut download with a range
 * request.
 */
export const WEB_IDLE_TIMEOUT_MS = 120_000;

/**
 * Most sources one `lookup` or `sources` reply lists; past it the server
 * sends a random sample. Without a cap, enough registered holders (2,100
 * with their bitfields) push a reply past `MAX_CONTROL_FRAME_BYTES` and the
 * file becomes undownloadable. 50 keeps a download busy: it talks to at most
 * `MAX_WINDOW` requests per source and holds `MAX_CHUNKS_IN_MEMORY` chunks.
 */
export const MAX_SOURCES_PER_REPLY = 50;

/**
 * Most downloaders the server tells of one `have`, picked at random: without
 * it one announcement fans out to every downloader of the file, turning one
 * peer's allowed request rate into millions of messages a second. The others
 * learn of the chunk at their next `sources` ask.
 */
export const MAX_HAVE_FORWARDS = 50;

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
 * Least time between two `have` notices of one file a peer sends the
 * server: chunks verified sooner go together at the end of the gap (see
 * peer/have_notices.ts). 20 ms delays nothing on a 200 Mbit/s link, where a
 * 1 MiB chunk takes 40 ms, and keeps a download at hundreds of chunks a
 * second to 50 notices a second, far below `MAX_REQUESTS_PER_SECOND`.
 */
export const HAVE_GAP_MS = 20;

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

/** Shortest time between two log lines about one peer sending past its request rate. */
export const RATE_LIMIT_LOG_INTERVAL_MS = 60_000;

/** Shortest time between two log lines about connections refused for one reason from one address. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** Time allowed to dial a listener: TCP, preamble, TLS and handshake, up to a usable connection. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Time the server's dial-back to a registering peer's chunk port may take before it counts as unreachable. */
export const REACHABILITY_PROBE_TIMEOUT_MS = 3_000;

/** Reversal requests the server passes on from one peer a second, on average. */
export const MAX_REVERSALS_PER_SECOND = 5;

/** Reversal requests the server passes on from one peer in a burst. */
export const MAX_REVERSAL_BURST = 20;

/** Time a downloader waits for a source it asked to dial back (reversal) to connect. */
export const REVERSAL_TIMEOUT_MS = 8_000;

/** Connections a peer dials back at once at other peers' request (reversal). */
export const MAX_REVERSED_CONNECTIONS = 64;

/** Longest pause before retrying a peer whose connection keeps failing (the pause doubles). */
export const MAX_PEER_RETRY_DELAY_MS = 60_000;

/** Pause before retrying a peer whose connection failed (the first time). */
export const PEER_RETRY_DELAY_MS = 1_000;

/** Milliseconds in a second: times are kept in ms and shown or given in seconds. */
export const MS_PER_SECOND = 1_000;

/** Microseconds in a millisecond (CPU times and profiles come in microseconds). */
export const MICROSECONDS_PER_MS = 1_000;

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

/**
 * Wrong codes (failed or abandoned code exchanges) after which a send's code
 * stops working: an online guesser wins with a chance of at most this many
 * in 2^33 (three words of 11 bits).
 */
export const MAX_CODE_FAILURES = 3;

/** Time a code holder has, from its connection on, to prove its code to the sender. */
export const CODE_EXCHANGE_TIMEOUT_MS = 10_000;

/** Receivers a send serves before it stops, unless told otherwise (`--max-receivers`). */
export const DEFAULT_MAX_RECEIVERS = 1;

/** DNS-SD service type a sender advertises its nameplate under on a LAN with no server. */
export const SEND_SERVICE_TYPE = "_p2pft-send._tcp.local";

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

/** Silence after which the server closes a relayed link. */
export const RELAY_IDLE_TIMEOUT_MS = 60_000;

/** Time the server holds one half of a relayed link for the other to arrive. */
export const RELAY_PAIRING_TIMEOUT_MS = 10_000;

/** Bytes of a relay token, as the peers send it first on a relay connection (hex). */
export const RELAY_TOKEN_BYTES = 16;

/** Peers' relays the server asks in turn for one relayed link, when its own is off or full. */
export const MAX_PEER_RELAYS_ASKED = 3;

/** Time a peer's relay may take to accept a link the server asks it to join. */
export const PEER_RELAY_ASK_TIMEOUT_MS = 3_000;

/** Local networks a peer gives the server when it registers, at most. */
export const MAX_LOCAL_NETWORKS = 16;

/** Characters of one local network as a peer gives it (`255.255.255.255/32` is 18). */
export const MAX_NETWORK_CHARS = 18;

/** Reachability probes (dial-backs) the server runs at once. */
export const MAX_REACHABILITY_PROBES = 32;

/** Reachability probes the server runs at once to one IP. */
export const MAX_REACHABILITY_PROBES_PER_HOST = 8;

/** Registrations waiting for a reachability probe at most; past it, a peer registers unchecked. */
export const MAX_REACHABILITY_PROBES_WAITING = 256;

/** Time a registration waits for its reachability probe to start before it goes unchecked. */
export const REACHABILITY_PROBE_WAIT_MS = 5_000;
