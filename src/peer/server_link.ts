/**
 * A peer's link to the central server: connects, registers, shares all it
 * holds, sends heartbeats, and when the link drops reconnects with
 * exponential backoff and re-registers everything by itself. Given several
 * servers (replicas of one network), it fails over: when its server dies
 * it registers at once with another (see server_choice.ts) and shares
 * everything there again.
 *
 * @module
 */

import { HEARTBEAT_INTERVAL_MS, REQUEST_TIMEOUT_MS } from "../constants.ts";
import { LINK_REPORT_MAX_GAP_MS, LINK_REPORT_MIN_GAP_MS } from "./constants.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { formatHostPort, type HostPort } from "../protocol/channel.ts";
import { type Connection, RemoteError } from "../protocol/connection.ts";
import { dial } from "../protocol/dial.ts";
import {
  parseMessage,
  type PeerToServer,
  READS_INDEX,
  serverToPeerSchema,
  type SharedFileEntry,
} from "../protocol/messages.ts";
import { nextBackoff, withTimeout } from "../protocol/timeouts.ts";
import { connectedLine, loopbackWarning, unreachableMessage } from "./link_lines.ts";
import { parseRegistration, registerMessage, shareAll } from "./link_registration.ts";
import { isFatalLinkError } from "./link_refusal.ts";
import { LinkWaiters, type LinkWaitOptions } from "./link_waiters.ts";
import { relayOfferNote } from "./relay_offer.ts";
import { failureLine, RetryReports } from "./retry_reports.ts";
import { ServerList } from "./server_addresses.ts";
import type { ServerLinkOptions, ServerRequest } from "./server_link_options.ts";
import { Waker } from "./waker.ts";

type Outgoing = PeerToServer extends infer M ? M extends { id: number } ? Omit<M, "id"> : M
  : never;

/** A self-healing link to the central server. */
export class ServerLink {
  #options: ServerLinkOptions;
  #log: Logger;
  /** The connection once registered. */
  #connection: Connection | undefined;
  /** The connection from its `register` on: requests that only read the index may go on it. */
  #asking: Connection | undefined;
  /** The connection from its handshake on, so that closing ends a session still setting up. */
  #live: Connection | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;
  /** The wait between attempts, which closing ends. */
  #backoff = new Waker();
  /** Who waits for the link to register (or to ask on it). */
  #waiters = new LinkWaiters(() => this.#reports.failingSince !== undefined);
  #reports = new RetryReports({
    minGapMs: LINK_REPORT_MIN_GAP_MS,
    maxGapMs: LINK_REPORT_MAX_GAP_MS,
  });
  #lastError = "not connected yet";
  #fatal: Error | undefined;
  #current: HostPort | undefined;
  #servers: ServerList;
  #warnedLoopback = false;
  /** The address the server says others reach us at. */
  dialAddress: string | undefined;
  /**
   * Whether the server could dial this peer's chunk port back when it last
   * registered; `undefined` before that, or with a server that does not check.
   */
  reachable: boolean | undefined;
  /**
   * Whether the server took this peer's offer to relay when it last
   * registered; `undefined` when it offers none, or the server did not say.
   */
  relaying: boolean | undefined;

  /** A link; call {@linkcode start} to connect. */
  constructor(options: ServerLinkOptions) {
    this.#options = options;
    this.#log = options.log ?? silentLogger();
    this.#servers = new ServerList(options.server);
  }

  /**
   * `host:port` of the server (the last one dialled, when it is discovered
   * or one of several; all of them, comma-separated, before the first).
   */
  get serverAddress(): string {
    const list = this.#current ? [this.#current] : this.#servers.given;
    return list?.map((one) => formatHostPort(one.host, one.port)).join(",") ?? "(not found yet)";
  }

  /** Host of the server (the last one dialled, where its relay listens); undefined before. */
  get serverHost(): string | undefined {
    return this.#current?.host ?? this.#servers.given?.[0]?.host;
  }

  /** True while registered with the server. */
  get connected(): boolean {
    return this.#connection !== undefined && !this.#connection.closed;
  }

  /** Why the link is down, when it is. */
  get lastError(): string {
    return this.#lastError;
  }

  /** Why the link stopped for good (a refused key, a changed server identity), if it did. */
  get refused(): string | undefined {
    return this.#fatal?.message;
  }

  /** Starts connecting in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Resolves once registered, or rejects with the reason the link is down:
   * after `timeoutMs`, or from `failFastMs` on as soon as every attempt
   * has been failing (a server down or a wrong port), while one that is
   * merely slow to answer is waited for. With `options.asking`, it resolves
   * as soon as the registration is sent, when requests that only read the
   * index (a lookup) may be sent, before the server has dialled this peer
   * back and answered.
   */
  async waitConnected(
    timeoutMs: number,
    options: LinkWaitOptions = {},
  ): Promise<void> {
    if (this.connected || (options.asking && this.#asking && !this.#asking.closed)) return;
    if (this.#fatal) throw this.#fatal;
    try {
      await this.#waiters.wait(timeoutMs, options);
    } catch {
      throw new Error(
        unreachableMessage(this.serverAddress, {
          reason: this.#lastError,
          servers: this.#servers.given?.length ?? 1,
        }),
      );
    }
    if (this.#fatal) throw this.#fatal;
  }

  /**
   * Sends a request to the server and resolves to its reply. While the
   * registration is under way, a request that only reads the index goes at
   * once, any other waits for the registration.
   */
  async request(message: Outgoing): Promise<Record<string, unknown>> {
    const early = READS_INDEX.has(message.t);
    if (!early) await this.#registration();
    const connection = this.#connection ?? (early ? this.#asking : undefined);
    if (!connection || connection.closed) {
      throw new Error(`not connected to the server at ${this.serverAddress} (${this.#lastError})`);
    }
    return await withTimeout(connection.request(message as Record<string, unknown>), {
      ms: REQUEST_TIMEOUT_MS,
      what: `request "${message.t}" to the server`,
    });
  }

  /**
   * Whether the server could dial this peer back, once a registration under
   * way is answered; undefined when unknown.
   */
  async reachableWhenKnown(): Promise<boolean | undefined> {
    await this.#registration();
    return this.reachable;
  }

  /** Waits for a registration that is sent and not yet answered, if there is one. */
  async #registration(): Promise<void> {
    if (this.#asking && !this.connected) {
      await this.waitConnected(REQUEST_TIMEOUT_MS).catch(() => {});
    }
  }

  /** Sends a message that needs no answer; dropped while disconnected (re-sharing covers it). */
  notify(message: Outgoing): void {
    const connection = this.#connection;
    if (!connection || connection.closed) return;
    connection.send(message as Record<string, unknown>).catch(() => {});
  }

  /** Shares entries now if connected; they are re-shared on every reconnection anyway. */
  async share(files: SharedFileEntry[]): Promise<void> {
    if (!this.connected || files.length === 0) return;
    await this.request({ t: "share", files });
  }

  /** Says goodbye to the server and stops reconnecting. */
  async close(): Promise<void> {
    this.#closed = true;
    const connection = this.#live;
    if (connection && !connection.closed) {
      if (connection === this.#connection) await connection.send({ t: "bye" }).catch(() => {});
      connection.close("peer shutting down");
    }
    this.#backoff.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let delay = 0;
    while (!this.#closed) {
      let target: HostPort | undefined;
      try {
        const pick = await this.#servers.pick();
        if (!pick.fresh) {
          delay = nextBackoff(delay);
          await this.#backoff.sleep(delay);
          if (this.#closed) break;
        }
        target = pick.server;
        await this.#session(target);
        delay = 0;
      } catch (error) {
        if (this.#closed) break;
        this.#lastError = errorMessage(error);
        if (isFatalLinkError(error)) {
          this.#fatal = error as Error;
          this.#log.error(`server ${this.serverAddress} refused: ${this.#lastError}`);
          this.#waiters.wakeAll();
          return;
        }
        this.#reportFailure();
      }
      if (target) this.#servers.failed(target);
    }
  }

  /**
   * Logs a failed attempt as {@linkcode RetryReports} says: the first of a
   * streak as a warning, then info lines ever more seldom, the others at
   * debug level. Fail-fast waiters are told.
   */
  #reportFailure(): void {
    const report = this.#reports.failed(Date.now());
    if (report) {
      const line = failureLine(report, {
        server: this.serverAddress,
        reason: this.#lastError,
        servers: this.#servers.count,
      });
      this.#log[line.level](line.text);
    } else {
      this.#log.debug(`server link: ${this.#lastError}`);
    }
    this.#waiters.attemptFailed();
  }

  /**
   * Warns once when this peer serves on loopback only but reaches its
   * server over the network: the server then sends other machines to an
   * address where nothing answers.
   */
  #warnIfLoopback(connection: Connection): void {
    if (this.#warnedLoopback) return;
    const local = connection.channel.localAddr;
    const via = "hostname" in local ? local.hostname : "";
    const warning = loopbackWarning(
      { host: this.#options.listenHost, port: this.#options.listenPort },
      via,
    );
    if (warning === undefined) return;
    this.#warnedLoopback = true;
    this.#log.warn(warning);
  }

  /** Answers the server's `request` on `connection`, or refuses it with the reason. */
  async #answer(connection: Connection, request: ServerRequest): Promise<void> {
    try {
      if (!this.#options.onRequest) throw new Error(`this peer does not answer "${request.t}"`);
      await connection.reply(request.id, await this.#options.onRequest(request));
    } catch (error) {
      const code = error instanceof RemoteError ? error.code : "refused";
      await connection.replyError(request.id, { code, message: errorMessage(error) });
    }
  }

  async #session(server: HostPort): Promise<void> {
    this.#current = server;
    const connection = await dial(this.#current, {
      role: "peer",
      accept: ["server"],
      credentials: this.#options.credentials,
    });
    this.#live = connection;
    try {
      await this.#options.checkServer?.(this.serverAddress, connection.remoteId);
    } catch (error) {
      connection.close("server identity refused");
      throw error;
    }
    if (this.#closed) connection.close("peer shutting down");
    const running = connection.run(async (raw) => {
      const message = parseMessage(serverToPeerSchema, raw);
      if ("id" in message) await this.#answer(connection, message);
      else this.#options.onNotice?.(message);
    });
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    try {
      const registered = connection.request(registerMessage(this.#options));
      this.#asking = connection;
      this.#waiters.registering();
      const reply = await withTimeout(registered, { ms: REQUEST_TIMEOUT_MS, what: "registration" });
      ({ dialAddress: this.dialAddress, reachable: this.reachable, relaying: this.relaying } =
        parseRegistration(reply));
      this.#warnIfLoopback(connection);
      // Connected before the snapshot of shares: a file registered from now on
      // is shared on its own, one registered before is in the snapshot.
      this.#connection = connection;
      const shares = this.#options.shares();
      await shareAll(connection, { shares, log: this.#log });
      this.#lastError = "connected";
      this.#reports.succeeded();
      this.#servers.succeeded(server);
      const sharing = (shares.length > 0 ? `, sharing ${shares.length} file(s)` : "") +
        relayOfferNote(this.relaying, this.#options.relayPort);
      const line = connectedLine({
        server: this.serverAddress,
        dialAddress: this.dialAddress,
        reachable: this.reachable,
        sharing,
      });
      this.#log[line.level](line.text);
      this.#waiters.wakeAll();
      heartbeat = setInterval(() => {
        connection.send({ t: "heartbeat" }).catch(() => {});
      }, HEARTBEAT_INTERVAL_MS);
      await running;
      if (!this.#closed) this.#log.warn(`lost the server ${this.serverAddress}; reconnecting`);
      this.#lastError = "connection lost";
    } catch (error) {
      connection.close();
      await running.catch(() => {});
      if (!this.#closed && this.#connection === connection) {
        this.#log.warn(
          `lost the server ${this.serverAddress}: ${errorMessage(error)}; reconnecting`,
        );
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
      if (this.#connection === connection) this.#connection = undefined;
      if (this.#live === connection) this.#live = undefined;
      if (this.#asking === connection) this.#asking = undefined;
    }
  }
}
