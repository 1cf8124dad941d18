import assert from "node:assert/strict";
import { formatAddr, formatHostPort, parseHostPort, writeAll } from "./channel.ts";
import { memoryChannel } from "../../tests/helpers/bytes.ts";

Deno.test("parseHostPort reads host:port, [v6]:port and :port", () => {
  assert.deepEqual(parseHostPort("127.0.0.1:8000"), { host: "127.0.0.1", port: 8000 });
  assert.deepEqual(parseHostPort("example.org:0"), { host: "example.org", port: 0 });
  assert.deepEqual(parseHostPort("[::1]:80"), { host: "::1", port: 80 });
  assert.deepEqual(parseHostPort(":8000"), { host: "0.0.0.0", port: 8000 });
  assert.deepEqual(parseHostPort(":8000", { defaultHost: "127.0.0.1" }), {
    host: "127.0.0.1",
    port: 8000,
  });
});

Deno.test("parseHostPort says what is wrong with a bad address", () => {
  assert.throws(() => parseHostPort("8000"), /expected HOST:PORT/);
  assert.throws(() => parseHostPort("host:"), /expected HOST:PORT/);
  assert.throws(() => parseHostPort("host:port"), /expected HOST:PORT/);
  assert.throws(() => parseHostPort("::1:80"), /expected HOST:PORT/);
  assert.throws(() => parseHostPort("host:70000"), /port 70000 .* out of range/);
});

Deno.test("addresses format with brackets for IPv6", () => {
  assert.equal(formatHostPort("10.0.0.1", 5), "10.0.0.1:5");
  assert.equal(formatHostPort("::1", 5), "[::1]:5");
  assert.equal(formatAddr({ transport: "tcp", hostname: "::1", port: 9 }), "[::1]:9");
});

Deno.test("a TLS connection's address, which has no transport, still formats as host:port", () => {
  // What `Deno.startTls` gives: hostname and port, no `transport`.
  const addr = { hostname: "10.0.0.1", port: 7 } as unknown as Deno.Addr;
  assert.equal(formatAddr(addr), "10.0.0.1:7");
  assert.equal(formatAddr({ transport: "unix", path: "/tmp/s" }), "unix");
});

Deno.test("writeAll loops over short writes", async () => {
  const channel = memoryChannel(new Uint8Array());
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  await writeAll(channel, bytes);
  const joined = channel.written.flatMap((part) => [...part]);
  assert.deepEqual(joined, [...bytes]);
  assert.ok(channel.written.length > 1);
});
