/**
 * A real browser for the web page's tests, `deno task bench --scenario web`
 * and the screenshot script: Debian's chromium driven by playwright-core,
 * each session in a fresh temporary profile, and a p2pft peer started with
 * `--web` whose page address (with its access token) is read from its
 * output.
 *
 * It lives in `scripts/` so that imports run one way: the tests and the
 * scripts import it, and it imports nothing from `tests/`.
 *
 * @module
 */

import { type BrowserContext, chromium } from "playwright-core";
import { type P2pftOptions, type P2pftProcess, startPeer } from "./process_harness.ts";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Chromium flags: headless, no sandbox (root in CI), and nothing that calls out to the internet. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Longest a page action or wait may take by default, in milliseconds. */
const ACTION_TIMEOUT_MS = 30_000;

/** How long a peer may take to print its page address, in milliseconds. */
const URL_TIMEOUT_MS = 20_000;

/** Why the browser tests cannot run here, or null when chromium is installed. */
export function chromiumMissing(): string | null {
  try {
    Deno.statSync(CHROMIUM);
    return null;
  } catch {
    return `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`;
  }
}

/** A browser with its own temporary profile; disposing of it closes it and deletes the profile. */
export interface BrowserSession extends AsyncDisposable {
  /** The browser's one context: pages, cookies, downloads. */
  context: BrowserContext;
}

/**
 * Launches chromium with a fresh profile. `viewport` sizes its pages
 * (default 1280x900); downloads are accepted and kept in `downloadsPath`
 * (default a folder of the profile).
 */
export async function launchBrowser(
  options: { viewport?: { width: number; height: number }; downloadsPath?: string } = {},
): Promise<BrowserSession> {
  const profile = await Deno.makeTempDir({ prefix: "p2pft-chromium-" });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      acceptDownloads: true,
      viewport: options.viewport ?? { width: 1280, height: 900 },
      ...(options.downloadsPath ? { downloadsPath: options.downloadsPath } : {}),
    });
  } catch (error) {
    await Deno.remove(profile, { recursive: true });
    throw error;
  }
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  return {
    context,
    async [Symbol.asyncDispose]() {
      await context.close();
      await Deno.remove(profile, { recursive: true });
    },
  };
}

/** The page address a peer printed: `http://HOST:PORT/?token=T`. */
export interface WebAddress {
  /** The whole address, token included. */
  url: string;
  /** `http://HOST:PORT`. */
  origin: string;
  /** The access token. */
  token: string;
}

/** The page address in a line of a peer's output, or null when the line has none. */
export function parseWebAddress(line: string): WebAddress | null {
  const match = line.match(/(https?:\/\/[^\s/]+)\/\?token=([A-Za-z0-9_\-.~%]+)/);
  if (!match) return null;
  return { url: `${match[1]}/?token=${match[2]}`, origin: match[1], token: match[2] };
}

/** A peer serving its page, and the address it printed. */
export interface WebPeer extends WebAddress {
  /** The peer process. */
  peer: P2pftProcess;
}

/**
 * Starts a peer registered with `server` that serves its page on a free
 * loopback port (`--web 127.0.0.1:0`), with `options.args` added; resolves
 * once it has printed the page address.
 */
export async function startWebPeer(
  server: string,
  options: P2pftOptions & { args?: string[] } = {},
): Promise<WebPeer> {
  const peer = await startPeer(server, {
    ...options,
    args: ["--web", "127.0.0.1:0", ...(options.args ?? [])],
  });
  try {
    const found = await peer.stdout.waitForLine(parseWebAddress, URL_TIMEOUT_MS);
    return { peer, ...found.value };
  } catch (error) {
    await peer[Symbol.asyncDispose]();
    throw error;
  }
}
