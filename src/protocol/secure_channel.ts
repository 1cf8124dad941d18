/**
 * The encrypted channel under every p2pft connection (since protocol v2).
 * A connection starts with an 8-byte preamble each way (see preamble.ts;
 * the listener follows its own with its self-signed certificate), then
 * TLS 1.3 proving the listener holds that certificate's key. Each side's ID
 * is the hash of its certificate's public key, so an ID cannot be claimed
 * without its private key; the dialer may pin the ID it expects and refuses
 * any other.
 *
 * Roles in TLS follow who dialed, not who serves: the dialer is the TLS
 * client, and presents no certificate in TLS: it proves its ID in the
 * handshake (handshake.ts).
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import type net from "node:net";
import tls from "node:tls";
import { HANDSHAKE_TIMEOUT_MS, PROGRAM_VERSION, PROTOCOL_VERSION } from "../constants.ts";
import { type Identity, idOfCertificate, tlsName } from "../security/identity.ts";
import { errorMessage } from "../log.ts";
import { encodeBase64 } from "../storage/base64.ts";
import { type ByteChannel, formatHostPort, type HostPort, writeAll } from "./channel.ts";
import { encodeControlFrame, ProtocolError } from "./frame.ts";
import {
  classifyOpening,
  encodePreamble,
  openingProblem,
  PREAMBLE_BYTES,
  readOpening,
} from "./preamble.ts";
import { addressesOf, SocketChannel } from "./socket_channel.ts";
import { raceTimer } from "./timeouts.ts";

/** Bytes of the length of the certificate a listener sends after its preamble. */
const CERTIFICATE_LENGTH_BYTES = 2;
/** Largest certificate accepted (an Ed25519 certificate is about 300 bytes). */
const MAX_CERTIFICATE_BYTES = 4096;
/** A channel after the preamble and TLS. */
export interface SecureLink {
  /** The encrypted channel. */
  channel: ByteChannel;
  /**
   * The listener's ID, proven by TLS, on the dialer's side; `undefined` on the
   * listener's side, where the dialer proves its ID in the handshake.
   */
  remoteId: string | undefined;
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

/** A listener turned the connection away (at its connection limit), saying why. */
export class RefusedError extends Error {
  /** Creates the error naming the address and the listener's reason. */
  constructor(address: string, reason: string) {
    super(`${address} refused the connection: ${reason}`);
    this.name = "RefusedError";
  }
}

/** Longest refusal reason read or sent, in bytes. */
const MAX_REASON_BYTES = 1024;
/** Time a refused newcomer has to send its preamble and read the refusal. */
const REFUSAL_MS = 2_000;

/**
 * Dials `target` (or opens the TCP connection with `options.connect`, as
 * through a relay), exchanges preambles (the listener's carries its
 * certificate) and runs TLS as the client, pinned to that certificate. With
 * `expectId`, a listener whose certificate has another ID is refused with
 * {@linkcode IdentityMismatchError} before TLS starts. The dialer's own
 * identity is proven later, in the handshake. Everything must finish within
 * `timeoutMs`.
 *
 * The dialer uses the runtime's own TLS (`Deno.startTls`): it reads straight
 * into the caller's buffers, copy-free, where a `node:tls` client costs a
 * copy and garbage per read.
 */
export async function dialSecure(
  target: HostPort,
  options: { expectId?: string; timeoutMs?: number; connect?: ConnectTcp },
): Promise<SecureLink> {
  const address = formatHostPort(target.host, target.port);
  let conn: Deno.TcpConn | Deno.TlsConn | undefined;
  const connect = options.connect ??
    (() => Deno.connect({ hostname: target.host, port: target.port }));
  const work = async (): Promise<SecureLink> => {
    conn = await connect().catch((error) => {
      throw new UnreachableError(address, errorMessage(error));
    });
    conn.setNoDelay(true);
    await writeAll(conn, encodePreamble());
    const certificate = await readListenerOpening(conn, address);
    const remoteId = idOfCertificate(certificate);
    if (options.expectId !== undefined && remoteId !== options.expectId) {
      throw new IdentityMismatchError(address, { expected: options.expectId, seen: remoteId });
    }
    // The runtime's TLS also trusts the public CAs, DENO_CERT and maybe the
    // system's store. The name rules out what a public CA issued (none may
    // certify a name under .invalid); an authority added locally follows no
    // such rule, so the certificate TLS proved is checked against the pin too.
    const tlsConn = await Deno.startTls(conn, {
      hostname: tlsName(remoteId),
      caCerts: [pemOf(certificate)],
    });
    conn = tlsConn;
    await tlsConn.handshake().catch((error) => {
      throw new ProtocolError(`tls with ${address}: ${errorMessage(error)}`);
    });
    const proven = idOfCertificate(provenCertificate(tlsConn));
    if (proven !== remoteId) {
      throw new ProtocolError(
        `${address} sent the certificate of ${remoteId} but proved another certificate ` +
          `(${proven}) in tls, one an authority this machine trusts issued: an impostor ` +
          `or a TLS-inspecting proxy sits on the way; remove that authority (DENO_CERT, ` +
          `DENO_TLS_CA_STORE) or connect another way`,
      );
    }
    return { channel: tlsConn, remoteId };
  };
  return await within(work(), {
    ms: options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    late: `no secure handshake with ${address} in time`,
    close: () => conn?.close(),
  });
}

/** Opens the TCP connection a dial runs over, when it is not a plain connect to the target. */
export type ConnectTcp = () => Promise<Deno.TcpConn>;

/** What a listener needs to answer dialers: its TLS context and its certificate. */
export interface ListenerCredentials {
  /** The TLS server context of its identity. */
  context: tls.SecureContext;
  /** Its certificate (DER), sent after the preamble. */
  certificate: Uint8Array;
}

/** The listener credentials of `identity`, made once per listener. */
export function listenerCredentials(identity: Identity): ListenerCredentials {
  return {
    context: tls.createSecureContext({
      cert: identity.certPem,
      key: identity.keyPem,
      minVersion: "TLSv1.3",
    }),
    certificate: new Uint8Array(new X509Certificate(identity.certPem).raw),
  };
}

/**
 * Runs the listening side on an accepted socket: reads the dialer's
 * preamble (a v1 program is answered in its own framing with a hello that
 * names our version, an HTTP client with a plain-text 400), answers with ours
 * and its certificate, and runs TLS as the server. The dialer's identity is
 * not known yet: it proves it in the handshake (`remoteId` is undefined).
 */
export async function acceptSecure(
  raw: net.Socket,
  options: {
    credentials: ListenerCredentials;
    timeoutMs?: number;
    role: "peer" | "server";
    /** Bytes read ahead of the reader at most (see `SocketChannel`). */
    readAheadBytes?: number;
  },
): Promise<SecureLink> {
  const work = async (): Promise<SecureLink> => {
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
    } else if (opening.kind === "p2pft" && problem) {
      raw.end(encodePreamble());
    } else if (opening.kind === "p2pft") {
      const { certificate } = options.credentials;
      const answer = new Uint8Array(PREAMBLE_BYTES + CERTIFICATE_LENGTH_BYTES + certificate.length);
      answer.set(encodePreamble());
      new DataView(answer.buffer).setUint16(PREAMBLE_BYTES, certificate.length);
      answer.set(certificate, PREAMBLE_BYTES + CERTIFICATE_LENGTH_BYTES);
      raw.write(answer);
    }
    if (problem) throw new ProtocolError(problem);
    const socket = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: options.credentials.context,
    });
    await secured(socket);
    const channel = new SocketChannel(socket, {
      ...addressesOf(raw),
      readAheadBytes: options.readAheadBytes,
    });
    return { channel, remoteId: undefined };
  };
  return await within(work(), {
    ms: options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    late: "no secure handshake within the time allowed",
    close: () => raw.destroy(),
  });
}

/**
 * Reads a listener's answer to our preamble: its preamble, then its
 * certificate (a 2-byte length, then DER). A v1 listener sends its hello
 * instead, which is reported as such.
 */
async function readListenerOpening(conn: Deno.TcpConn, address: string): Promise<Uint8Array> {
  const head = new Uint8Array(PREAMBLE_BYTES + CERTIFICATE_LENGTH_BYTES);
  await readExactly(conn, head.subarray(0, PREAMBLE_BYTES), address);
  const problem = openingProblem(classifyOpening(head.subarray(0, PREAMBLE_BYTES)));
  if (problem) throw new ProtocolError(problem.replace("the other side", address));
  await readExactly(conn, head.subarray(PREAMBLE_BYTES), address);
  const length = new DataView(head.buffer).getUint16(PREAMBLE_BYTES);
  if (length === 0) throw new RefusedError(address, await readReason(conn, address));
  if (length > MAX_CERTIFICATE_BYTES) {
    throw new ProtocolError(`${address} sent a certificate of ${length} bytes`);
  }
  const certificate = new Uint8Array(length);
  await readExactly(conn, certificate, address);
  return certificate;
}

/** The reason that follows a refusal: a 2-byte length, then UTF-8. */
async function readReason(conn: Deno.TcpConn, address: string): Promise<string> {
  const head = new Uint8Array(2);
  await readExactly(conn, head, address);
  const length = Math.min(new DataView(head.buffer).getUint16(0), MAX_REASON_BYTES);
  const text = new Uint8Array(length);
  await readExactly(conn, text, address);
  return new TextDecoder().decode(text);
}

/**
 * Turns away a newcomer on `raw`: reads its preamble, answers a p2pft
 * dialer of our version with our preamble, a certificate length of 0 and
 * then `reason` (a 2-byte length, then UTF-8), which it reports as
 * {@linkcode RefusedError}, and closes. Anything else is just closed. Takes
 * at most a couple of seconds; never throws.
 */
export async function refuseSecure(raw: net.Socket, reason: string): Promise<void> {
  const text = new TextEncoder().encode(reason).subarray(0, MAX_REASON_BYTES);
  const grace = setTimeout(() => raw.destroy(), REFUSAL_MS);
  try {
    const opening = await readOpening(raw);
    if (opening.kind !== "p2pft" || openingProblem(opening)) return;
    const answer = new Uint8Array(PREAMBLE_BYTES + CERTIFICATE_LENGTH_BYTES + 2 + text.length);
    answer.set(encodePreamble());
    new DataView(answer.buffer).setUint16(PREAMBLE_BYTES + CERTIFICATE_LENGTH_BYTES, text.length);
    answer.set(text, PREAMBLE_BYTES + CERTIFICATE_LENGTH_BYTES + 2);
    await new Promise<void>((resolve) => raw.end(answer, () => resolve()));
    // Wait for the dialer to close first, so the refusal is not lost to a reset.
    if (raw.destroyed) return;
    await new Promise<void>((resolve) => {
      raw.once("close", () => resolve());
      raw.resume();
    });
  } catch {
    // Gone before it could be told: nothing more to do.
  } finally {
    clearTimeout(grace);
    raw.destroy();
  }
}

async function readExactly(conn: Deno.TcpConn, target: Uint8Array, address: string): Promise<void> {
  let offset = 0;
  while (offset < target.length) {
    const count = await conn.read(target.subarray(offset));
    if (count === null) throw new ProtocolError(`${address} closed before its preamble`);
    offset += count;
  }
}

/**
 * The certificate (DER) a TLS server proved it holds the key of. The
 * runtime keeps it behind a symbol it does not export (its `node:tls` reads
 * it there); without it no link is trusted.
 */
function provenCertificate(conn: Deno.TlsConn): Uint8Array {
  let holder: object | null = conn;
  while (holder !== null) {
    const symbol = Object.getOwnPropertySymbols(holder)
      .find((each) => each.description === "getPeerCertificate");
    if (symbol !== undefined) {
      const read = (conn as unknown as Record<symbol, (detailed: boolean) => unknown>)[symbol];
      const raw = (read.call(conn, false) as { raw?: unknown } | null)?.raw;
      if (raw instanceof Uint8Array && raw.length > 0) return new Uint8Array(raw);
      break;
    }
    holder = Object.getPrototypeOf(holder);
  }
  throw new ProtocolError(
    "this runtime does not tell which certificate a tls server proved: run p2pft on Deno 2.9",
  );
}

/** A DER certificate as PEM text, as `Deno.startTls` takes it. */
function pemOf(der: Uint8Array): string {
  const base64 = encodeBase64(der).replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

/**
 * Resolves once `socket` has finished its TLS handshake as the server. Its
 * listeners are removed then: left on, each held connection would keep
 * them, and its close would still build an error nobody reads.
 */
export function secured(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      socket.off("secure", onSecure);
      socket.off("error", onError);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onSecure = () => settle();
    const onError = (error: Error) => settle(new ProtocolError(`tls: ${errorMessage(error)}`));
    const onClose = () => settle(new ProtocolError("closed during the tls handshake"));
    socket.once("secure", onSecure);
    socket.once("error", onError);
    socket.once("close", onClose);
  });
}

/**
 * `work` within `options.ms`: on a failure, or when time runs out (a
 * {@linkcode ProtocolError} saying `options.late`), closes the connection
 * and rejects.
 */
async function within<T>(
  work: Promise<T>,
  options: { ms: number; late: string; close: () => void },
): Promise<T> {
  try {
    return await raceTimer(work, options.ms, () => new ProtocolError(options.late));
  } catch (error) {
    try {
      options.close();
    } catch {
      // Already closed.
    }
    throw error;
  }
}
