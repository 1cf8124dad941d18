import assert from "node:assert/strict";
import { join } from "node:path";
import { dial } from "../protocol/dial.ts";
import { createIdentity } from "../security/identity.ts";
import { codePassword, parseCode } from "../security/transfer_code.ts";
import { tempDir } from "../test_dir.ts";
import { RemoteError } from "../protocol/connection.ts";
import { confirmationTag, cpaceKey, cpaceShare } from "../security/pake.ts";
import { decodeBase64, encodeBase64 } from "../storage/base64.ts";
import { CodeRefusedError, connectionContext, proveCode } from "./code_exchange.ts";
import { type HostEvent, TransferHost } from "./transfer_host.ts";
import { TransferReceiver } from "./transfer_receiver.ts";

const CODE = parseCode("7-copper-violin-river");
const WRONG = parseCode("7-copper-violin-rival");

async function startHost(limits = { maxFailures: 3, maxReceivers: 0 }) {
  const events: HostEvent[] = [];
  const host = await TransferHost.start({
    hostname: "127.0.0.1",
    port: 0,
    password: codePassword(CODE),
    limits,
    onEvent: (event) => events.push(event),
  });
  return { host, events, location: { host: "127.0.0.1", port: host.port, peerId: host.peerId } };
}

/** A host letting one receiver in, sending a random 50 kB `a.bin` written into `dir`. */
async function sendingOne(dir: string) {
  const path = join(dir, "a.bin");
  await Deno.writeFile(path, crypto.getRandomValues(new Uint8Array(50_000)));
  const started = await startHost({ maxFailures: 3, maxReceivers: 1 });
  await started.host.add(path);
  return { ...started, path };
}

/** A connection to the sender at `location` that came with a code and proved nothing yet. */
async function guest(location: { host: string; port: number; peerId: string }) {
  const identity = await createIdentity();
  const connection = await dial(location, {
    role: "peer",
    accept: ["peer"],
    credentials: { identity, networkKey: undefined },
    code: true,
    expectId: location.peerId,
  });
  return { identity, connection, running: connection.run(() => {}) };
}

Deno.test("a receiver with the right code gets the item, verified, and the sender counts it", async () => {
  await using dir = await tempDir();
  const { host, events, location, path } = await sendingOne(dir.path);
  try {
    const receiver = await TransferReceiver.connect(location, CODE, {
      hostname: "127.0.0.1",
      port: 0,
    });
    try {
      assert.equal(receiver.items.length, 1);
      const [download] = await receiver.start(join(dir.path, "out"));
      const result = await download.done;
      assert.deepEqual(await Deno.readFile(result.path), await Deno.readFile(path));
      await receiver.finished();
    } finally {
      await receiver.close();
    }
    await host.settled;
    assert.deepEqual(events.map((event) => event.kind), ["joined", "finished", "shut"]);
    assert.equal(host.counts.finished, 1);
  } finally {
    await host.close();
  }
});

Deno.test("a receiver that leaves before the end frees its place: the code stays, another gets in", async () => {
  await using dir = await tempDir();
  const { host, events, location } = await sendingOne(dir.path);
  try {
    const options = { hostname: "127.0.0.1", port: 0 };
    const quitter = await TransferReceiver.connect(location, CODE, options);
    await quitter.close();
    while (events.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(events.map((event) => event.kind), ["joined", "left"], "the code is not shut");
    const receiver = await TransferReceiver.connect(location, CODE, options);
    try {
      const [download] = await receiver.start(join(dir.path, "out"));
      await download.done;
      await receiver.finished();
    } finally {
      await receiver.close();
    }
    await host.settled;
    assert.deepEqual(events.map((event) => event.kind).slice(2), ["joined", "finished", "shut"]);
  } finally {
    await host.close();
  }
});

Deno.test("a wrong code is refused, counted, and after three the code stops working", async () => {
  const { host, events, location } = await startHost();
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      await assert.rejects(
        TransferReceiver.connect(location, WRONG, { hostname: "127.0.0.1", port: 0 }),
        (error) =>
          error instanceof CodeRefusedError && /wrong code: check every word/.test(error.message),
      );
    }
    await host.settled;
    assert.ok(events.some((event) => event.kind === "shut" && event.state === "burned"));
    await assert.rejects(
      TransferReceiver.connect(location, CODE, { hostname: "127.0.0.1", port: 0 }),
      (error) => error instanceof CodeRefusedError && error.code === "burned",
    );
  } finally {
    await host.close();
  }
});

Deno.test("a code holder that asks for chunks before proving its code is cut off", async () => {
  const { host, location } = await startHost();
  try {
    const { connection, running } = await guest(location);
    await assert.rejects(
      connection.request({ t: "get", fileId: "0".repeat(64), index: 0 }),
      /closed/,
    );
    await running.catch(() => {});
  } finally {
    await host.close();
  }
});

Deno.test("an exchange abandoned after the sender's share counts as a wrong code", async () => {
  const { host, events, location } = await startHost({ maxFailures: 1, maxReceivers: 0 });
  try {
    const { identity, connection, running } = await guest(location);
    // A guesser who stops as soon as it has the sender's tag (one offline check of one guess).
    await assert.rejects(
      proveCode(connection, { selfId: identity.id, password: codePassword(WRONG) }),
    );
    await running.catch(() => {});
    await host.settled;
    assert.deepEqual(events.map((event) => event.kind), ["refused", "shut"]);
  } finally {
    await host.close();
  }
});

Deno.test("a guesser that sends its confirmation anyway is refused and gets no grant", async () => {
  const { host, events, location } = await startHost();
  try {
    const { identity, connection, running } = await guest(location);
    const context = connectionContext(connection, { selfId: identity.id, dialer: true });
    const share = cpaceShare(codePassword(WRONG), context);
    const reply = await connection.request({ t: "pake", message: encodeBase64(share.message) });
    const key = cpaceKey(share, decodeBase64(String(reply.message)), { context, initiator: true });
    const tag = encodeBase64(confirmationTag(key, share.message));
    await assert.rejects(
      connection.request({ t: "confirm", tag }),
      (error) => error instanceof RemoteError && error.code === "wrong-code",
    );
    await running.catch(() => {});
    assert.deepEqual(events.map((event) => event.kind), ["refused"]);
  } finally {
    await host.close();
  }
});
