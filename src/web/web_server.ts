/**
 * `p2pft peer --web`: the peer's web page and API, on a listener with
 * connection limits and timeouts (see web_listener.ts). Every request needs
 * the access token (a random one, or `--web-token`; not the network key:
 * whoever holds the token may share, and so read, any file this peer's user
 * can read, which the network's members may not), whether the server
 * listens on loopback or on the LAN; the URLs it prints carry it.
 *
 * @module
 */

import { DEFAULT_UPLOAD_LIMIT } from "../constants.ts";
import { isIpv6, isWildcardHost } from "../discovery/addresses.ts";
import { errorMessage, type Logger } from "../log.ts";
import type { PeerNode } from "../peer/peer.ts";
import { RefusalLog } from "../protocol/admission.ts";
import { newToken } from "./access.ts";
import { webApp } from "./app.ts";
import { EventHub } from "./events.ts";
import { RateMeters } from "./views.ts";
import type { WebContext } from "./web_context.ts";
import { listenWeb, type WebListener, type WebListenOptions } from "./web_listener.ts";

/** How long closing waits for requests still running (file downloads) to end. */
const CLOSE_WAIT_MS = 1_000;

/** Options of {@linkcode startWebServer}. */
export interface WebServerOptions {
  hostname: string;
  /** Port, 0 for any free one. */
  port: number;
  /** The access token; default a random one. */
  token?: string;
  /** Folder downloads started from the page go to. */
  outDir: string;
  /** Folder uploads land in. */
  uploadDir: string;
  /** Largest upload, in bytes; default {@linkcode DEFAULT_UPLOAD_LIMIT}. */
  uploadLimit?: number;
  log: Logger;
}

/** A running web server. */
export interface WebServer {
  /** `host:port` it listens on. */
  address: string;
  /** The access token. */
  token: string;
  /** The page's URLs with the token: the bound address, or each LAN address for a wildcard. */
  urls(): string[];
  /** Ends the event streams and stops serving. */
  close(): Promise<void>;
}

/** Serves `peer`'s web page and API. */
export async function startWebServer(
  peer: PeerNode,
  options: WebServerOptions,
): Promise<WebServer> {
  const token = options.token ?? newToken();
  let port = options.port;
  const urls = () => pageUrls(options.hostname, port, token);
  const context: WebContext = {
    peer,
    outDir: options.outDir,
    uploadDir: options.uploadDir,
    uploadLimit: options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT,
    meters: new RateMeters(),
    urls,
    changed: (topic) => hub.changed(topic),
  };
  const hub = new EventHub(context, options.log);
  const gate = { secrets: [token], hostNames: hostNames() };
  const app = webApp(context, { gate, hub, log: options.log });
  const refusals = new RefusalLog(options.log);
  const server = await listen(options, {
    onError: (error) => {
      options.log.warn(`web: ${errorMessage(error)}`);
      return Response.json({ error: "internal error: see the peer's log" }, { status: 500 });
    },
    handler: app.fetch,
    onRefused: (host, reason) => refusals.refused(host, reason, "web limit"),
  });
  port = server.addr.port;
  const host = isIpv6(options.hostname) ? `[${options.hostname}]` : options.hostname;
  return {
    address: `${host}:${port}`,
    token,
    urls,
    async close() {
      hub.close();
      // A browser still downloading would hold a graceful shutdown open: give it a moment only.
      await server.close(CLOSE_WAIT_MS);
    },
  };
}

/** {@linkcode listenWeb} on `options`' address, with an error that says what to do when it cannot. */
async function listen(
  options: { hostname: string; port: number },
  serve: WebListenOptions,
): Promise<WebListener> {
  try {
    return await listenWeb(options, serve);
  } catch (error) {
    const where = `${options.hostname}:${options.port}`;
    // The runtime's node:net says EINVAL where Node says EADDRNOTAVAIL.
    const code = (error as { code?: string }).code;
    const why = code === "EADDRINUSE"
      ? "that port is taken: give another with --web HOST:PORT (port 0 takes any free one)"
      : code === "EADDRNOTAVAIL" || code === "EINVAL"
      ? "this machine has no such address: give one of its own, 127.0.0.1 or 0.0.0.0"
      : errorMessage(error);
    throw new Error(`cannot serve the web page on ${where}: ${why}`);
  }
}

/** This machine's names a browser on the LAN may use: its host name, and that name `.local`. */
function hostNames(): string[] {
  try {
    const name = Deno.hostname().toLowerCase();
    return [name, `${name}.local`];
  } catch {
    return [];
  }
}

/**
 * The page's URLs: at `hostname`, or for a wildcard address at each of
 * this machine's IPv4 addresses (loopback last).
 */
export function pageUrls(hostname: string, port: number, token: string): string[] {
  const url = (host: string) =>
    `http://${isIpv6(host) ? `[${host}]` : host}:${port}/?token=${encodeURIComponent(token)}`;
  if (!isWildcardHost(hostname)) return [url(hostname)];
  const lan = Deno.networkInterfaces()
    .filter((face) => face.family === "IPv4" && !face.address.startsWith("127."))
    .map((face) => face.address);
  return [...new Set(lan), "127.0.0.1"].map(url);
}
