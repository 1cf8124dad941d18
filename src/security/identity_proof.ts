/**
 * How a dialer proves its identity inside a TLS session in which only the
 * listener presented a certificate: it sends its certificate and an Ed25519
 * signature over the listener's proven ID and both sides' fresh nonces. The
 * signature names the listener, so a listener cannot pass it on to a third
 * party, and the nonces make it good for this session only.
 *
 * @module
 */

import { createPrivateKey, sign, verify, X509Certificate } from "node:crypto";
import { type Identity, idOfCertificate } from "./identity.ts";
import { lengthPrefixed } from "./transcript.ts";

/** Fixed label, so that the signature cannot be taken for any other message. */
const LABEL = "p2pft v2 dialer identity";

/** What the dialer's signature covers. */
export interface IdentityContext {
  /** The listener's ID, as the dialer verified it through TLS. */
  listenerId: string;
  /** The dialer's nonce, from its hello. */
  dialerNonce: Uint8Array;
  /** The listener's nonce, from its hello. */
  listenerNonce: Uint8Array;
}

/** Signs `context` with `identity`'s private key. */
export function signIdentity(identity: Identity, context: IdentityContext): Uint8Array {
  return new Uint8Array(sign(null, signedBytes(context), createPrivateKey(identity.keyPem)));
}

/**
 * The ID of the dialer whose certificate `certificate` (DER) and signature
 * `signature` prove it for `context`; throws a clear error when they do not.
 */
export function verifyIdentity(
  certificate: Uint8Array,
  options: { context: IdentityContext; signature: Uint8Array },
): string {
  const id = idOfCertificate(certificate);
  const key = new X509Certificate(certificate).publicKey;
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error("the other side's identity is not an Ed25519 key");
  }
  if (!verify(null, signedBytes(options.context), key, options.signature)) {
    throw new Error("the other side's identity signature does not verify");
  }
  return id;
}

function signedBytes(context: IdentityContext): Uint8Array {
  const encoder = new TextEncoder();
  return lengthPrefixed([
    encoder.encode(LABEL),
    encoder.encode(context.listenerId),
    context.dialerNonce,
    context.listenerNonce,
  ]);
}
