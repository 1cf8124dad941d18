/**
 * `peer --web`: starts the peer's web page from the command's options and
 * prints its URLs, with a QR code of the first for a phone to scan.
 *
 * @module
 */

import { join, resolve } from "node:path";
import type { Logger } from "../log.ts";
import type { PeerNode } from "../peer/peer.ts";
import { parseHostPort } from "../protocol/channel.ts";
import { qrLines } from "../web/qr.ts";
import { DEFAULT_WEB_LISTEN } from "./constants.ts";
import { startWebServer, type WebServer } from "../web/web_server.ts";
import type { Reporter } from "./output.ts";

/** The options of `peer` that `--web` uses. */
export interface WebCliOptions {
  /** `--web`: true when given bare. */
  web: string | true;
  webToken?: string;
  webUploads?: string;
  webUploadLimit: number;
  out: string;
  reporter: Reporter;
  log: Logger;
}

/** Starts the web page of `peer` and prints its URLs (and, in text mode, a QR code). */
export async function startWeb(peer: PeerNode, options: WebCliOptions): Promise<WebServer> {
  const listen = parseHostPort(options.web === true ? DEFAULT_WEB_LISTEN : options.web, {
    defaultHost: "127.0.0.1",
  });
  const token = options.webToken?.trim();
  if (token !== undefined && token.length < 8) {
    throw new Error("--web-token is too short to guard the page: give at least 8 characters");
  }
  const server = await startWebServer(peer, {
    hostname: listen.host,
    port: listen.port,
    token,
    outDir: resolve(options.out),
    uploadDir: resolve(options.webUploads ?? join(options.out, "uploads")),
    uploadLimit: options.webUploadLimit,
    log: options.log.child("web"),
  });
  printWeb(server, options.reporter);
  return server;
}

/** Prints the URLs of `server` (a `web` event), then in text mode a QR code of the first. */
export function printWeb(server: WebServer, reporter: Reporter): void {
  const urls = server.urls();
  reporter.emit({ event: "web", urls });
  if (reporter.mode !== "text") return;
  for (const line of qrLines(urls[0])) reporter.console.out(line);
}
