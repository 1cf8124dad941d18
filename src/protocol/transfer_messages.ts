/**
 * The messages of `p2pft send` and `p2pft get`, as zod schemas: nameplates
 * on the server, the code exchange (CPace and key confirmation) on the
 * sender's port, and the small swarm the sender keeps among its receivers.
 * See "Transfer codes" in docs/protocol.md.
 *
 * @module
 */

import { z } from "zod";
import { MAX_NAMEPLATE } from "../security/transfer_code.ts";
import { fileIdSchema, manifestSchema, requestIdSchema } from "./messages.ts";

const id = requestIdSchema;
const nameplate = z.number().int().min(1).max(MAX_NAMEPLATE);
const port = z.number().int().min(1).max(65_535);
/** Base64 of at most 256 bytes: a CPace message, a tag, a key. */
const shortBytes = z.string().max(344);
const text = z.string().max(4096);
/** Base64 of a bitfield, as in `share`. */
const bitfield = z.string().max(4 * 1024 * 1024);

/**
 * What the server takes about nameplates: `claim` and `release` from a
 * member (a sender), `resolve` from anyone, a guest included.
 */
export const nameplateRequestSchema = z.discriminatedUnion("t", [
  z.object({ t: z.literal("claim"), id, port }),
  z.object({ t: z.literal("release"), nameplate }),
  z.object({ t: z.literal("resolve"), id, nameplate }),
]);

/** A request about nameplates. */
export type NameplateRequest = z.infer<typeof nameplateRequestSchema>;

/** The server's answer to `claim`: the nameplate now held by the claiming connection. */
export const claimReplySchema = z.object({ nameplate });

/** The server's answer to `resolve`: where the sender listens, and the ID it must prove. */
export const resolveReplySchema = z.object({ address: text, peerId: text });

/** What a code holder sends the sender before its code is proven. */
export const codeRequestSchema = z.discriminatedUnion("t", [
  /** Its CPace message (base64). */
  z.object({ t: z.literal("pake"), id, message: shortBytes }),
  /** Its key confirmation tag (base64). */
  z.object({ t: z.literal("confirm"), id, tag: shortBytes }),
]);

/** The sender's answer to `pake`: its CPace message and its key confirmation tag. */
export const pakeReplySchema = z.object({ message: shortBytes, tag: shortBytes });

/**
 * The sender's answer to a good `confirm`: what the code grants (each item's
 * ID and manifest) and the transfer key its receivers prove to each other.
 */
export const grantSchema = z.object({
  items: z.array(z.object({ fileId: fileIdSchema, manifest: manifestSchema })).min(1),
  key: shortBytes,
});

/** What the code grants. */
export type Grant = z.infer<typeof grantSchema>;

/** What a proven receiver sends the sender: the swarm's requests. */
export const swarmRequestSchema = z.discriminatedUnion("t", [
  /** The port it serves chunks on (to the others that hold the transfer key). */
  z.object({ t: z.literal("join"), id, listenPort: port }),
  /** Which chunks of granted items it holds (absent: all). */
  z.object({
    t: z.literal("share"),
    id,
    files: z.array(z.object({ fileId: fileIdSchema, chunks: bitfield.optional() })),
  }),
  z.object({ t: z.literal("unshare"), id, fileId: fileIdSchema }),
  z.object({ t: z.literal("have"), fileId: fileIdSchema, chunks: z.array(id) }),
  z.object({ t: z.literal("sources"), id, fileId: fileIdSchema }),
  /** It has every item, verified. */
  z.object({ t: z.literal("done") }),
]);

/** A request of a proven receiver. */
export type SwarmRequest = z.infer<typeof swarmRequestSchema>;
