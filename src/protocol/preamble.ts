/**
 * The 8-byte preamble that opens every p2pft v2 connection each way, in the
 * clear: the protocol name and version, so that versions and foreign
 * speakers (a v1 program, an HTTP client, anything else) are told apart
 * before any cryptography, each with a message that says what to do.
 *
 * @module
 */

import type net from "node:net";
import { Buffer } from "node:buffer";
import { PROGRAM_VERSION, PROTOCOL_VERSION } from "../constants.ts";
import { FRAME_CONTROL, looksLikeHttp, ProtocolError } from "./frame.ts";

/** Bytes of the preamble: `P2PFT`, a zero byte, then the protocol version as a big-endian u16. */
export const PREAMBLE_BYTES = 8;
const MAGIC = new TextEncoder().encode("P2PFT\0");
/** Most bytes read while making sense of what a v1 program sent instead of a preamble. */
const MAX_FOREIGN_BYTES = 4096;

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
 * Reads the other side's first bytes: exactly a preamble, or (from a v1
 * program, which sends its hello at once) its first frame. The socket is
 * paused again afterwards, ready to be handed to TLS.
 */
export function readOpening(socket: net.Socket): Promise<Opening> {
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
      socket.off("close", onEnd);
      socket.off("error", done);
      socket.pause();
      if (error) reject(error);
      else resolve(opening!);
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    socket.once("error", done);
    socket.resume();
  });
}
