import assert from "node:assert/strict";
import { silentLogger } from "../log.ts";
import { RemoteError } from "../protocol/connection.ts";
import { relayToken } from "../protocol/relay.ts";
import { answerRelayLink, openRelayOffer, relayOfferNote } from "./relay_offer.ts";

const limits = {
  peerBytesPerSecond: 1 << 20,
  totalBytesPerSecond: 1 << 20,
  links: 1,
  linksPerPeer: 1,
};

Deno.test("a peer's relay expects the tokens its server names, up to its own link cap", async () => {
  const relay = await openRelayOffer("127.0.0.1", { limits, log: silentLogger() });
  try {
    const ask = (token: string) =>
      answerRelayLink(relay, { t: "relay-link", id: 1, token, peers: ["a", "b"] });
    assert.deepEqual(ask(relayToken()), {});
    assert.equal(relay.links, 1);
    assert.throws(
      () => ask(relayToken()),
      (error) => error instanceof RemoteError && error.code === "busy",
    );
  } finally {
    await relay.close();
  }
});

Deno.test("the log says whether the server took the peer's relay", () => {
  assert.equal(relayOfferNote(undefined, undefined), "");
  assert.equal(relayOfferNote(true, 8002), "; relaying for others on port 8002");
  assert.match(relayOfferNote(false, 8002), /cannot reach this peer's relay on port 8002/);
  assert.match(relayOfferNote(undefined, 8002), /does not hand out peers' relays/);
});
