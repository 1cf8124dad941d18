/**
 * A server at its `--max-connections` limit: a newcomer is told why it is
 * turned away (a one-shot CLI download says so and exits), the server logs
 * the refusals once, and keeps serving the peers it holds and newcomers once
 * a slot frees.
 */

import assert from "node:assert/strict";
import type { Connection } from "../../src/protocol/connection.ts";
import { dial } from "../../src/protocol/dial.ts";
import { RefusedError } from "../../src/protocol/secure_channel.ts";
import { testCredentials } from "../../src/test_credentials.ts";
import { runPeer, startServer } from "../../scripts/process_harness.ts";

const LIMIT = 3;
const REFUSED =
  /refused the connection: the server holds its limit of 3 connections: .*--max-connections/;

async function register(port: number): Promise<Connection> {
  const connection = await dial({ host: "127.0.0.1", port }, {
    role: "peer",
    accept: ["server"],
    credentials: await testCredentials(),
  });
  connection.run(() => {}).catch(() => {});
  await connection.request({ t: "register", listenPort: 1 });
  return connection;
}

Deno.test("past --max-connections newcomers are refused with the reason, and the server keeps serving", async () => {
  await using server = await startServer({ args: ["--max-connections", String(LIMIT)] });
  const held: Connection[] = [];
  try {
    for (let i = 0; i < LIMIT; i++) held.push(await register(server.port));
    await assert.rejects(register(server.port), (error: Error) => {
      assert.ok(error instanceof RefusedError, String(error));
      assert.match(error.message, REFUSED);
      return true;
    });
    const result = await runPeer(server.address, { args: ["-d", "abcd1234"] });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, REFUSED);
    for (let i = 0; i < 5; i++) await register(server.port).catch(() => {});

    const listed = await held[0].request({ t: "peers" }) as { total: number };
    assert.equal(listed.total, LIMIT, "the peers held are still served");
    held.shift()!.close();
    let joined: Connection | undefined;
    const deadline = Date.now() + 5_000;
    while (!joined && Date.now() < deadline) {
      joined = await register(server.port).catch(() => undefined);
      if (!joined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(joined, "a newcomer gets the slot that freed");
    held.push(joined);
    const refusals = server.stderr.lines.filter((line) => /refused connection from/.test(line));
    assert.equal(refusals.length, 1, server.stderr.text);
  } finally {
    for (const connection of held) connection.close();
  }
});
