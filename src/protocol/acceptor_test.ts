import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { Acceptor, listenTcp } from "./acceptor.ts";
import { handshake } from "./connection.ts";

Deno.test("an address in use is refused with advice", () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    assert.throws(
      () => listenTcp({ host: "127.0.0.1", port: taken.addr.port }, "--addr"),
      /127\.0\.0\.1:\d+ is already in use: .* --addr/,
    );
  } finally {
    taken.close();
  }
});

Deno.test("the acceptor serves handshaken connections and logs why others were closed", async () => {
  const lines: string[] = [];
  const log = createLogger("t", { sink: (line) => lines.push(line) });
  const served: string[] = [];
  const acceptor = new Acceptor(listenTcp({ host: "127.0.0.1", port: 0 }, "--addr"), {
    role: "server",
    accept: ["peer"],
    log,
    onConnection: (connection) => {
      served.push(connection.remoteHello.role);
      return Promise.reject(new Error("handler gave up"));
    },
  });
  const port = acceptor.addr.port;
  const good = await Deno.connect({ hostname: "127.0.0.1", port });
  await handshake(good, { role: "peer", accept: ["server"] });
  const bad = await Deno.connect({ hostname: "127.0.0.1", port });
  await bad.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
  const deadline = Date.now() + 5_000;
  while (lines.length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(served, ["peer"]);
  assert.ok(
    lines.some((line) => /closed connection from .*handler gave up/.test(line)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((line) => /closed connection from .*plain HTTP request/.test(line)),
    lines.join("\n"),
  );
  good.close();
  bad.close();
  await acceptor.close("done");
});
