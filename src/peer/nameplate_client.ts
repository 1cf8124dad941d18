/**
 * Nameplates on the central server, from both ends of a transfer: the sender
 * (a member of the network) claims one for its port and holds it while its
 * connection stays open; the receiver (with only a code) dials in as a
 * guest and resolves it to the sender's address and ID.
 *
 * @module
 */

import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { formatHostPort, type HostPort, parseHostPort } from "../protocol/channel.ts";
import { type Connection, RemoteError } from "../protocol/connection.ts";
import { type Credentials, dial } from "../protocol/dial.ts";
import { parseMessage } from "../protocol/messages.ts";
import { UnreachableError } from "../protocol/secure_channel.ts";
import { claimReplySchema, resolveReplySchema } from "../protocol/transfer_messages.ts";
import { createIdentity } from "../security/identity.ts";
import type { SenderLocation } from "./transfer_receiver.ts";

/** A nameplate held on the server. */
export interface HeldNameplate {
  /** Its number: the start of the code. */
  nameplate: number;
  /** Resolves when the connection to the server ends (the nameplate is then gone). */
  closed: Promise<void>;
  /** Releases the nameplate and closes the connection. */
  release(): Promise<void>;
}

/**
 * Claims a nameplate on `server` for the sender listening on `port` (at the
 * IP address the server sees it come from), as `credentials`: the sender's
 * own identity, which the nameplate's receivers will expect, and the
 * network's key.
 */
export async function claimNameplate(
  server: HostPort,
  options: { credentials: Credentials; port: number; log?: Logger },
): Promise<HeldNameplate> {
  const log = options.log ?? silentLogger();
  const connection = await dialServer(server, { credentials: options.credentials });
  const closed = connection.run(() => {}).catch((error) => {
    log.debug(`link to the server: ${errorMessage(error)}`);
  });
  try {
    const reply = parseMessage(
      claimReplySchema,
      await connection.request({ t: "claim", port: options.port }),
    );
    return {
      nameplate: reply.nameplate,
      closed,
      async release() {
        await connection.send({ t: "release", nameplate: reply.nameplate }).catch(() => {});
        connection.close("sender done");
        await closed;
      },
    };
  } catch (error) {
    connection.close();
    throw error;
  }
}

/**
 * Where the sender of `nameplate` listens, asked of `server` as a guest (a
 * fresh identity, no network key). Throws the server's own message when the
 * nameplate is unknown or this address tried too many.
 */
export async function resolveNameplate(
  server: HostPort,
  nameplate: number,
): Promise<SenderLocation> {
  const connection = await dialServer(server, {
    credentials: { identity: await createIdentity(), networkKey: undefined },
    code: true,
  });
  const running = connection.run(() => {}).catch(() => {});
  try {
    const reply = parseMessage(
      resolveReplySchema,
      await connection.request({ t: "resolve", nameplate }),
    );
    return { ...parseHostPort(reply.address), peerId: reply.peerId };
  } catch (error) {
    if (error instanceof RemoteError) throw new Error(error.message);
    throw error;
  } finally {
    connection.close();
    await running;
  }
}

async function dialServer(
  server: HostPort,
  options: { credentials: Credentials; code?: boolean },
): Promise<Connection> {
  try {
    return await dial(server, {
      role: "peer",
      accept: ["server"],
      credentials: options.credentials,
      code: options.code,
    });
  } catch (error) {
    if (error instanceof UnreachableError) {
      throw new Error(
        `${error.message}; is the server running at ${formatHostPort(server.host, server.port)}? ` +
          `Give its address with --server HOST:PORT`,
      );
    }
    throw error;
  }
}
