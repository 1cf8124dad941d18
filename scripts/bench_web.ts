/**
 * The `web` scenario of `deno task bench`: the page a peer serves with
 * `--web`, in Debian's chromium on loopback. Two figures, each with a
 * baseline from the same run:
 * - first load: a fresh browser opens the address with the token and the
 *   page shows the network's files; timed in the browser (from the start of
 *   the navigation, the token's redirect included), against the page's own
 *   `load` event (files shown = loaded + the API's answers);
 * - download to the browser: the page's "Save to this device" link of a
 *   `size` file (the peer's own, so that the figure is the HTTP path, not
 *   the swarm), clicked until the browser has written the whole file,
 *   against `curl` on the same `/files` address into the same folder; and
 *   against the same browser saving the same file from a plain HTTP server
 *   (`Deno.serve` streaming the file), the browser's own ceiling here.
 *
 * @module
 */

import { basename, join } from "node:path";
import { chromiumMissing, launchBrowser, startWebPeer, type WebPeer } from "./browser.ts";
import { parseFileId } from "./bench_parse.ts";
import { emptyDir, sameBytes, settle } from "./bench_peers.ts";
import {
  compareRow,
  formatRate,
  formatSize,
  formatSpread,
  megabytesPerSecond,
  type Row,
  spread,
  summaryLine,
} from "./bench_report.ts";
import { output } from "./process_harness.ts";

/** Most time from navigation to the files shown on loopback, in milliseconds. */
const TARGET_FIRST_LOAD_MS = 1_000;

/** Browser download rate from /files wanted, as a share of its rate from a plain HTTP server. */
const TARGET_BROWSER_VS_PLAIN = 0.8;

/** How long the peer may take to hash and share the file. */
const SHARE_TIMEOUT_MS = 300_000;

/** How long one download to the browser may take. */
const DOWNLOAD_TIMEOUT_MS = 600_000;

/** A duration in milliseconds, e.g. `312 ms`. */
function formatMs(ms: number): string {
  return `${Math.round(ms)} ms`;
}

/** One first load in a fresh browser: ms to the `load` event and to the files shown. */
async function firstLoad(web: WebPeer): Promise<{ loadMs: number; filesMs: number }> {
  await using browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(web.url);
  const filesMs = Number(
    await page.waitForFunction("document.querySelector('#files li') ? performance.now() : 0")
      .then((handle) => handle.jsonValue()),
  );
  const loadMs = Number(
    await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"),
  );
  return { loadMs, filesMs };
}

/**
 * Opens `url` in a fresh browser and saves `name` into `dir` with the link
 * `Save to this device: NAME`; ms from the click to the whole file written.
 */
async function browserDownload(url: string, name: string, dir: string): Promise<number> {
  await using browser = await launchBrowser({ downloadsPath: dir });
  browser.context.setDefaultTimeout(DOWNLOAD_TIMEOUT_MS);
  const page = await browser.context.newPage();
  await page.goto(url);
  const link = page.getByRole("link", { name: `Save to this device: ${name}` });
  await link.waitFor();
  await settle();
  const started = performance.now();
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const failure = await download.failure();
  const ms = performance.now() - started;
  if (failure !== null) throw new Error(`the browser's download failed: ${failure}`);
  await download.saveAs(join(dir, name));
  return ms;
}

/** Downloads `/files/ID/NAME` with curl into `dir`; ms from spawn to exit. */
async function curlDownload(web: WebPeer, file: { id: string; name: string }, dir: string) {
  await settle();
  const started = performance.now();
  await output("curl", [
    ...["-sS", "--fail", "-o", join(dir, file.name)],
    ...["-H", `authorization: Bearer ${web.token}`],
    `${web.origin}/files/${file.id}/${encodeURIComponent(file.name)}`,
  ]);
  return performance.now() - started;
}

/**
 * A plain HTTP server on loopback: `/` is a page with a link that saves
 * `source` as `name` (named as the web page names its links), `/file` the
 * file's bytes as they are read. Disposing of it stops it.
 */
function plainServer(source: string, name: string) {
  const page = `<!doctype html><a href="/file" download="${name}" ` +
    `aria-label="Save to this device: ${name}">save</a>`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (new URL(req.url).pathname !== "/file") {
      return new Response(page, { headers: { "content-type": "text/html" } });
    }
    const file = await Deno.open(source);
    const { size } = await file.stat();
    return new Response(file.readable, {
      headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/**
 * Runs the scenario: `runs` rounds of each figure, with a peer of `server`
 * sharing `source` (a `size` file, made already); work in `work`; its rows.
 */
export async function web(
  source: string,
  options: { size: number; runs: number; work: string; server: string },
): Promise<Row[]> {
  const missing = chromiumMissing();
  if (missing !== null) {
    console.log(summaryLine("web: skipped", [missing]));
    return [];
  }
  const name = basename(source);
  const peer = await startWebPeer(options.server, {
    name: "web peer",
    args: ["-r", source, "-o", join(options.work, "web-out")],
  });
  const loads: number[] = [];
  const shown: number[] = [];
  const browserMs: number[] = [];
  const curlMs: number[] = [];
  const plainMs: number[] = [];
  await using plain = plainServer(source, name);
  try {
    const id = (await peer.peer.stdout.waitForLine(parseFileId, SHARE_TIMEOUT_MS)).value;
    const dir = join(options.work, "web-dl");
    for (let run = 0; run < options.runs; run++) {
      const load = await firstLoad(peer);
      loads.push(load.loadMs);
      shown.push(load.filesMs);
      const downloads: [number[], () => Promise<number>][] = [
        [curlMs, () => curlDownload(peer, { id, name }, dir)],
        [browserMs, () => browserDownload(peer.url, name, dir)],
        [plainMs, () => browserDownload(plain.url, name, dir)],
      ];
      for (const [times, download] of downloads) {
        await emptyDir(dir);
        times.push(await download());
        if (!await sameBytes(source, join(dir, name))) {
          throw new Error(`a download of ${name} differs from the source`);
        }
      }
      await emptyDir(dir);
    }
  } finally {
    await peer.peer.stop();
  }
  const [loadTimes, shownTimes] = [spread(loads), spread(shown)];
  const [browserTimes, curlTimes, plainTimes] = [
    spread(browserMs),
    spread(curlMs),
    spread(plainMs),
  ];
  const rate = (ms: number) => formatRate(megabytesPerSecond(options.size, ms));
  console.log(summaryLine("web: the page on loopback", [
    `loaded ${formatSpread(loadTimes, formatMs)}`,
    `files shown ${formatSpread(shownTimes, formatMs)}`,
    `browser download ${formatSpread(browserTimes, rate)}`,
    `curl ${formatSpread(curlTimes, rate)}`,
    `browser from a plain server ${formatSpread(plainTimes, rate)}`,
  ]));
  const size = formatSize(options.size);
  return [
    compareRow({
      scenario: "web page first load (files shown, loopback)",
      value: shownTimes.min,
      baselineValue: loadTimes.min,
      format: formatMs,
      baselineName: "load event",
      target: { on: "figure", comparison: "<", limit: TARGET_FIRST_LOAD_MS },
    }),
    compareRow({
      scenario: `${size} web: browser download from /files`,
      value: megabytesPerSecond(options.size, browserTimes.min),
      baselineValue: megabytesPerSecond(options.size, curlTimes.min),
      format: formatRate,
      baselineName: "curl",
    }),
    compareRow({
      scenario: `${size} web: browser from /files vs a plain server`,
      value: megabytesPerSecond(options.size, browserTimes.min),
      baselineValue: megabytesPerSecond(options.size, plainTimes.min),
      format: formatRate,
      baselineName: "plain",
      target: { on: "ratio", comparison: ">=", limit: TARGET_BROWSER_VS_PLAIN },
    }),
  ];
}
