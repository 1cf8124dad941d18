import assert from "node:assert/strict";
import { BYTES_PER_MIB, MAX_RELAY_LINKS_PER_PEER } from "../constants.ts";
import { peerCommand } from "./peer_command.ts";
import { relaySettings } from "./relay_options.ts";
import { serverCommand } from "./server_command.ts";

Deno.test("a peer offers a relay with --relay, refuses relays with --no-relay, and uses them by default", () => {
  const relay = (args: string[]) =>
    peerCommand().exitOverride().action(() => {}).parse(args, { from: "user" }).opts().relay;
  assert.equal(relay(["--relay"]), true);
  assert.equal(relay(["--no-relay"]), false);
  assert.equal(relay([]), undefined);
});

Deno.test("the relay flags mean the same on server and peer, in MiB a second", () => {
  for (const command of [serverCommand(), peerCommand()]) {
    const options = command.exitOverride().action(() => {}).parse(
      [
        "--relay-port",
        "8002",
        "--relay-rate",
        "2",
        "--relay-total-rate",
        "8",
        "--relay-links",
        "5",
      ],
      { from: "user" },
    ).opts();
    assert.deepEqual(relaySettings(options), {
      port: 8002,
      limits: {
        peerBytesPerSecond: 2 * BYTES_PER_MIB,
        totalBytesPerSecond: 8 * BYTES_PER_MIB,
        links: 5,
        linksPerPeer: MAX_RELAY_LINKS_PER_PEER,
      },
    });
  }
});
