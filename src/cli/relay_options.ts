/**
 * The relay's flags, shared by `p2pft server` (its own relay) and
 * `p2pft peer --relay` (a relay a peer offers): its port and limits.
 *
 * @module
 */

import type { Command, OptionValues } from "@commander-js/extra-typings";
import {
  BYTES_PER_MIB as MIB,
  MAX_RELAY_LINKS,
  MAX_RELAY_LINKS_PER_PEER,
  RELAY_PEER_BYTES_PER_SECOND,
  RELAY_TOTAL_BYTES_PER_SECOND,
} from "../constants.ts";
import type { RelayLimits } from "../protocol/relay_limits.ts";
import { hostPortOption, positiveOption } from "./options.ts";

/** `command` with `--relay-port`, `--relay-rate`, `--relay-total-rate` and `--relay-links`. */
export function withRelayOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  GlobalOpts extends OptionValues,
>(command: Command<Args, Opts, GlobalOpts>) {
  return command
    .option(
      "--relay-port <port>",
      "port of the relay on the listen host (default: any free one; peers learn it)",
      (value) => hostPortOption(`0.0.0.0:${value}`).port,
    )
    .option(
      "--relay-rate <MiB/s>",
      `relayed bytes a second per peer (default ${RELAY_PEER_BYTES_PER_SECOND / MIB})`,
      positiveOption,
    )
    .option(
      "--relay-total-rate <MiB/s>",
      `relayed bytes a second in all (default ${RELAY_TOTAL_BYTES_PER_SECOND / MIB})`,
      positiveOption,
    )
    .option(
      "--relay-links <n>",
      `relayed links at once (default ${MAX_RELAY_LINKS})`,
      positiveOption,
    );
}

/** The relay's port and limits as the flags of {@linkcode withRelayOptions} give them. */
export function relaySettings(
  options: { relayPort?: number; relayRate?: number; relayTotalRate?: number; relayLinks?: number },
): { port?: number; limits: RelayLimits } {
  return {
    port: options.relayPort,
    limits: {
      peerBytesPerSecond: (options.relayRate ?? RELAY_PEER_BYTES_PER_SECOND / MIB) * MIB,
      totalBytesPerSecond: (options.relayTotalRate ?? RELAY_TOTAL_BYTES_PER_SECOND / MIB) * MIB,
      links: Math.floor(options.relayLinks ?? MAX_RELAY_LINKS),
      linksPerPeer: MAX_RELAY_LINKS_PER_PEER,
    },
  };
}
