import assert from "node:assert/strict";
import { ConnectionClosedError, RemoteError } from "./connection.ts";
import { connected } from "./test_pair.ts";

Deno.test("requests are matched to answers that arrive out of order; errors carry their code", async () => {
  const [peer, server] = await connected();
  const serving = server.run(async (message) => {
    const id = message.id as number;
    if (message.t === "slow") {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await server.reply(id, { value: "slow" });
    } else if (message.t === "fast") {
      await server.reply(id, { value: "fast" });
    } else {
      await server.replyError(id, { code: "not-found", message: "no such thing" });
    }
  });
  const running = peer.run(() => {});
  const slow = peer.request({ t: "slow" });
  const fast = peer.request({ t: "fast" });
  assert.equal((await fast).value, "fast");
  assert.equal((await slow).value, "slow");
  await assert.rejects(peer.request({ t: "other" }), (error: Error) => {
    assert.ok(error instanceof RemoteError);
    assert.equal(error.code, "not-found");
    assert.equal(error.message, "no such thing");
    return true;
  });
  peer.close();
  await running;
  await serving;
});

Deno.test("data answers land in the allocated buffer; cancel and close reject pending requests", async () => {
  const [peer, server] = await connected();
  const payload = new Uint8Array([1, 2, 3, 4, 5]);
  const serving = server.run(async (message) => {
    if (message.t !== "get") return;
    const frame = new Uint8Array(9 + payload.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, 1 + 4 + payload.length);
    view.setUint8(4, 2);
    view.setUint32(5, message.id as number);
    frame.set(payload, 9);
    await server.sendRaw(frame);
  });
  const running = peer.run(() => {});
  const target = new Uint8Array(5);
  const data = await peer.requestData({ t: "get" }, (length) => {
    assert.equal(length, 5);
    return target;
  });
  assert.equal(data, target);
  assert.deepEqual([...target], [1, 2, 3, 4, 5]);

  let id = -1;
  const cancelled = peer.requestData({ t: "never" }, () => new Uint8Array(5), {
    onId: (value) => id = value,
  });
  peer.cancel(id, "changed my mind");
  await assert.rejects(cancelled, /changed my mind/);

  const pending = peer.request({ t: "never" });
  server.close();
  await assert.rejects(pending, ConnectionClosedError);
  await running;
  await serving;
  assert.equal(peer.closed, true);
  await assert.rejects(peer.request({ t: "late" }), ConnectionClosedError);
});
