/**
 * The web page's port: a `node:http` server that lets in each connection as
 * the other listeners do (at most so many in all and per address; see
 * admission.ts), which `Deno.serve` cannot (it accepts every connection
 * itself, with no hook before). A newcomer past a limit gets a 503 that
 * says which, while few refusals are under way, and is dropped otherwise.
 * Slow and idle connections end in bounded time: headers must come within
 * `WEB_HEADERS_TIMEOUT_MS` (408), an idle kept-alive connection closes after
 * `WEB_KEEP_ALIVE_TIMEOUT_MS`, and one silent both ways for
 * `WEB_IDLE_TIMEOUT_MS` while a request runs is cut.
 *
 * @module
 */

import http from "node:http";
import type net from "node:net";
import {
  WEB_HEADERS_TIMEOUT_MS,
  WEB_IDLE_TIMEOUT_MS,
  WEB_KEEP_ALIVE_TIMEOUT_MS,
  WEB_MAX_CONNECTIONS,
  WEB_MAX_CONNECTIONS_PER_ADDRESS,
} from "./constants.ts";
import { isIpv6 } from "../discovery/addresses.ts";
import { Admissions, type ConnectionLimits } from "../protocol/admission.ts";
import { plainHost } from "../protocol/socket_channel.ts";
import { type FetchHandler, requestListener } from "./fetch_adapter.ts";

/** How often the headers deadline is checked. */
const TIMEOUT_CHECK_MS = 1_000;

/** How long a refused newcomer may take to read its 503 and close. */
const REFUSAL_MS = 2_000;

/** The web port's limits: connections, and times in milliseconds. */
export interface WebLimits extends ConnectionLimits {
  headersMs: number;
  keepAliveMs: number;
  idleMs: number;
}

/** The limits of `src/constants.ts`. */
export const WEB_LIMITS: WebLimits = {
  total: WEB_MAX_CONNECTIONS,
  perAddress: WEB_MAX_CONNECTIONS_PER_ADDRESS,
  headersMs: WEB_HEADERS_TIMEOUT_MS,
  keepAliveMs: WEB_KEEP_ALIVE_TIMEOUT_MS,
  idleMs: WEB_IDLE_TIMEOUT_MS,
};

/** Options of {@linkcode listenWeb}. */
export interface WebListenOptions {
  handler: FetchHandler;
  /** The response when the handler throws. */
  onError: (error: unknown) => Response;
  /** Default {@linkcode WEB_LIMITS}. */
  limits?: WebLimits;
  /** Told of each refused newcomer: its address and why. */
  onRefused?: (host: string, reason: string) => void;
}

/** A listening web port. */
export interface WebListener {
  addr: Deno.NetAddr;
  /** Stops accepting, lets requests run for `graceMs`, then closes every connection. */
  close(graceMs: number): Promise<void>;
}

/** Serves `options.handler` on `hostname:port` (port 0: any free one). */
export function listenWeb(
  address: { hostname: string; port: number },
  options: WebListenOptions,
): Promise<WebListener> {
  const limits = options.limits ?? WEB_LIMITS;
  const server = http.createServer({
    headersTimeout: limits.headersMs,
    requestTimeout: 0,
    keepAliveTimeout: limits.keepAliveMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    // Event-stream lines and small answers go at once, not held for an acknowledgement.
    noDelay: true,
  });
  server.timeout = limits.idleMs;
  const admission = new WebAdmission(limits, options.onRefused);
  const [serveHttp] = server.listeners("connection") as ((socket: net.Socket) => void)[];
  server.removeAllListeners("connection");
  server.on("connection", (socket: net.Socket) => {
    if (admission.admit(socket)) serveHttp.call(server, socket);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: address.hostname, port: address.port }, () => {
      server.off("error", reject);
      const bound = server.address() as net.AddressInfo;
      const host = isIpv6(bound.address) ? `[${bound.address}]` : bound.address;
      server.on(
        "request",
        requestListener(options.handler, {
          origin: `http://${host}:${bound.port}`,
          onError: options.onError,
        }),
      );
      resolve({
        addr: { transport: "tcp", hostname: bound.address, port: bound.port },
        close: (graceMs) => closeServer(server, admission, graceMs),
      });
    });
  });
}

async function closeServer(server: http.Server, admission: WebAdmission, graceMs: number) {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => {
    server.closeAllConnections();
    admission.destroyAll();
  }, graceMs);
  await closed;
  clearTimeout(grace);
  admission.destroyAll();
}

/** Who the web port lets in (see `Admissions`), and its 503s to the others. */
class WebAdmission {
  #limits: ConnectionLimits;
  #admissions: Admissions<net.Socket>;
  #onRefused: (host: string, reason: string) => void;

  constructor(limits: ConnectionLimits, onRefused?: (host: string, reason: string) => void) {
    this.#limits = limits;
    this.#admissions = new Admissions(limits);
    this.#onRefused = onRefused ?? (() => {});
  }

  /** True when `socket` may be served (it is counted until it closes); else it is refused. */
  admit(socket: net.Socket): boolean {
    const host = plainHost(socket.remoteAddress ?? "?");
    const { admission, addressFull } = this.#admissions.admit(socket, host);
    if (admission === "serve") return true;
    const reason = addressFull
      ? `too many connections from your address (the limit is ${this.#limits.perAddress}): ` +
        `close some pages or tabs of this peer`
      : `this peer's page holds its limit of ${this.#limits.total} connections: try again later`;
    this.#onRefused(host, reason);
    if (admission === "drop") socket.destroy();
    else this.#refuse(socket, reason);
    return false;
  }

  /** Closes the refusals under way. */
  destroyAll(): void {
    for (const socket of this.#admissions.refusing) socket.destroy();
  }

  /** Answers 503 with `reason`, then waits for the browser to close first so it is not lost to a reset. */
  #refuse(socket: net.Socket, reason: string): void {
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    this.#admissions.refuse(socket, closed);
    const grace = setTimeout(() => socket.destroy(), REFUSAL_MS);
    socket.on("error", () => {});
    closed.then(() => clearTimeout(grace));
    const body = new TextEncoder().encode(`${reason}\n`);
    socket.resume();
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n` +
        `content-length: ${body.length}\r\nconnection: close\r\nretry-after: 5\r\n\r\n${reason}\n`,
    );
  }
}
