/**
 * The handshake that opens every connection, inside the secure channel:
 * hellos (protocol, version, role, nonce, network), the dialer's proof of
 * identity, and on a members-only network both sides' proofs that they know
 * the network key. See "Connection set-up" in docs/protocol.md.
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import {
  HANDSHAKE_TIMEOUT_MS,
  MAX_CONTROL_FRAME_BYTES,
  PROGRAM_VERSION,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
} from "../constants.ts";
import { MAX_HANDSHAKE_FRAME_BYTES } from "./constants.ts";
import { errorMessage } from "../log.ts";
import type { Identity } from "../security/identity.ts";
import { signIdentity, verifyIdentity } from "../security/identity_proof.ts";
import {
  keyFingerprint,
  memberProof,
  type ProofRole,
  verifyMemberProof,
} from "../security/network_key.ts";
import { decodeBase64, encodeBase64 } from "../storage/base64.ts";
import { formatAddr } from "./channel.ts";
import { Connection, ConnectionClosedError } from "./connection.ts";
import { FrameReader, FrameWriter, ProtocolError } from "./frame.ts";
import { authSchema, type Hello, helloSchema, parseMessage } from "./messages.ts";
import type { SecureLink } from "./secure_channel.ts";

/** Random bytes each side puts in its hello, so that proofs differ on every connection. */
const NONCE_BYTES = 16;

/** Options of {@linkcode handshake}. */
export interface HandshakeOptions {
  /** Our role. */
  role: Hello["role"];
  /** Roles we accept on the other side. */
  accept: Hello["role"][];
  /** Whether we dialed (the dialer proves its identity here; the listener did in TLS). */
  dialer: boolean;
  /** Our identity. */
  identity: Identity;
  /** The network key; `undefined` runs an open network. */
  networkKey: Uint8Array | undefined;
  /** Time allowed for the other side's hello and proof. */
  timeoutMs?: number;
  /**
   * Listener: also accept dialers that come with a transfer code instead of
   * the network key (hello `network: "code"`). Such a connection is handed
   * on with its identity proven but nothing else, its control frames still
   * limited to `MAX_HANDSHAKE_FRAME_BYTES`, for the code to be proven on it
   * (see src/peer/transfer_host.ts).
   */
  guests?: boolean;
  /** Dialer: come with a transfer code instead of the network key (no member proof either way). */
  code?: boolean;
}

/** The other side is not a member of our network, or its network setting differs. */
export class MembershipError extends ProtocolError {
  /** Creates the error with a message that says what to do. */
  constructor(message: string) {
    super(message);
    this.name = "MembershipError";
  }
}

/**
 * Exchanges hellos over a secure link and checks the other side speaks our
 * protocol version; then the dialer proves its identity (its certificate and
 * a signature over the listener's ID and both nonces) and, on a members-only
 * network, each side proves it knows the network key (bound to both IDs and
 * both nonces, so a proof can be neither learnt from nor replayed to anyone
 * else). On any problem it tells the other side why, closes the channel and
 * throws.
 */
export async function handshake(link: SecureLink, options: HandshakeOptions): Promise<Connection> {
  const { channel } = link;
  const reader = new FrameReader(channel, { maxControlBytes: MAX_HANDSHAKE_FRAME_BYTES });
  const writer = new FrameWriter(channel);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const hello: Hello = {
    t: "hello",
    protocol: PROTOCOL_NAME,
    version: PROTOCOL_VERSION,
    role: options.role,
    program: `p2pft ${PROGRAM_VERSION}`,
    nonce: encodeBase64(nonce),
    network: options.code ? "code" : options.networkKey ? "members" : "open",
  };
  const remote = formatAddr(channel.remoteAddr);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProtocolError("no handshake within the time allowed")),
      options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    );
  });
  const refuse = async (error: ProtocolError): Promise<never> => {
    const code = error instanceof MembershipError ? "membership" : "handshake";
    await writer.sendControl({ t: "error", code, message: error.message })
      .catch(() => {});
    throw error;
  };
  const next = () => nextControl(reader, { timeout, remote });
  try {
    const sent = writer.sendControl(hello);
    const first = await next();
    // The name and version first: another version's hello may not fit ours.
    const spoken = versionProblem(first);
    if (spoken) await refuse(new ProtocolError(spoken));
    const remoteHello = parseMessage(helloSchema, first);
    await sent;
    const problem = helloProblem(remoteHello, options.accept);
    if (problem) await refuse(new ProtocolError(problem));
    const guest = remoteHello.network === "code";
    const mismatch = guest
      ? guestProblem({ dialer: options.dialer, guests: options.guests ?? false })
      : options.code
      ? undefined
      : networkProblem(options.networkKey !== undefined, { theirs: remoteHello.network, remote });
    if (mismatch) await refuse(new MembershipError(mismatch));
    const theirNonce = decodeBase64(remoteHello.nonce);
    // A code holder proves the code later, on the connection; nobody proves a key to it.
    const key = guest || options.code ? undefined : options.networkKey;
    const proofOf = (role: ProofRole, ids: { dialerId: string; listenerId: string }) =>
      memberProof(key!, {
        role,
        ...ids,
        dialerNonce: options.dialer ? nonce : theirNonce,
        listenerNonce: options.dialer ? theirNonce : nonce,
      });
    const checkProof = async (
      proof: string | undefined,
      ids: { dialerId: string; listenerId: string },
    ) => {
      const context = {
        role: options.dialer ? "listener" as const : "dialer" as const,
        ...ids,
        dialerNonce: options.dialer ? nonce : theirNonce,
        listenerNonce: options.dialer ? theirNonce : nonce,
      };
      if (proof === undefined || !await verifyMemberProof(key!, context, decodeBase64(proof))) {
        await refuse(
          new MembershipError(
            `${remote} does not hold this network's key: check the key on both sides ` +
              `(this side's key fingerprint is ${keyFingerprint(key!)})`,
          ),
        );
      }
    };
    let remoteId: string;
    if (options.dialer) {
      remoteId = link.remoteId!;
      const ids = { dialerId: options.identity.id, listenerId: remoteId };
      const signature = signIdentity(options.identity, {
        listenerId: remoteId,
        dialerNonce: nonce,
        listenerNonce: theirNonce,
      });
      await writer.sendControl({
        t: "auth",
        certificate: encodeBase64(certificateDer(options.identity)),
        signature: encodeBase64(signature),
        ...(key ? { proof: encodeBase64(await proofOf("dialer", ids)) } : {}),
      });
      const answer = parseMessage(authSchema, await next());
      if (key) await checkProof(answer.proof, ids);
    } else {
      const auth = parseMessage(authSchema, await next());
      if (auth.certificate === undefined || auth.signature === undefined) {
        await refuse(new ProtocolError("the dialer did not prove its identity"));
      }
      try {
        remoteId = verifyIdentity(decodeBase64(auth.certificate!), {
          context: {
            listenerId: options.identity.id,
            dialerNonce: theirNonce,
            listenerNonce: nonce,
          },
          signature: decodeBase64(auth.signature!),
        });
      } catch (error) {
        return await refuse(new ProtocolError(errorMessage(error)));
      }
      const ids = { dialerId: remoteId, listenerId: options.identity.id };
      if (key) await checkProof(auth.proof, ids);
      await writer.sendControl({
        t: "auth",
        ...(key ? { proof: encodeBase64(await proofOf("listener", ids)) } : {}),
      });
    }
    if (!guest) reader.limitControl(MAX_CONTROL_FRAME_BYTES);
    return new Connection(channel, { reader, writer, remoteHello, localHello: hello, remoteId });
  } catch (error) {
    try {
      channel.close();
    } catch {
      // The channel may already be closed; the handshake error is what matters.
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The DER bytes of `identity`'s certificate. */
function certificateDer(identity: Identity): Uint8Array {
  return new Uint8Array(new X509Certificate(identity.certPem).raw);
}

/** Reads the next control message, turning an error from the other side into a thrown error. */
async function nextControl(
  reader: FrameReader,
  options: { timeout: Promise<never>; remote: string },
): Promise<unknown> {
  const { timeout, remote } = options;
  const frame = await Promise.race([reader.next(), timeout]);
  if (frame === null) throw new ConnectionClosedError(remote, "during the handshake");
  if (frame.kind !== "control") throw new ProtocolError("expected a handshake message, got data");
  const message = frame.message as Record<string, unknown> | null;
  if (message?.t === "error") {
    const refusal = `the other side refused: ${String(message.message ?? "no reason given")}`;
    throw message.code === "membership" ? new MembershipError(refusal) : new ProtocolError(refusal);
  }
  return frame.message;
}

/** Says what to do when one side requires the network key and the other does not. */
export function networkProblem(
  ours: boolean,
  options: { theirs: Hello["network"]; remote: string },
): string | undefined {
  const { theirs, remote } = options;
  if (ours && theirs === "open") {
    return `${remote} runs an open network while this side requires a network key: ` +
      "start both with the same key, or both without one";
  }
  if (!ours && theirs === "members") {
    return `${remote} requires a network key: pass it with --key, P2PFT_KEY or ` +
      "--key-file (the server prints it when it starts)";
  }
  return undefined;
}

/**
 * Says why a side that came with a transfer code is refused: it must dial,
 * and the listener must take codes. `undefined` when it is welcome.
 */
export function guestProblem(options: { dialer: boolean; guests: boolean }): string | undefined {
  if (options.dialer) return "the other side listens as a transfer code holder, which only dials";
  if (!options.guests) {
    return "this port takes no transfer codes: give p2pft get only the code that p2pft send printed";
  }
  return undefined;
}

/** Says what is wrong with a hello, or `undefined` when it is acceptable. */
export function helloProblem(hello: Hello, accept: Hello["role"][]): string | undefined {
  const spoken = versionProblem(hello);
  if (spoken) return spoken;
  if (!accept.includes(hello.role)) {
    return `expected a ${accept.join(" or ")}, but the other side is a ${hello.role}`;
  }
  return undefined;
}

/**
 * Says what is wrong with the protocol name or version a first message
 * claims, whatever else it holds (a hello of another version may have
 * other fields), or `undefined` when it claims ours or claims nothing.
 */
export function versionProblem(message: unknown): string | undefined {
  const { protocol, version } = (message ?? {}) as { protocol?: unknown; version?: unknown };
  if (typeof protocol === "string" && protocol !== PROTOCOL_NAME) {
    return `other side speaks "${protocol.slice(0, 64)}", not ${PROTOCOL_NAME}`;
  }
  if (typeof version === "number" && version !== PROTOCOL_VERSION) {
    return `protocol version mismatch: other side speaks v${version}, ` +
      `this program speaks v${PROTOCOL_VERSION}; run the same p2pft version on both`;
  }
  return undefined;
}
