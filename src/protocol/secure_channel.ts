/**
 * The encrypted, mutually authenticated channel under every p2pft v2
 * connection. A connection starts with an 8-byte preamble each way (the
 * protocol name and version, in the clear, so that versions and foreign
 * speakers are told apart before any cryptography), then TLS 1.3 with a
 * self-signed certificate on both sides. Each side's ID is the hash of its
 * certificate's public key, so an ID cannot be claimed without its private
 * key; the dialer may pin the ID it expects and refuses any other.
 *
 * Roles in TLS follow who dialed, not who serves: the dialer is the TLS
 * client. Both sides present certificates whatever their role.
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import { HANDSHAKE_TIMEOUT_MS, PROGRAM_VERSION, PROTOCOL_VERSION } from "../constants.ts";
import { type Identity, idOfCertificate } from "../security/identity.ts";
import { type ByteChannel, formatHostPort, type HostPort } from "./channel.ts";
import { encodeControlFrame, FRAME_CONTROL, looksLikeHttp, ProtocolError } from "./frame.ts";
import { addressesOf, SocketChannel } from "./socket_channel.ts";

/** Bytes of the preamble: `P2PFT`, a zero byte, then the protocol version as a big-endian u16. */
export const PREAMBLE_BYTES = 8;
const MAGIC = new TextEncoder().encode("P2PFT\0");
/** Most bytes read while making sense of what a v1 program sent instead of a preamble. */
const MAX_FOREIGN_BYTES = 4096;

/** A channel after the preamble and TLS: who is at the other end, proven by TLS. */
export interface SecureLink {
  /** The encrypted channel. */
  channel: ByteChannel;
  /** The other side's ID: the hash of the public key it proved it holds. */
  remoteId: string;
}

/** The dialed side proved another identity than the one expected. */
export class IdentityMismatchError extends Error {
  /** The ID the other side proved. */
  readonly seen: string;
  /** Creates the error naming the address, the expected and the proven ID. */
  constructor(address: string, options: { expected: string; seen: string }) {
    super(
      `${address} is not ${options.expected} but ${options.seen}: ` +
        `another program or an impostor listens there; the download goes on with other sources`,
    );
    this.name = "IdentityMismatchError";
    this.seen = options.seen;
  }
}

/** Nothing accepted the TCP connection (refused, unreachable, timed out). */
export class UnreachableError extends Error {
  /** Creates the error naming the address and the system's reason. */
  constructor(address: string, reason: string) {
    super(`cannot reach ${address}: ${reason}`);
    this.name = "UnreachableError";
  }
}

/** Encodes the preamble of protocol `version`. */
export function encodePreamble(version: number = PROTOCOL_VERSION): Uint8Array {
  const bytes = new Uint8Array(PREAMBLE_BYTES);
  bytes.set(MAGIC);
  new DataView(bytes.buffer).setUint16(MAGIC.length, version);
  return bytes;
}

/** What the first bytes of a connection say about the program that sent them. */
export type Opening =
  | { kind: "p2pft"; version: number }
  | { kind: "v1" }
  | { kind: "http" }
  | { kind: "foreign" };

/** Classifies the first {@linkcode PREAMBLE_BYTES} bytes of a connection. */
export function classifyOpening(bytes: Uint8Array): Opening {
  if (MAGIC.every((byte, index) => bytes[index] === byte)) {
    return { kind: "p2pft", version: new DataView(bytes.buffer, bytes.byteOffset).getUint16(6) };
  }
  if (looksLikeHttp(bytes)) return { kind: "http" };
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  if (bytes[4] === FRAME_CONTROL && length > 1 && length < MAX_FOREIGN_BYTES) return { kind: "v1" };
  return { kind: "foreign" };
}

/** The problem with the other side's opening, or `undefined` when it speaks our version. */
export function openingProblem(opening: Opening): string | undefined {
  const upgrade = "run the same p2pft version on both sides";
  switch (opening.kind) {
    case "p2pft":
      return opening.version === PROTOCOL_VERSION
        ? undefined
        : `the other side speaks protocol v${opening.version}, ` +
          `this program (p2pft ${PROGRAM_VERSION}) speaks v${PROTOCOL_VERSION}: ${upgrade}`;
    case "v1":
      return `the other side speaks protocol v1 (unencrypted), this program speaks ` +
        `v${PROTOCOL_VERSION}: ${upgrade}`;
    case "http":
      return "received a plain HTTP request; this port speaks the p2pft protocol";
    case "foreign":
      return "the other side does not speak the p2pft protocol";
  }
}

/**
 * Dials `target`, exchanges preambles and runs TLS as the client. With
 * `expectId`, refuses (with {@linkcode IdentityMismatchError}) a listener
 * that proves another ID. Everything must finish within `timeoutMs`.
 */
export async function dialSecure(
  target: HostPort,
  options: { identity: Identity; expectId?: string; timeoutMs?: number },
): Promise<SecureLink> {
  const address = formatHostPort(target.host, target.port);
  const raw = net.connect({ host: target.host, port: target.port });
  return await withDeadline(raw, options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS, async () => {
    await new Promise<void>((resolve, reject) => {
      raw.once("connect", resolve);
      raw.once("error", reject);
    }).catch((error) => {
      throw new UnreachableError(address, reasonOf(error));
    });
    raw.setNoDelay(true);
    raw.write(encodePreamble());
    const opening = await readOpening(raw);
    const problem = openingProblem(opening);
    if (problem) throw new ProtocolError(problem.replace("the other side", address));
    const socket = tls.connect({
      socket: raw,
      cert: options.identity.certPem,
      key: options.identity.keyPem,
      rejectUnauthorized: false,
      minVersion: "TLSv1.3",
    });
    await settled(socket, "secureConnect");
    const remoteId = peerIdOf(socket);
    if (options.expectId !== undefined && remoteId !== options.expectId) {
      socket.destroy();
      throw new IdentityMismatchError(address, { expected: options.expectId, seen: remoteId });
    }
    return { channel: new SocketChannel(socket, addressesOf(raw)), remoteId };
  });
}

/**
 * Runs the listening side on an accepted socket: reads the dialer's
 * preamble (a v1 program is answered in its own framing with a hello that
 * names our version, an HTTP client with a plain-text 400), answers with ours
 * and runs TLS as the server, requiring the dialer's certificate.
 */
export async function acceptSecure(
  raw: net.Socket,
  options: { context: tls.SecureContext; timeoutMs?: number; role: "peer" | "server" },
): Promise<SecureLink> {
  return await withDeadline(raw, options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS, async () => {
    raw.setNoDelay(true);
    const opening = await readOpening(raw);
    const problem = openingProblem(opening);
    if (opening.kind === "v1") {
      raw.end(encodeControlFrame({
        t: "hello",
        protocol: "p2pft",
        version: PROTOCOL_VERSION,
        role: options.role,
        program: `p2pft ${PROGRAM_VERSION}`,
      }));
    } else if (opening.kind === "http") {
      raw.end(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" +
          "this port speaks the p2pft protocol, not HTTP\n",
      );
    } else if (opening.kind === "p2pft") {
      raw.write(encodePreamble());
    }
    if (problem) throw new ProtocolError(problem);
    const socket = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: options.context,
      requestCert: true,
      rejectUnauthorized: false,
    });
    await settled(socket, "secure");
    return { channel: new SocketChannel(socket, addressesOf(raw)), remoteId: peerIdOf(socket) };
  });
}

/** The TLS server context of `identity`, made once per listener. */
export function serverContext(identity: Identity): tls.SecureContext {
  return tls.createSecureContext({
    cert: identity.certPem,
    key: identity.keyPem,
    minVersion: "TLSv1.3",
  });
}

function peerIdOf(socket: tls.TLSSocket): string {
  const certificate = socket.getPeerCertificate(true);
  if (!certificate?.raw) {
    socket.destroy();
    throw new ProtocolError("the other side presented no certificate");
  }
  return idOfCertificate(new Uint8Array(certificate.raw));
}

/**
 * Reads the other side's first bytes: exactly a preamble, or (from a v1
 * program, which sends its hello at once) its first frame. The socket is
 * paused again afterwards, ready to be handed to TLS.
 */
function readOpening(socket: net.Socket): Promise<Opening> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (received.length < PREAMBLE_BYTES) return;
      const opening = classifyOpening(new Uint8Array(received.subarray(0, PREAMBLE_BYTES)));
      if (opening.kind === "p2pft" && received.length > PREAMBLE_BYTES) {
        done(new ProtocolError("the other side sent data before its preamble was answered"));
        return;
      }
      done(undefined, opening);
    };
    const onEnd = () => done(new ProtocolError("closed before the preamble"));
    const done = (error?: Error, opening?: Opening) => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", done);
      socket.pause();
      if (error) reject(error);
      else resolve(opening!);
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", done);
    socket.resume();
  });
}

function settled(socket: tls.TLSSocket, event: "secure" | "secureConnect"): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => {
      socket.off("error", reject);
      resolve();
    });
    socket.once("error", (error: Error) => reject(new ProtocolError(`tls: ${reasonOf(error)}`)));
    socket.once("close", () => reject(new ProtocolError("closed during the tls handshake")));
  });
}

/** Runs `work`; destroys `socket` and rejects if it fails or takes longer than `ms`. */
async function withDeadline<T>(socket: net.Socket, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProtocolError("no secure handshake within the time allowed")),
      ms,
    );
  });
  try {
    return await Promise.race([work(), deadline]);
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
