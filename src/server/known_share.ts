/**
 * A `share` of files the index already holds, read without checking their
 * manifests again. A downloader shares its partial download as soon as it
 * starts, with the manifest it has just looked up here: for a folder of
 * 10,000 files that is half a megabyte whose full check (the entries' path
 * rules, the file ID hashed) cost the server 20-60 ms of CPU at the very
 * start of every transfer, on the cores the transfer needs. A manifest the
 * same, field by field, as one the index holds for that file ID would pass
 * that check (the held one did, and the check reads nothing else), so the
 * held one is taken instead; any other difference goes through the full
 * check as before. The index keeps the manifest it has for a known file
 * anyway.
 *
 * @module
 */

import { z } from "zod";
import {
  type Manifest,
  parseMessage,
  type PeerToServer,
  requestIdSchema,
  sharedFileSchema,
} from "../protocol/messages.ts";

/** A `share` message. */
export type ShareMessage = Extract<PeerToServer, { t: "share" }>;

/** A `share` with everything but the manifests checked. */
const shareWithoutManifestsSchema = z.object({
  t: z.literal("share"),
  id: requestIdSchema,
  files: z.array(sharedFileSchema.omit({ manifest: true })),
});

/**
 * `raw` read as a `share` when every file in it carries a manifest equal to
 * the one `manifestOf` gives for its file ID, those manifests taken as they
 * are; undefined otherwise (not a share, a file unknown, a manifest that
 * differs, anything malformed), for the full parse to read or refuse.
 */
export function parseKnownShare(
  raw: Record<string, unknown>,
  manifestOf: (fileId: string) => Manifest | undefined,
): ShareMessage | undefined {
  if (raw.t !== "share" || !Array.isArray(raw.files) || raw.files.length === 0) return undefined;
  const manifests: Manifest[] = [];
  for (const file of raw.files as unknown[]) {
    if (!isRecord(file) || typeof file.fileId !== "string") return undefined;
    const held = manifestOf(file.fileId);
    if (!held || !sameManifest(file.manifest, held)) return undefined;
    manifests.push(held);
  }
  let parsed: z.infer<typeof shareWithoutManifestsSchema>;
  try {
    parsed = parseMessage(shareWithoutManifestsSchema, raw);
  } catch {
    return undefined;
  }
  return { ...parsed, files: parsed.files.map((file, i) => ({ ...file, manifest: manifests[i] })) };
}

/**
 * Whether `raw` has every field of `manifest` with the same value (fields
 * the manifest schema does not read are ignored, as it drops them).
 */
export function sameManifest(raw: unknown, manifest: Manifest): boolean {
  if (!isRecord(raw)) return false;
  if (
    raw.name !== manifest.name || raw.size !== manifest.size ||
    raw.chunkSize !== manifest.chunkSize || !sameList(raw.chunkHashes, manifest.chunkHashes)
  ) {
    return false;
  }
  const entries = manifest.entries;
  if (entries === undefined) return raw.entries === undefined;
  const sent = raw.entries;
  if (!Array.isArray(sent) || sent.length !== entries.length) return false;
  for (let i = 0; i < entries.length; i++) {
    const entry = sent[i];
    if (
      !isRecord(entry) || entry.path !== entries[i].path || entry.kind !== entries[i].kind ||
      entry.size !== entries[i].size
    ) {
      return false;
    }
  }
  return true;
}

function sameList(raw: unknown, list: readonly string[]): boolean {
  if (!Array.isArray(raw) || raw.length !== list.length) return false;
  for (let i = 0; i < list.length; i++) if (raw[i] !== list[i]) return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
