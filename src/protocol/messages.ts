/**
 * Every control message of the p2pft protocol, as zod schemas. Anything that
 * arrives is parsed through {@linkcode parseMessage} before any code looks at
 * it, so malformed input fails in one place with a clear reason.
 *
 * See docs/protocol.md for the conversation each message belongs to.
 *
 * @module
 */

import { z } from "zod";
import {
  FILE_ID_HEX_LENGTH,
  MAX_CHUNK_SIZE,
  MAX_FILE_NAME_BYTES,
  MAX_FOLDER_DEPTH,
  MAX_FOLDER_ENTRIES,
  MAX_LOCAL_NETWORKS,
} from "../constants.ts";
import { MAX_NETWORK_CHARS, RELAY_TOKEN_BYTES } from "./constants.ts";
import { checkFolderEntries } from "../storage/folder_paths.ts";
import { ProtocolError } from "./frame.ts";

const MAX_NAME_CHARS = MAX_FILE_NAME_BYTES * 4;
const MAX_TEXT_CHARS = 4096;
/** Longest protocol name or error code. */
const MAX_WORD_CHARS = 64;
/** Longest message type quoted back in an error. */
const MAX_QUOTED_TYPE_CHARS = 32;
const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
const MAX_FOLDER_PATH_CHARS = MAX_FILE_NAME_BYTES * MAX_FOLDER_DEPTH;

/** A lowercase hex SHA-256 digest. */
export const hexDigest = z.string().length(FILE_ID_HEX_LENGTH).regex(
  /^[0-9a-f]+$/,
  "expected lowercase hex digits",
);

/** A file ID: the SHA-256 of a manifest's canonical encoding, as lowercase hex. */
export const fileIdSchema = z.string().length(FILE_ID_HEX_LENGTH).regex(/^[0-9a-f]+$/);

/**
 * One entry of a folder manifest: a file (`executable` or not) of `size`
 * bytes, or an empty folder (`size` 0), by its `/`-separated path in the
 * folder. The paths are checked (see src/storage/folder_paths.ts) before any
 * is used.
 */
export interface FolderEntry {
  path: string;
  kind: "file" | "executable" | "folder";
  size: number;
}

const FOLDER_ENTRY_KINDS: ReadonlySet<unknown> = new Set(["file", "executable", "folder"]);

/** What is wrong with `value` as a folder entry (and which field), or undefined when nothing is. */
function folderEntryProblem(value: unknown): { field?: string; message: string } | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { message: "expected an object" };
  }
  const { path, kind, size } = value as Record<string, unknown>;
  if (typeof path !== "string" || path.length < 1 || path.length > MAX_FOLDER_PATH_CHARS) {
    return {
      field: "path",
      message: `expected a string of 1 to ${MAX_FOLDER_PATH_CHARS} characters`,
    };
  }
  if (!FOLDER_ENTRY_KINDS.has(kind)) {
    return { field: "kind", message: 'expected "file", "executable" or "folder"' };
  }
  if (!Number.isSafeInteger(size) || (size as number) < 0) {
    return { field: "size", message: "expected a whole number of bytes" };
  }
  return undefined;
}

/**
 * A folder manifest's entries, at most `MAX_FOLDER_ENTRIES`, each copied
 * without other fields. Checked in one loop rather than by a zod object per
 * entry, which cost more than the rest of a 10,000-file lookup together.
 */
const folderEntriesSchema = z.unknown().transform((value, context): FolderEntry[] => {
  const fail = (message: string, path: (string | number)[] = []) => {
    context.issues.push({ code: "custom", message, input: value, path });
    return z.NEVER;
  };
  if (!Array.isArray(value)) return fail("expected an array of folder entries");
  if (value.length > MAX_FOLDER_ENTRIES) {
    return fail(`expected at most ${MAX_FOLDER_ENTRIES} entries, not ${value.length}`);
  }
  const entries: FolderEntry[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const problem = folderEntryProblem(value[i]);
    if (problem) return fail(problem.message, problem.field ? [i, problem.field] : [i]);
    const { path, kind, size } = value[i] as FolderEntry;
    entries[i] = { path, kind, size };
  }
  return entries;
});

/**
 * What a manifest says about a file: everything needed to fetch and verify
 * it. A folder's manifest also has `entries`, its files in stream order; its
 * `size` and `chunkHashes` are those of the files' bytes one after another.
 */
export const manifestSchema = z.object({
  name: z.string().min(1).max(MAX_NAME_CHARS),
  size: z.number().int().min(0).max(MAX_FILE_SIZE),
  chunkSize: z.number().int().min(1).max(MAX_CHUNK_SIZE),
  chunkHashes: z.array(hexDigest),
  entries: folderEntriesSchema.optional(),
}).refine(
  (m) => m.chunkHashes.length === Math.ceil(m.size / m.chunkSize),
  { message: "chunk hash count does not match size / chunk size" },
).superRefine((m, context) => {
  if (m.entries === undefined) return;
  try {
    checkFolderEntries(m.entries);
  } catch (error) {
    context.addIssue({ code: "custom", path: ["entries"], message: (error as Error).message });
    return;
  }
  const total = m.entries.reduce((sum, entry) => sum + entry.size, 0);
  if (total !== m.size) {
    context.addIssue({
      code: "custom",
      path: ["size"],
      message: `the folder's files add up to ${total} bytes, not ${m.size}`,
    });
  }
});

/** A file's manifest. */
export type Manifest = z.infer<typeof manifestSchema>;

/** A request's number, which its reply names (`re`): a u32. */
export const requestIdSchema = z.number().int().min(0).max(0xffff_ffff);
const id = requestIdSchema;
const text = z.string().max(MAX_TEXT_CHARS);
/** Base64 of a bitfield: bit i (most significant bit first in each byte) set = chunk i held. */
const bitfield = z.string().max(MAX_CHUNK_SIZE);

/** First message on every connection, in both directions. */
export const helloSchema = z.object({
  t: z.literal("hello"),
  protocol: z.string().max(MAX_WORD_CHARS),
  version: z.number().int(),
  role: z.enum(["peer", "server"]),
  program: text.optional(),
  /** Base64 of 16 random bytes, mixed into the network-key proofs of this connection. */
  nonce: z.string().max(MAX_WORD_CHARS),
  /**
   * `members` when this side requires the network key, `open` when it runs an
   * open network, `code` when a dialer comes with a transfer code instead.
   */
  network: z.enum(["open", "members", "code"]),
});

/** Largest base64 certificate in an `auth` (an Ed25519 certificate is about 400 characters). */
const MAX_CERTIFICATE_CHARS = 4096;

/**
 * The second handshake message. The dialer sends its certificate and its
 * signature over the listener's ID and both nonces; on a members-only
 * network each side adds its proof that it knows the network key.
 */
export const authSchema = z.object({
  t: z.literal("auth"),
  certificate: z.string().max(MAX_CERTIFICATE_CHARS).optional(),
  signature: z.string().max(MAX_WORD_CHARS * 2).optional(),
  proof: z.string().max(MAX_WORD_CHARS).optional(),
});

/** A failure, in answer to a request (`re`) or about the connection as a whole. */
export const errorSchema = z.object({
  t: z.literal("error"),
  re: id.optional(),
  code: z.string().max(MAX_WORD_CHARS),
  message: text,
});

/** One file a peer shares: its manifest and the chunks it holds (absent = all). */
export const sharedFileSchema = z.object({
  fileId: fileIdSchema,
  manifest: manifestSchema,
  chunks: bitfield.optional(),
});

/** A source of a file, as the server tells it. */
export const sourceSchema = z.object({
  peerId: text,
  address: text,
  chunks: bitfield.optional(),
  /** `false` when the server could not dial the source back: it must dial (reversal). */
  reachable: z.boolean().optional(),
});

/** A number of entries, as a reply's `total`. */
const count = z.number().int().min(0);

/**
 * The sources of a file: at most `MAX_SOURCES_PER_REPLY`, a random sample
 * when more hold it, and how many there are in all (`total`).
 */
export const sourcesReplySchema = z.object({ sources: z.array(sourceSchema), total: count });

/** The answer to a lookup: the file found and (a sample of) those who hold some of it. */
export const lookupReplySchema = sourcesReplySchema.extend({
  fileId: fileIdSchema,
  manifest: manifestSchema,
});

/**
 * Which page of a listing is asked for: entries from `offset` (default 0),
 * at most `limit` of them (default and cap `MAX_LISTING_PAGE`).
 */
const page = {
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
};

/** A line of the server's file list. */
export const fileSummarySchema = z.object({
  fileId: fileIdSchema,
  name: text,
  size: z.number().int().min(0),
  sources: z.number().int().min(0),
  seeders: z.number().int().min(0),
  /** Present only for a folder: how many files it holds (empty ones included, folders not). */
  files: z.number().int().min(0).optional(),
});

/** A line of the server's peer list. */
export const peerSummarySchema = z.object({
  peerId: text,
  address: text,
  /** `false` when the server could not dial the peer back. */
  reachable: z.boolean().optional(),
  files: z.number().int().min(0),
  lastSeenMs: z.number().min(0),
});

/** A page of the server's file list, and how many files it lists in all. */
export const filesReplySchema = z.object({ files: z.array(fileSummarySchema), total: count });

/** A page of the server's peer list, and how many peers it lists in all. */
export const peersReplySchema = z.object({ peers: z.array(peerSummarySchema), total: count });

/** Messages a peer sends to the server. */
export const peerToServerSchema = z.discriminatedUnion("t", [
  z.object({
    t: z.literal("register"),
    id,
    listenPort: z.number().int().min(1).max(65_535),
    /** The port this peer relays on, when it offers to relay (`--relay`). */
    relayPort: z.number().int().min(1).max(65_535).optional(),
    /** This peer's local IPv4 networks, as `ip/prefix`, so peers behind one NAT go direct. */
    localNetworks: z.array(z.string().max(MAX_NETWORK_CHARS)).max(MAX_LOCAL_NETWORKS).optional(),
  }),
  z.object({ t: z.literal("share"), id, files: z.array(sharedFileSchema) }),
  z.object({ t: z.literal("unshare"), id, fileId: fileIdSchema }),
  z.object({ t: z.literal("have"), fileId: fileIdSchema, chunks: z.array(id) }),
  z.object({ t: z.literal("lookup"), id, query: text }),
  z.object({ t: z.literal("sources"), id, fileId: fileIdSchema }),
  /**
   * A page of the file list: all files by name, or (for completion) only
   * those whose ID starts with `idPrefix`, by ID, or whose name starts
   * with `namePrefix`, by name; `total` counts the files matched.
   */
  z.object({
    t: z.literal("files"),
    id,
    ...page,
    idPrefix: text.optional(),
    namePrefix: text.optional(),
  }),
  z.object({ t: z.literal("peers"), id, ...page }),
  z.object({ t: z.literal("heartbeat") }),
  z.object({ t: z.literal("bye") }),
  /** Asks the server to have peer `peerId`, which cannot be dialled, dial this peer (reversal). */
  z.object({ t: z.literal("reverse"), id, peerId: text.min(1) }),
  /** Asks the server to relay to peer `peerId`, when neither peer can be dialled (relay). */
  z.object({ t: z.literal("relay"), id, peerId: text.min(1) }),
]);

/** A message from a peer to the server. */
export type PeerToServer = z.infer<typeof peerToServerSchema>;

/**
 * Requests that only read the index: a peer may send them right after its
 * `register`, without waiting for the reply, and the server answers them
 * while the registration's reachability probe runs (a download's first
 * lookup need not wait for the server to dial the peer back).
 */
export const READS_INDEX: ReadonlySet<PeerToServer["t"]> = new Set([
  "lookup",
  "sources",
  "files",
  "peers",
]);

/** A one-time relay token, as hex. */
export const relayTokenSchema = z.string().regex(/^[0-9a-f]+$/).length(RELAY_TOKEN_BYTES * 2);

/** Messages the server sends a peer unasked. */
export const serverToPeerSchema = z.discriminatedUnion("t", [
  z.object({
    t: z.literal("have"),
    fileId: fileIdSchema,
    peerId: text.min(1),
    address: text,
    chunks: z.array(id),
    reachable: z.boolean().optional(),
  }),
  /** Peer `peerId` asks to be dialled at `address` to download from this peer (reversal). */
  z.object({ t: z.literal("reverse"), peerId: text.min(1), address: text }),
  /**
   * Peer `peerId` downloads from this peer through the relay on `port`: connect and send
   * `token` (relay). The relay listens on `host` (a peer's relay), or on the server's host.
   */
  z.object({
    t: z.literal("relay"),
    peerId: text.min(1),
    token: relayTokenSchema,
    port: z.number().int().min(1).max(65_535),
    host: text.min(1).optional(),
  }),
  /** Asks a peer that offers to relay to join the two connections that present `token`. */
  z.object({
    t: z.literal("relay-link"),
    id,
    token: relayTokenSchema,
    peers: z.tuple([text.min(1), text.min(1)]),
  }),
]);

/** A message from the server that is not an answer (a `relay-link` request, or a notification). */
export type ServerToPeer = z.infer<typeof serverToPeerSchema>;

/** Messages a peer sends to another peer. */
export const peerToPeerSchema = z.discriminatedUnion("t", [
  z.object({
    t: z.literal("get"),
    id,
    fileId: fileIdSchema,
    index: z.number().int().min(0),
  }),
  z.object({ t: z.literal("cancel"), re: id }),
  z.object({ t: z.literal("bitfield"), id, fileId: fileIdSchema }),
  z.object({ t: z.literal("search"), id, query: text }),
  z.object({ t: z.literal("bye") }),
  /** First message of a connection a source dialled at the downloader's request (reversal). */
  z.object({ t: z.literal("reversed") }),
]);

/** The first message on every connection, in both directions. */
export type Hello = z.infer<typeof helloSchema>;
/** A failure, in answer to a request or about the whole connection. */
export type ErrorMessage = z.infer<typeof errorSchema>;
/** A file a peer shares: its manifest and the chunks it holds (absent = all). */
export type SharedFileEntry = z.infer<typeof sharedFileSchema>;
/** A peer holding chunks of a file, and where to reach it. */
export type Source = z.infer<typeof sourceSchema>;
/** Some sources of a file, and how many there are in all. */
export type SourcesResult = z.infer<typeof sourcesReplySchema>;
/** A file found by a lookup, with (a sample of) its sources. */
export type LookupResult = z.infer<typeof lookupReplySchema>;
/** A line of the file list: name, size, sources and seeders. */
export type FileSummary = z.infer<typeof fileSummarySchema>;
/** A line of the peer list: address, files shared, time since last heard. */
export type PeerSummary = z.infer<typeof peerSummarySchema>;

/** Parses `raw` with `schema`, turning a mismatch into a {@linkcode ProtocolError}. */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    const type = typeof raw === "object" && raw !== null && "t" in raw
      ? ` "${String((raw as { t: unknown }).t).slice(0, MAX_QUOTED_TYPE_CHARS)}"`
      : "";
    throw new ProtocolError(`malformed message${type}${where}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}
