/**
 * A peer's offer to relay for others (`p2pft peer --relay`): a
 * {@linkcode Relay} on the peer's host, whose port the peer gives the
 * server when it registers. The server, when its own relay is off or full,
 * asks the peer to expect a token for a link between two of its members
 * (`relay-link`); the peer never learns a token any other way, so it joins
 * only the peers its server names, under its own limits.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import { RemoteError } from "../protocol/connection.ts";
import { Relay } from "../protocol/relay.ts";
import type { RelayLimits } from "../protocol/relay_limits.ts";
import type { ServerRequest } from "./server_link_options.ts";

/** How a peer relays for others. */
export interface RelayOfferOptions {
  /** Port to relay on (`--relay-port`); default any free one. */
  port?: number;
  /** Its limits; default those of the server's relay. */
  limits?: RelayLimits;
}

/** Opens the relay a peer offers, on `host`. */
export function openRelayOffer(
  host: string,
  options: RelayOfferOptions & { log: Logger },
): Promise<Relay> {
  return Relay.open({ host, port: options.port ?? 0 }, options);
}

/**
 * Answers the server's `request` to `relay`: an empty reply once the relay
 * expects the token; a `busy` refusal when it holds all the links it may.
 */
export function answerRelayLink(relay: Relay, request: ServerRequest): Record<string, unknown> {
  if (!relay.expect(request.token, request.peers)) {
    throw new RemoteError({
      t: "error",
      code: "busy",
      message: "this peer's relay holds all the links it may",
    });
  }
  return {};
}

/** What registering said of this peer's offer to relay on `port`, for the log. */
export function relayOfferNote(relaying: boolean | undefined, port: number | undefined): string {
  if (port === undefined) return "";
  if (relaying === true) return `; relaying for others on port ${port}`;
  if (relaying === false) {
    return `; the server cannot reach this peer's relay on port ${port}, so hands it to nobody`;
  }
  return "; the server does not hand out peers' relays";
}
