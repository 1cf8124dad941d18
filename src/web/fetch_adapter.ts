/**
 * The web app's `fetch` handler (`Request` in, `Response` out) on a
 * `node:http` server, which the web listener needs to accept connections
 * itself (see web_listener.ts). A request body streams in as it arrives; a
 * response body streams out chunk by chunk, waiting for the socket to drain
 * so a slow reader holds no more than a chunk; a reader that goes away
 * cancels the body (the event stream and the file reads stop).
 *
 * Not `@hono/node-server`'s `getRequestListener`, which does the same: it
 * writes "The user aborted a request." to standard output whenever a browser
 * leaves mid-download, where a peer run with `--json` prints its events, and
 * it replaces the global `Request` and `Response` unless told not to.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Buffer } from "node:buffer";

/** Bytes of a request body read ahead of the handler. */
const BODY_BUFFER_BYTES = 1024 * 1024;

/** The handler a `Deno.serve` would take. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Options of {@linkcode requestListener}. */
export interface AdapterOptions {
  /** `http://host:port` the server listens on: the origin of relative request targets. */
  origin: string;
  /** The response when the handler throws. */
  onError: (error: unknown) => Response;
}

/** A `node:http` request listener that answers with `handler`. */
export function requestListener(
  handler: FetchHandler,
  options: AdapterOptions,
): (incoming: IncomingMessage, outgoing: ServerResponse) => void {
  return async (incoming, outgoing) => {
    const body = incomingBody(incoming);
    const request = toRequest(incoming, { origin: options.origin, body: body.stream });
    if (request === undefined) {
      outgoing.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      outgoing.end("bad request: its target or a header is not valid");
      return;
    }
    let response: Response;
    try {
      response = await handler(request);
    } catch (error) {
      response = options.onError(error);
    }
    // What the handler left unread is read and dropped, so the connection can take its next request.
    body.discard();
    await sendResponse(response, outgoing);
  };
}

/**
 * The body of `incoming` as a stream that reads it as it is pulled (so a
 * body never read costs nothing until `discard`), and `discard`, which
 * stops the stream and reads and drops the rest.
 */
function incomingBody(
  incoming: IncomingMessage,
): { stream: ReadableStream<Uint8Array>; discard(): void } {
  let controller: ReadableStreamDefaultController<Uint8Array>;
  let reading = false;
  const take = (chunk: Buffer) => {
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
  };
  const end = () => controller.close();
  const fail = (error: Error) => controller.error(error);
  // A browser that goes away mid-upload is an error of the stream, never of the process.
  incoming.on("error", () => {});
  const discard = () => {
    incoming.off("data", take).off("end", end).off("error", fail);
    if (!incoming.complete) incoming.resume();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(self) {
      controller = self;
    },
    pull() {
      if (!reading) {
        reading = true;
        incoming.on("data", take).once("end", end).once("error", fail);
      }
      incoming.resume();
    },
    cancel: discard,
  }, new ByteLengthQueuingStrategy({ highWaterMark: BODY_BUFFER_BYTES }));
  return { stream, discard };
}

/** `incoming` as a `Request` with `body`; undefined when its target or a header is not valid. */
function toRequest(
  incoming: IncomingMessage,
  options: { origin: string; body: ReadableStream<Uint8Array> },
): Request | undefined {
  const target = incoming.url ?? "/";
  const method = incoming.method ?? "GET";
  const bodiless = method === "GET" || method === "HEAD";
  try {
    const url = new URL(target.startsWith("/") ? options.origin + target : target);
    const headers = new Headers();
    const raw = incoming.rawHeaders;
    for (let index = 0; index + 1 < raw.length; index += 2) {
      headers.append(raw[index], raw[index + 1]);
    }
    return new Request(url, { method, headers, body: bodiless ? null : options.body });
  } catch {
    return undefined;
  }
}

/** Writes `response` to `outgoing`, its body as it comes; resolves when done or the reader left. */
async function sendResponse(response: Response, outgoing: ServerResponse): Promise<void> {
  outgoing.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") outgoing.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) outgoing.setHeader("set-cookie", cookies);
  if (response.body === null) {
    outgoing.end();
    return;
  }
  const reader = response.body.getReader();
  const left = () => {
    if (!outgoing.writableFinished) reader.cancel().catch(() => {});
  };
  outgoing.once("close", left);
  try {
    let reading = reader.read();
    // A body made from a string or bytes is pulled lazily: its first piece takes a few microtasks.
    let next = await ready(reading, { macrotask: true });
    // Nothing to send yet (a download waiting for the swarm): the headers go now.
    if (next === PENDING) outgoing.flushHeaders();
    while (true) {
      const { done, value } = next === PENDING ? await reading : next;
      if (done) break;
      reading = reader.read();
      next = await ready(reading);
      if (next !== PENDING && next.done && !outgoing.headersSent) {
        // A body of one piece (JSON, a page file) goes in one write, with its length.
        outgoing.end(value);
        return;
      }
      if (outgoing.destroyed) {
        left();
        break;
      }
      if (!outgoing.write(value)) await drained(outgoing);
    }
    outgoing.end();
  } catch {
    // The body failed halfway: cut the response so the browser sees it incomplete.
    outgoing.destroy();
  } finally {
    outgoing.off("close", left);
  }
}

const PENDING = Symbol("pending");

/**
 * What `promise` settled with if it already has (a stream's queued piece),
 * or by the next macrotask if asked, else `PENDING`.
 */
async function ready<T>(
  promise: Promise<T>,
  options: { macrotask?: boolean } = {},
): Promise<T | typeof PENDING> {
  if (!options.macrotask) return await Promise.race([promise, Promise.resolve(PENDING)]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<typeof PENDING>((resolve) => timer = setTimeout(resolve, 0, PENDING));
  try {
    return await Promise.race([promise, later]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `outgoing` takes more, or is closed. */
function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off("drain", done);
      outgoing.off("close", done);
      resolve();
    };
    outgoing.on("drain", done);
    outgoing.on("close", done);
  });
}
