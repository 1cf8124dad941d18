/**
 * `GET /api/events`: Server-Sent Events of what changes. One 500 ms tick,
 * running only while some page listens, samples the downloads (never per
 * chunk): `downloads` is sent on every tick while one runs, and once when
 * the list changes otherwise; `shared` when this peer's items change;
 * `files` when the network's files change (asked every few seconds, or at
 * once after a change made here). A comment line every 15 s keeps proxies
 * and phones from closing an idle stream.
 *
 * @module
 */

import { errorMessage, type Logger } from "../log.ts";
import { downloadViews, networkFiles } from "./api_routes.ts";
import type { Topic, WebContext } from "./web_context.ts";
import { sharedView } from "./views.ts";

/** How often the downloads are sampled while a page listens. */
export const EVENT_TICK_MS = 500;

/** How often a comment line is sent to keep the stream open. */
export const HEARTBEAT_MS = 15_000;

/** How often the network's files are asked for while a page listens. */
export const FILES_POLL_MS = 5_000;

/** Bytes queued for a page that reads nothing past which its stream is closed (it reconnects). */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** One `text/event-stream` event. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The event streams of the open pages, fed by one tick. */
export class EventHub {
  #context: WebContext;
  #log: Logger;
  #clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #encoder = new TextEncoder();
  #timer: ReturnType<typeof setInterval> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #last = new Map<Topic, string>();
  #filesAskedAt = 0;
  #filesAsking = false;
  #wanted = new Set<Topic>();

  /** A hub for the pages of `context`'s peer. */
  constructor(context: WebContext, log: Logger) {
    this.#context = context;
    this.#log = log;
  }

  /** The response of a new event stream: every topic at once, then the changes. */
  subscribe(): Response {
    let self: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        self = controller;
        this.#clients.add(controller);
        controller.enqueue(this.#encoder.encode(": p2pft events\nretry: 2000\n\n"));
        this.#sendAll(controller);
        this.#start();
      },
      cancel: () => this.#drop(self),
    }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Sends `topic` to every page at the next tick (a change made here). */
  changed(topic: Topic): void {
    this.#wanted.add(topic);
    if (topic === "files") this.#filesAskedAt = 0;
  }

  /** Ends every stream and the tick. */
  close(): void {
    for (const client of this.#clients) {
      try {
        client.close();
      } catch {
        // already closed by the browser
      }
    }
    this.#clients.clear();
    this.#stop();
  }

  #start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), EVENT_TICK_MS);
    this.#heartbeat = setInterval(() => this.#broadcast(": heartbeat\n\n"), HEARTBEAT_MS);
  }

  #stop(): void {
    clearInterval(this.#timer);
    clearInterval(this.#heartbeat);
    this.#timer = undefined;
    this.#heartbeat = undefined;
  }

  #drop(client: ReadableStreamDefaultController<Uint8Array>): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.#stop();
  }

  #tick(): void {
    const downloads = downloadViews(this.#context);
    const text = JSON.stringify(downloads);
    const running = downloads.some((download) => download.state === "running");
    if (running || this.#wanted.has("downloads") || text !== this.#last.get("downloads")) {
      this.#last.set("downloads", text);
      this.#broadcast(sseEvent("downloads", { downloads }));
    }
    const shared = JSON.stringify(this.#context.peer.shared().map(sharedView));
    if (this.#wanted.has("shared") || shared !== this.#last.get("shared")) {
      this.#last.set("shared", shared);
      this.#broadcast(`event: shared\ndata: {"shared":${shared}}\n\n`);
    }
    this.#wanted.delete("downloads");
    this.#wanted.delete("shared");
    if (Date.now() - this.#filesAskedAt >= FILES_POLL_MS) this.#pollFiles();
  }

  #pollFiles(): void {
    if (this.#filesAsking) return;
    this.#filesAsking = true;
    this.#filesAskedAt = Date.now();
    const forced = this.#wanted.delete("files");
    networkFiles(this.#context).then((files) => {
      const text = JSON.stringify(files);
      if (!forced && text === this.#last.get("files")) return;
      this.#last.set("files", text);
      this.#broadcast(`event: files\ndata: {"files":${text}}\n\n`);
    }, (error) => this.#log.debug(`cannot list the network's files: ${errorMessage(error)}`))
      .finally(() => this.#filesAsking = false);
  }

  #sendAll(client: ReadableStreamDefaultController<Uint8Array>): void {
    const context = this.#context;
    const send = (text: string) => this.#send(client, text);
    send(sseEvent("downloads", { downloads: downloadViews(context) }));
    send(sseEvent("shared", { shared: context.peer.shared().map(sharedView) }));
    networkFiles(context).then(
      (files) => send(sseEvent("files", { files })),
      (error) => this.#log.debug(`cannot list the network's files: ${errorMessage(error)}`),
    );
  }

  #broadcast(text: string): void {
    for (const client of this.#clients) this.#send(client, text);
  }

  /** Queues `text` for `client`; one that reads nothing for long (a sleeping phone) is dropped. */
  #send(client: ReadableStreamDefaultController<Uint8Array>, text: string): void {
    if (!this.#clients.has(client)) return;
    try {
      if ((client.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
        client.close();
        this.#drop(client);
        return;
      }
      client.enqueue(this.#encoder.encode(text));
    } catch {
      this.#drop(client);
    }
  }
}
