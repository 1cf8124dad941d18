/**
 * A peer serving its web page (`--web` on a free loopback port, with a
 * known token) for the web tests, and what they ask of it: JSON calls with
 * the token, and the Server-Sent Events it streams.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { P2pftProcess } from "../../scripts/process_harness.ts";
import type { Cluster } from "../helpers/cluster.ts";

/** The token the test peers' pages use. */
export const TOKEN = "test-token-0123456789";

/** A peer with its web page. */
export interface WebPeer {
  peer: P2pftProcess;
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** Its `--out` folder. */
  out: string;
  /** `fetch` of `path` on the page with the token (as a bearer header). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The JSON answer of `path`, checked to have `status` (default 200). */
  json<T = Record<string, unknown>>(
    path: string,
    init?: RequestInit & { status?: number },
  ): Promise<T>;
}

/** Starts a peer of `cluster` serving its page, downloading into `name` in the cluster's folder. */
export async function startWebPeer(
  cluster: Cluster,
  name: string,
  options: { args?: string[] } = {},
): Promise<WebPeer> {
  const out = join(cluster.dir, name);
  await Deno.mkdir(out, { recursive: true });
  const { peer } = await cluster.share([], {
    args: [
      "--web",
      "127.0.0.1:0",
      "--web-token",
      TOKEN,
      "-o",
      out,
      "--data-dir",
      join(cluster.dir, `${name}-data`),
      ...(options.args ?? []),
    ],
  });
  const line = await peer.stdout.waitFor(/^Web page: (http:\/\/127\.0\.0\.1:\d+)\/\?token=/);
  const base = line[1];
  const call = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${TOKEN}`);
    return fetch(base + path, { ...init, headers });
  };
  return {
    peer,
    base,
    out,
    fetch: call,
    async json<T>(path: string, init: RequestInit & { status?: number } = {}) {
      const response = await call(path, init);
      const body = await response.json();
      assert.equal(response.status, init.status ?? 200, `${path}: ${JSON.stringify(body)}`);
      return body as T;
    },
  };
}

/** A JSON request body. */
export function jsonPost(body: unknown, method = "POST"): RequestInit {
  return { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } };
}

/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * Reads the event stream of `page` until `until` returns true for an event
 * (or `timeoutMs` passes, which throws); resolves to the events read.
 */
export async function readEvents(
  page: WebPeer,
  until: (event: SseEvent, all: SseEvent[]) => boolean,
  timeoutMs = 30_000,
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const response = await page.fetch("/api/events", { signal: controller.signal });
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended");
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = block.match(/^event: (.*)$/m)?.[1];
        const data = block.match(/^data: (.*)$/m)?.[1];
        if (event === undefined || data === undefined) continue;
        const parsed = { event, data: JSON.parse(data) };
        events.push(parsed);
        if (until(parsed, events)) {
          await reader.cancel();
          return events;
        }
      }
    }
  } catch (error) {
    if (controller.signal.aborted) {
      throw new Error(`timed out reading events; got ${events.map((e) => e.event).join(", ")}`);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
