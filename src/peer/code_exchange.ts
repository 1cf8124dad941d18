/**
 * The code exchange on a connection from a code holder to a sender: CPace
 * (pake.ts) with the code's words as the password, bound to this very
 * connection, then key confirmation, then the grant. The channel identifier
 * names both IDs the TLS handshake proved (the dialer's and the
 * listener's), the session ID both hellos' fresh nonces; so a relay or a
 * server that points the receiver at another listener ends with keys that
 * differ, and every exchange is fresh.
 *
 * @module
 */

import { errorMessage } from "../log.ts";
import type { Connection } from "../protocol/connection.ts";
import { RemoteError } from "../protocol/connection.ts";
import { parseMessage } from "../protocol/messages.ts";
import { type Grant, grantSchema, pakeReplySchema } from "../protocol/transfer_messages.ts";
import {
  checkConfirmation,
  confirmationTag,
  type CpaceContext,
  cpaceKey,
  cpaceShare,
  prefixFreeCat,
} from "../security/pake.ts";
import { decodeBase64, encodeBase64 } from "../storage/base64.ts";
import { computeFileId } from "../storage/manifest.ts";
import { CodedError } from "../coded_error.ts";

/** Label in the channel identifier: this protocol's use of CPace, and no other. */
const LABEL = "p2pft v3 transfer code";

/**
 * The code was wrong, or the code no longer lets anyone in: `code` is
 * `wrong-code`, or why the sender lets no one in (`expired`, `burned`,
 * `full`, `busy`, ...).
 */
export class CodeRefusedError extends CodedError {}

/** The CPace context of a code exchange between the proven `dialerId` and `listenerId`. */
export function codeContext(
  ids: { dialerId: string; listenerId: string },
  nonces: { dialer: string; listener: string },
): CpaceContext {
  const encoder = new TextEncoder();
  const dialer = decodeBase64(nonces.dialer);
  const listener = decodeBase64(nonces.listener);
  const session = new Uint8Array(dialer.length + listener.length);
  session.set(dialer);
  session.set(listener, dialer.length);
  return {
    channel: prefixFreeCat(
      encoder.encode(LABEL),
      encoder.encode(ids.dialerId),
      encoder.encode(ids.listenerId),
    ),
    session,
  };
}

/** The context of a code exchange on `connection`, seen from the side whose `selfId` is given. */
export function connectionContext(
  connection: Connection,
  options: { selfId: string; dialer: boolean },
): CpaceContext {
  const own = connection.localHello?.nonce ?? "";
  const theirs = connection.remoteHello.nonce;
  return options.dialer
    ? codeContext({ dialerId: options.selfId, listenerId: connection.remoteId }, {
      dialer: own,
      listener: theirs,
    })
    : codeContext({ dialerId: connection.remoteId, listenerId: options.selfId }, {
      dialer: theirs,
      listener: own,
    });
}

/**
 * Proves `password` to the sender at the other end of `connection` (dialed
 * with the code) and resolves to what it grants. The sender's tag is checked
 * first: a wrong code fails here, before anything is sent that would confirm
 * a guess. Throws {@linkcode CodeRefusedError} when the code is wrong or no
 * longer works; every item granted must hash to its ID.
 */
export async function proveCode(
  connection: Connection,
  options: { selfId: string; password: Uint8Array },
): Promise<Grant> {
  const context = connectionContext(connection, { selfId: options.selfId, dialer: true });
  const share = cpaceShare(options.password, context);
  const reply = parseMessage(
    pakeReplySchema,
    await refusals(connection.request({ t: "pake", message: encodeBase64(share.message) })),
  );
  const theirs = decodeBase64(reply.message);
  let key: Uint8Array;
  try {
    key = cpaceKey(share, theirs, { context, initiator: true });
  } catch (error) {
    throw new CodeRefusedError(
      "wrong-code",
      `the sender's answer is malformed: ${errorMessage(error)}`,
    );
  }
  if (!checkConfirmation(key, { message: theirs, tag: decodeBase64(reply.tag) })) {
    connection.close("wrong code");
    throw wrongCode();
  }
  const grant = parseMessage(
    grantSchema,
    await refusals(
      connection.request({ t: "confirm", tag: encodeBase64(confirmationTag(key, share.message)) }),
    ),
  );
  for (const item of grant.items) {
    if (await computeFileId(item.manifest) !== item.fileId) {
      throw new Error(`the sender granted ${item.fileId} with a manifest of another file`);
    }
  }
  return grant;
}

/** The error of a wrong code: what to check. */
export function wrongCode(): CodeRefusedError {
  return new CodeRefusedError(
    "wrong-code",
    "wrong code: check every word with the sender (after a few wrong tries the code stops " +
      "working and the sender must run send again)",
  );
}

/** `request`, with the sender's refusal turned into a {@linkcode CodeRefusedError}. */
async function refusals(
  request: Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof RemoteError) {
      if (error.code === "wrong-code") throw wrongCode();
      throw new CodeRefusedError(error.code, error.message);
    }
    throw error;
  }
}
