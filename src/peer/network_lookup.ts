/**
 * Asking the network: the central server and, in LAN mode, the peers found
 * over mDNS, asked at once and their answers merged. A file is looked up
 * by ID or unique prefix, and an answer is taken only when it is that file:
 * its manifest hashes to its ID, and the ID is the one asked for (or starts
 * with the prefix asked for). A running download asks who holds it now.
 *
 * @module
 */

import type { FoundSources } from "./download_options.ts";
import { MAX_LISTING_PAGE, MAX_LISTING_PAGES, MS_PER_SECOND } from "../constants.ts";
import {
  filesReplySchema,
  type FileSummary,
  lookupReplySchema,
  type LookupResult,
  parseMessage,
  peersReplySchema,
  type PeerSummary,
  type Source,
  sourcesReplySchema,
} from "../protocol/messages.ts";
import type { FileIndex } from "../storage/file_index.ts";
import { LookupError } from "../storage/file_lookup.ts";
import { computeFileId } from "../storage/manifest.ts";
import { resolveName } from "./file_query.ts";
import type { LanPeer } from "./lan_peers.ts";
import type { ServerLink } from "./server_link.ts";

/** Pause between two LAN lookups while no LAN peer has the file. */
const LAN_LOOKUP_RETRY_MS = 500;

/** What is asked of the server. */
export type ServerAsker = Pick<ServerLink, "request">;

/** What is asked of the LAN peers: a {@linkcode LanPeers} outside tests. */
export interface LanAsker {
  /** The LAN's answers to a search for `query` ("" for all), indexed, with the peers that answered. */
  index(query: string): Promise<Pick<FileIndex, "lookup" | "files" | "peers">>;
  /** Who on the LAN holds `fileId` now. */
  sources(fileId: string): Promise<Source[]>;
  /** The other peers seen on the LAN now. */
  peers(): LanPeer[];
}

/** A listing of the network: its entries, each once, and what the server's was cut of. */
export interface Listing<T> {
  entries: T[];
  /**
   * Entries the server has that were not fetched, because the listing
   * stopped after `MAX_LISTING_PAGES` pages; 0 when it is whole.
   */
  cut: number;
}

/** One page of a server listing, as its reply says. */
interface ListingPage<T> {
  entries: T[];
  total: number;
}

/** Options of {@linkcode NetworkLookup}. */
export interface NetworkLookupOptions {
  /** The central server; none in serverless LAN mode. */
  server?: ServerAsker;
  /** The LAN peers, in LAN mode. */
  lan?: LanAsker;
  /** How long a LAN lookup keeps asking while no peer has the file (peers may still appear). */
  discoverTimeoutMs: number;
}

/** Lookups on the server and the LAN, merged. */
export class NetworkLookup {
  #server: ServerAsker | undefined;
  #lan: LanAsker | undefined;
  #discoverTimeoutMs: number;

  /** Asks `options.server` and `options.lan`, whichever there are. */
  constructor(options: NetworkLookupOptions) {
    this.#server = options.server;
    this.#lan = options.lan;
    this.#discoverTimeoutMs = options.discoverTimeoutMs;
  }

  /**
   * Finds a file by ID or unique prefix on the server and the LAN, merging
   * the sources of the first answer's file. An answer that is not the file
   * asked for (see {@linkcode checkLookupAnswer}) counts as a failure.
   * Throws the first failure when no one knows it.
   */
  async lookup(query: string): Promise<LookupResult> {
    const found = await this.#ask(
      this.#server && (() => this.#serverLookup(this.#server!, query)),
      this.#lan && (() => this.#lanLookup(this.#lan!, query)),
    );
    const [first] = found;
    const same = found.filter((result) => result.fileId === first.fileId);
    const sources = mergeSources(same.map((result) => result.sources));
    const total = Math.max(sources.length, ...same.map((result) => result.total));
    return { ...first, sources, total };
  }

  /**
   * Who holds `fileId` now, for a running download: the server's answer
   * (sources only, not the manifest again; a random sample of at most
   * `MAX_SOURCES_PER_REPLY` when more hold it) merged with the LAN peers'.
   */
  async sources(fileId: string): Promise<FoundSources> {
    const server = this.#server;
    const lan = this.#lan;
    let complete = true;
    const sources = mergeSources(
      await this.#ask(
        server &&
          (async () => {
            const reply = parseMessage(
              sourcesReplySchema,
              await server.request({ t: "sources", fileId }),
            );
            complete = reply.total <= reply.sources.length;
            return reply.sources;
          }),
        lan && (() => lan.sources(fileId)),
      ),
    );
    return { sources, complete };
  }

  /**
   * The file ID of the file named `name` among the network's files (see
   * file_query.ts). In LAN mode a name no one has is asked again while
   * peers may still appear, and the failure says how many LAN peers
   * answered, with what to check when none did.
   */
  async resolveName(name: string): Promise<string> {
    const lan = this.#lan;
    const deadline = Date.now() + this.#discoverTimeoutMs;
    while (true) {
      const { listing, lanAnswered } = await this.#files();
      try {
        return resolveName(listing, name);
      } catch (error) {
        const notFound = error instanceof LookupError && error.code === "not-found";
        if (!lan || !notFound) throw error;
        if (Date.now() >= deadline) {
          const waitedMs = this.#discoverTimeoutMs;
          const asked = lanAnswers({ seen: lan.peers().length, answered: lanAnswered, waitedMs });
          // Throws again, now saying who was asked.
          return resolveName(listing, name, { asked });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, LAN_LOOKUP_RETRY_MS));
    }
  }

  /**
   * Everything the network shares: the server's index, fetched page by page
   * (at most `MAX_LISTING_PAGES`), merged with the LAN peers' files.
   */
  async files(): Promise<Listing<FileSummary>> {
    return (await this.#files()).listing;
  }

  /**
   * Files whose ID or name starts with `partial`, for completion: the
   * server sends only those, one page of each (at most `limit`), instead of
   * its whole list; the LAN's files are filtered here. A server too old to
   * filter sends its first page, which the caller filters anyway.
   */
  async matchingFiles(partial: string, limit: number): Promise<FileSummary[]> {
    const server = this.#server;
    const ask = async (match: { idPrefix: string } | { namePrefix: string }) =>
      server
        ? parseMessage(
          filesReplySchema,
          await server.request({ t: "files", limit, ...match }),
        ).files
        : [];
    const hex = /^[0-9a-f]+$/i.test(partial);
    const [byName, byId, fromLan] = await Promise.all([
      ask({ namePrefix: partial }),
      hex ? ask({ idPrefix: partial }) : [],
      this.#lan?.index("") ?? undefined,
    ]);
    const lower = partial.toLowerCase();
    const lan = (fromLan?.files().files ?? []).filter((file) =>
      file.name.startsWith(partial) || file.fileId.startsWith(lower)
    );
    const merged = new Map<string, FileSummary>();
    for (const file of [...byName, ...byId, ...lan]) {
      if (!merged.has(file.fileId)) merged.set(file.fileId, file);
    }
    return [...merged.values()];
  }

  /** {@linkcode files}, and how many LAN peers answered (0 outside LAN mode). */
  async #files(): Promise<{ listing: Listing<FileSummary>; lanAnswered: number }> {
    const server = this.#server;
    const [fromServer, fromLan] = await Promise.all([
      server
        ? fetchListing(async (offset) => {
          const reply = parseMessage(
            filesReplySchema,
            await server.request({ t: "files", offset, limit: MAX_LISTING_PAGE }),
          );
          return { entries: reply.files, total: reply.total };
        }, (file) => file.fileId)
        : { entries: [], cut: 0 },
      this.#lan?.index("") ?? undefined,
    ]);
    const known = new Set(fromServer.entries.map((file) => file.fileId));
    const lanOnly = (fromLan?.files().files ?? []).filter((file) => !known.has(file.fileId));
    return {
      listing: { entries: [...fromServer.entries, ...lanOnly], cut: fromServer.cut },
      lanAnswered: fromLan?.peers(Date.now()).total ?? 0,
    };
  }

  /**
   * Every peer the server knows (fetched page by page, at most
   * `MAX_LISTING_PAGES`), and the LAN peers seen that it does not.
   */
  async peers(): Promise<Listing<PeerSummary>> {
    const server = this.#server;
    const fromServer = server
      ? await fetchListing(async (offset) => {
        const reply = parseMessage(
          peersReplySchema,
          await server.request({ t: "peers", offset, limit: MAX_LISTING_PAGE }),
        );
        return { entries: reply.peers, total: reply.total };
      }, (peer) => peer.peerId)
      : { entries: [], cut: 0 };
    const known = new Set(fromServer.entries.map((peer) => peer.peerId));
    const seen = (this.#lan?.peers() ?? []).filter((peer) => !known.has(peer.peerId));
    // A LAN peer's files are counted from its answer to a search for all.
    const answers = seen.length > 0 && this.#lan ? await this.#lan.index("") : undefined;
    const counts = new Map(
      (answers?.peers(Date.now()).peers ?? []).map((peer) => [peer.peerId, peer.files]),
    );
    const fromLan = seen.map((peer) => ({
      ...peer,
      files: counts.get(peer.peerId) ?? 0,
      lastSeenMs: 0,
    }));
    return { entries: [...fromServer.entries, ...fromLan], cut: fromServer.cut };
  }

  /**
   * Asks every question at once; resolves to the answers in the order they
   * came, or rejects with the first failure when none answers.
   */
  async #ask<T>(...questions: (undefined | (() => Promise<T>))[]): Promise<T[]> {
    const asked = questions.filter((question) => question !== undefined);
    if (asked.length === 0) throw new Error("no server and no LAN to ask: give --server or --lan");
    const found: T[] = [];
    const failures: unknown[] = [];
    await Promise.all(
      asked.map((question) =>
        question().then((answer) => found.push(answer), (error) => failures.push(error))
      ),
    );
    if (found.length === 0) throw failures[0];
    return found;
  }

  async #serverLookup(server: ServerAsker, query: string): Promise<LookupResult> {
    const reply = parseMessage(lookupReplySchema, await server.request({ t: "lookup", query }));
    return await checkLookupAnswer(query, reply, "server");
  }

  async #lanLookup(lan: LanAsker, query: string): Promise<LookupResult> {
    const deadline = Date.now() + this.#discoverTimeoutMs;
    while (true) {
      const index = await lan.index(query);
      try {
        return await checkLookupAnswer(query, index.lookup(query), "LAN peer");
      } catch (error) {
        if (!(error instanceof LookupError) || error.code !== "not-found") throw error;
        if (Date.now() >= deadline) {
          const answered = index.peers(Date.now()).total;
          throw new LookupError(
            "not-found",
            lanNotFound(query, {
              seen: lan.peers().length,
              answered,
              waitedMs: this.#discoverTimeoutMs,
            }),
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, LAN_LOOKUP_RETRY_MS));
    }
  }
}

/**
 * Why a LAN lookup found nothing: how many peers answered (and were seen
 * over mDNS), with what to check when none did.
 */
export function lanNotFound(query: string, counts: LanCounts): string {
  const what = `no file with ID ${query.trim().toLowerCase()} is shared`;
  if (counts.answered > 0) {
    return `${what} by the ${counts.answered} LAN peer(s) that answered`;
  }
  return `${what}: ${lanAnswers(counts)}`;
}

/** The LAN peers a search reached: seen over mDNS, answered, and how long it went on. */
export interface LanCounts {
  seen: number;
  answered: number;
  waitedMs: number;
}

/** How many LAN peers answered a search that found nothing, with what to check when none did. */
export function lanAnswers(counts: LanCounts): string {
  if (counts.answered > 0) return `none of the ${counts.answered} LAN peer(s) that answered has it`;
  const seconds = counts.waitedMs / MS_PER_SECOND;
  const seen = counts.seen === 0
    ? "no peer was found over mDNS"
    : `${counts.seen} peer(s) found over mDNS did not answer`;
  return `${seen} within ${seconds} s; are the other peers on this LAN (same subnet), ` +
    `started with --lan and without --no-mdns, and does no firewall block mDNS (UDP 5353) ` +
    `or their ports? --discover-timeout waits longer`;
}

/**
 * Fetches a listing page after page until it has as many entries as the
 * latest reply's `total`, a page comes back empty, or `MAX_LISTING_PAGES`
 * pages were asked. An entry that shifts into the next page while the
 * listing changes is kept once (by `key`), and the entry it pushed out is
 * fetched with one more page.
 */
export async function fetchListing<T>(
  fetchPage: (offset: number) => Promise<ListingPage<T>>,
  key: (entry: T) => string,
): Promise<Listing<T>> {
  const entries = new Map<string, T>();
  let offset = 0;
  let total = 0;
  for (let pages = 0; pages < MAX_LISTING_PAGES; pages++) {
    const page = await fetchPage(offset);
    total = page.total;
    for (const entry of page.entries) if (!entries.has(key(entry))) entries.set(key(entry), entry);
    offset += page.entries.length;
    if (page.entries.length === 0) total = entries.size;
    if (entries.size >= total) break;
  }
  return { entries: [...entries.values()], cut: Math.max(0, total - entries.size) };
}

/**
 * `answer` when it is the file `query` (a full ID, or a prefix of one in any
 * case) asks for; throws otherwise, before anything is downloaded: its
 * manifest must hash to its file ID, and that ID must be the one asked for
 * or start with the prefix asked for. `from` names who answered.
 */
export async function checkLookupAnswer(
  query: string,
  answer: LookupResult,
  from: string,
): Promise<LookupResult> {
  const asked = query.trim().toLowerCase();
  if (!answer.fileId.startsWith(asked)) {
    throw new Error(
      `the ${from} answered ${asked} with another file (${answer.fileId}): refusing it; ` +
        `check the ID, and whether the ${from} can be trusted`,
    );
  }
  if (await computeFileId(answer.manifest) !== answer.fileId) {
    throw new Error(
      `the ${from} sent a manifest that does not match file ID ${answer.fileId}: refusing it; ` +
        `check whether the ${from} can be trusted`,
    );
  }
  return answer;
}

/** The sources of several lists, each peer once (its first entry wins). */
export function mergeSources(lists: Source[][]): Source[] {
  const sources = new Map<string, Source>();
  for (const source of lists.flat()) {
    if (!sources.has(source.peerId)) sources.set(source.peerId, source);
  }
  return [...sources.values()];
}
