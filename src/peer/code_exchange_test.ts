import assert from "node:assert/strict";
import { silentLogger } from "../log.ts";
import { Acceptor } from "../protocol/acceptor.ts";
import type { Connection } from "../protocol/connection.ts";
import { dial } from "../protocol/dial.ts";
import { createIdentity } from "../security/identity.ts";
import { codePassword, parseCode } from "../security/transfer_code.ts";
import { codeContext, CodeRefusedError, proveCode } from "./code_exchange.ts";
import { type HostEvent, TransferHost } from "./transfer_host.ts";

const CODE = parseCode("9-copper-violin-river");

/** A guest connection to the listener at `port` that must prove `peerId`. */
async function guestTo(port: number, peerId: string) {
  const identity = await createIdentity();
  const connection = await dial({ host: "127.0.0.1", port }, {
    role: "peer",
    accept: ["peer"],
    credentials: { identity, networkKey: undefined },
    code: true,
    expectId: peerId,
  });
  const running = connection.run(() => {}).catch(() => {});
  return { identity, connection, running };
}

Deno.test("the exchange's context binds both IDs and both nonces", () => {
  const base = codeContext({ dialerId: "a", listenerId: "b" }, {
    dialer: "AAAA",
    listener: "BBBB",
  });
  const relayed = codeContext({ dialerId: "a", listenerId: "m" }, {
    dialer: "AAAA",
    listener: "BBBB",
  });
  const replayed = codeContext({ dialerId: "a", listenerId: "b" }, {
    dialer: "AAAA",
    listener: "CCCC",
  });
  assert.notDeepEqual(base.channel, relayed.channel);
  assert.notDeepEqual(base.session, replayed.session);
});

Deno.test("a relay in the middle (a server pointing at another listener) gets a wrong code, never the grant", async () => {
  const events: HostEvent[] = [];
  const sender = await TransferHost.start({
    hostname: "127.0.0.1",
    port: 0,
    password: codePassword(CODE),
    limits: { maxFailures: 3, maxReceivers: 0 },
    onEvent: (event) => events.push(event),
  });
  const granted: unknown[] = [];
  // Mallory: takes the receiver's code exchange as itself and passes every
  // message on to the real sender, on a connection of its own.
  const mallory = await createIdentity();
  const relay = await Acceptor.open({ host: "127.0.0.1", port: 0 }, {
    role: "peer",
    accept: ["peer"],
    guests: true,
    credentials: { identity: mallory, networkKey: undefined },
    log: silentLogger(),
    onConnection: async (victim: Connection) => {
      const upstream = await guestTo(sender.port, sender.peerId);
      await victim.run(async (raw) => {
        const { id, ...message } = raw;
        try {
          const answer = await upstream.connection.request(message);
          if (message.t === "confirm") granted.push(answer);
          await victim.reply(id as number, answer);
        } catch (error) {
          await victim.replyError(id as number, { code: "relay", message: String(error) });
        }
      }).catch(() => {});
      upstream.connection.close();
      await upstream.running;
    },
  });
  try {
    const receiver = await guestTo(relay.addr.port, mallory.id);
    await assert.rejects(
      proveCode(receiver.connection, {
        selfId: receiver.identity.id,
        password: codePassword(CODE),
      }),
      (error) => error instanceof CodeRefusedError && error.code === "wrong-code",
    );
    await receiver.running;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(granted, [], "the relay never got the grant");
    assert.deepEqual(
      events.map((event) => event.kind),
      ["refused"],
      "the sender counted a failure",
    );
  } finally {
    await relay.close("done");
    await sender.close();
  }
});
