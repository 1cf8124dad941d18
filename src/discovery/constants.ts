/**
 * Named numbers and strings of the DNS-SD / mDNS discovery (RFC 6762, RFC 6763).
 *
 * @module
 */

/** IPv4 multicast group of mDNS. */
export const MDNS_IPV4_GROUP = "224.0.0.251";

/** UDP port of mDNS. */
export const MDNS_PORT = 5353;

/** Domain every mDNS name ends in. */
export const MDNS_DOMAIN = "local";

/** Name queried to enumerate every service type on the link (RFC 6763 §9). */
export const SERVICE_ENUMERATION_NAME = "_services._dns-sd._udp.local";

/** TTL of records that carry a host name (SRV, A, AAAA), in seconds (RFC 6762 §10). */
export const HOST_RECORD_TTL_S = 120;

/** TTL of the other records (PTR, TXT), in seconds (RFC 6762 §10). */
export const OTHER_RECORD_TTL_S = 4_500;

/** Largest TTL in a reply to a legacy unicast query, in seconds (RFC 6762 §6.7). */
export const LEGACY_UNICAST_MAX_TTL_S = 10;

/** Longest DNS label, in bytes. */
export const MAX_LABEL_BYTES = 63;

/** Longest TXT string (one `key=value` pair), in bytes. */
export const MAX_TXT_STRING_BYTES = 255;

/** Longest random wait before the first probe, in milliseconds (RFC 6762 §8.1). */
export const PROBE_MAX_INITIAL_DELAY_MS = 250;

/** Interval between two probes, in milliseconds (RFC 6762 §8.1). */
export const PROBE_INTERVAL_MS = 250;

/** Number of probes sent before a name is taken as unique (RFC 6762 §8.1). */
export const PROBE_COUNT = 3;

/** Wait before probing again after losing a simultaneous-probe tiebreak (RFC 6762 §8.2). */
export const PROBE_TIEBREAK_DELAY_MS = 1_000;

/** Number of conflicts after which probing slows down (RFC 6762 §8.1). */
export const PROBE_RATE_LIMIT_CONFLICTS = 15;

/** Wait between probes once {@linkcode PROBE_RATE_LIMIT_CONFLICTS} is reached (RFC 6762 §8.1). */
export const PROBE_RATE_LIMIT_DELAY_MS = 5_000;

/** Renames tried before the advertiser gives up with an error. */
export const MAX_RENAME_ATTEMPTS = 64;

/** Number of unsolicited announcements after probing (RFC 6762 §8.3). */
export const ANNOUNCE_COUNT = 2;

/** Interval between two announcements, in milliseconds (RFC 6762 §8.3). */
export const ANNOUNCE_INTERVAL_MS = 1_000;

/** Shortest random delay before answering a query for shared records (RFC 6762 §6). */
export const RESPONSE_MIN_DELAY_MS = 20;

/** Longest random delay before answering a query for shared records (RFC 6762 §6). */
export const RESPONSE_MAX_DELAY_MS = 120;

/** Time a record lives on after a goodbye (TTL 0) is received, in milliseconds (RFC 6762 §10.1). */
export const GOODBYE_GRACE_MS = 1_000;

/** Age after which a cache-flush record evicts its older siblings, in milliseconds (RFC 6762 §10.2). */
export const CACHE_FLUSH_GRACE_MS = 1_000;

/** First interval between two browse queries, in milliseconds (RFC 6762 §5.2). */
export const BROWSE_FIRST_INTERVAL_MS = 1_000;

/** Longest interval between two browse queries, in milliseconds. */
export const BROWSE_MAX_INTERVAL_MS = 60_000;

/** Factor by which the interval between browse queries grows (RFC 6762 §5.2). */
export const BROWSE_INTERVAL_FACTOR = 2;

/** Shortest time between two follow-up (SRV/TXT/A) queries for one name, in milliseconds. */
export const RESOLVE_RETRY_MS = 1_000;

/** How often a watcher expires records and checks for refreshes, in milliseconds. */
export const CACHE_SWEEP_INTERVAL_MS = 250;

/** Fraction of a record's TTL after which a watcher asks for it again (RFC 6762 §5.2). */
export const REFRESH_TTL_FRACTION = 0.8;

/** Spacing of refresh queries, as a fraction of the TTL (RFC 6762 §5.2: 80%, 85%, 90%, 95%). */
export const REFRESH_STEP_FRACTION = 0.05;

/** Number of refresh queries sent for one record before it is let expire. */
export const REFRESH_QUERY_COUNT = 4;

/** Share of its TTL a known answer must still have to suppress a reply (RFC 6762 §7.1). */
export const KNOWN_ANSWER_MIN_TTL_FRACTION = 0.5;

/** TXT key of the TXT record format version (RFC 6763 §6.7). */
export const TXT_KEY_TXTVERS = "txtvers";

/** TXT key naming the protocol spoken at the advertised port. */
export const TXT_KEY_PROTOCOL = "proto";

/** TXT key giving the version of that protocol. */
export const TXT_KEY_PROTOCOL_VERSION = "protovers";

/** Value of {@linkcode TXT_KEY_TXTVERS} written by this version. */
export const TXT_FORMAT_VERSION = "1";

/** DNS-SD service type under which the central server advertises itself. */
export const SERVER_SERVICE_TYPE = "_p2p-transfer._tcp.local";

/** DNS-SD service type a sender advertises its nameplate under on a LAN with no server. */
export const SEND_SERVICE_TYPE = "_p2pft-send._tcp.local";
