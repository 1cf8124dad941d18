/**
 * The BitTorrent tracker of the `shaped` scenario of `deno task bench`: an
 * HTTP tracker (`bittorrent-tracker`) on `HOST`, any free port, that prints
 * `tracker listening on http://HOST:PORT/announce` and then one line per
 * announce (see `parseAnnounce` in bench_shaped_plan.ts). It runs until
 * killed. Usage: `deno run -A scripts/bench_tracker.ts HOST`.
 *
 * @module
 */

import Server from "bittorrent-tracker/server";
import { formatAnnounce } from "./bench_shaped_plan.ts";

/**
 * Time the tracker asks clients to wait between announces: short, so that
 * downloaders that started together soon learn of each other.
 */
const ANNOUNCE_INTERVAL_MS = 2_000;

/** What the tracker passes with each announce event. */
interface AnnounceParams {
  event?: string;
  left?: number;
}

function main(host: string): void {
  const server = new Server({
    http: true,
    udp: false,
    ws: false,
    stats: false,
    interval: ANNOUNCE_INTERVAL_MS,
  });
  server.on("error", (error: Error) => console.error(`tracker error: ${error.message}`));
  for (const event of ["start", "complete", "update", "stop"]) {
    server.on(event, (address: string, params: AnnounceParams) => {
      console.log(formatAnnounce({
        address,
        event: params.event ?? "update",
        left: Number(params.left ?? 0),
      }));
    });
  }
  server.on("listening", () => {
    const { port } = server.http.address();
    console.log(`tracker listening on http://${host}:${port}/announce`);
  });
  server.listen(0, host);
}

if (import.meta.main) {
  const [host] = Deno.args;
  if (!host) throw new Error("usage: bench_tracker.ts HOST");
  main(host);
}
