import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import { type FetchHandler, requestListener } from "./fetch_adapter.ts";

/** A `node:http` server on loopback answering with `handler`; disposing of it closes it. */
async function serve(handler: FetchHandler) {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  server.on(
    "request",
    requestListener(handler, {
      origin: base,
      onError: (error) => new Response(`failed: ${error}`, { status: 500 }),
    }),
  );
  return {
    base,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `promise`, or a failure naming `what` after 5 s. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over 5 s`)), 5_000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

Deno.test("a request reaches the handler whole, and its response the client, cookies apart", async () => {
  await using server = await serve(async (request) => {
    const url = new URL(request.url);
    const text = await request.text();
    const headers = new Headers({ "x-seen": `${request.method} ${url.pathname}${url.search}` });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    headers.set("x-agent", request.headers.get("x-agent") ?? "");
    return new Response(`${text.length}`, { status: 201, headers });
  });
  const response = await fetch(`${server.base}/up?name=x`, {
    method: "POST",
    body: "x".repeat(300_000),
    headers: { "x-agent": "test" },
  });
  assert.equal(response.status, 201);
  assert.equal(await response.text(), "300000");
  assert.equal(response.headers.get("x-seen"), "POST /up?name=x");
  assert.equal(response.headers.get("x-agent"), "test");
  assert.deepEqual(response.headers.getSetCookie(), ["a=1", "b=2"]);
});

Deno.test("a response streams as its body comes, and a reader that leaves cancels it", async () => {
  let cancelled: () => void;
  const gone = new Promise<void>((resolve) => cancelled = resolve);
  await using server = await serve(() =>
    new Response(
      new ReadableStream({
        start: (controller) => controller.enqueue(new TextEncoder().encode("first\n")),
        cancel: () => cancelled(),
      }),
    )
  );
  const abort = new AbortController();
  const response = await fetch(server.base, { signal: abort.signal });
  const reader = response.body!.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), "first\n");
  abort.abort();
  await reader.cancel().catch(() => {});
  await within(gone, "the body's cancel");
});

Deno.test("a body the handler did not read is dropped, and the connection takes the next request", async () => {
  let calls = 0;
  await using server = await serve(async (request) => {
    calls++;
    if (calls === 1) return new Response("refused", { status: 413 });
    if (calls === 2) {
      const reader = request.body!.getReader();
      await reader.read();
      reader.releaseLock();
      return new Response("read a little", { status: 413 });
    }
    return new Response("next");
  });
  const body = new Uint8Array(2 * 1024 * 1024);
  const first = await fetch(server.base, { method: "POST", body });
  assert.equal(await first.text(), "refused");
  const second = await within(fetch(server.base, { method: "POST", body }), "a second request");
  assert.equal(await second.text(), "read a little");
  const third = await within(fetch(server.base), "a third request");
  assert.equal(await third.text(), "next");
});

Deno.test("a handler that throws answers with onError", async () => {
  await using server = await serve(() => {
    throw new Error("broken");
  });
  const response = await fetch(server.base);
  assert.equal(response.status, 500);
  assert.equal(await response.text(), "failed: Error: broken");
});

Deno.test("a body of one piece goes with its length; one not ready yet sends its headers at once", async () => {
  let send: (() => void) | undefined;
  await using server = await serve((request) =>
    new URL(request.url).pathname === "/one" ? Response.json({ answer: 42 }) : new Response(
      new ReadableStream({
        start: (controller) => {
          send = () => {
            controller.enqueue(new TextEncoder().encode("late"));
            controller.close();
          };
        },
      }),
    )
  );
  const one = await fetch(`${server.base}/one`);
  assert.equal(one.headers.get("content-length"), String(JSON.stringify({ answer: 42 }).length));
  assert.deepEqual(await one.json(), { answer: 42 });
  const later = await within(fetch(`${server.base}/later`), "the headers of a body not ready");
  assert.equal(later.status, 200);
  send!();
  assert.equal(await later.text(), "late");
});
