/**
 * A folder as a zip for the browser: stored (no compression: the bytes are
 * streamed as they are read), each entry's CRC-32 computed on the way and
 * sent after its data in a data descriptor, so the zip is written in one
 * pass and its size is known before the first byte (Zip64 records only for
 * what passes 4 GiB). Names are UTF-8, under the folder's name. Range
 * requests are not offered for a zip.
 *
 * @module
 */

import { crc32 } from "node:zlib";
import type { FolderEntry } from "../protocol/messages.ts";
import type { Item } from "./item_bytes.ts";
import type { WebContext } from "./web_context.ts";

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
const ZIP64_END = 56 + 20;
const MAX32 = 0xffffffff;
const FLAGS = 0x0808; // sizes in a data descriptor; UTF-8 names
const READ_BYTES = 1 << 20;

/** Where an entry goes in the zip. */
interface ZipEntry {
  name: Uint8Array;
  size: number;
  folder: boolean;
  executable: boolean;
  /** Offset of its local header. */
  offset: number;
  /** True when its size needs Zip64 fields. */
  large: boolean;
  /** Its path in the folder (`undefined` for the top folder). */
  path: string | undefined;
  crc: number;
}

/** The zip of `entries` (a folder's, named `name`): its entries placed, and its total size. */
export function zipLayout(name: string, entries: readonly FolderEntry[]) {
  const encoder = new TextEncoder();
  const list: ZipEntry[] = [];
  let offset = 0;
  const add = (path: string | undefined, entry: Omit<FolderEntry, "path">) => {
    const folder = entry.kind === "folder";
    const full = encoder.encode(
      `${name}/${path === undefined ? "" : path}${folder && path ? "/" : ""}`,
    );
    const large = entry.size >= MAX32;
    list.push({
      name: full,
      size: entry.size,
      folder,
      executable: entry.kind === "executable",
      offset,
      large,
      path,
      crc: 0,
    });
    offset += LOCAL_HEADER + full.length + (large ? 20 : 0) + entry.size + (large ? 24 : 16);
  };
  add(undefined, { kind: "folder", size: 0 });
  for (const entry of entries) add(entry.path, entry);
  const centralStart = offset;
  for (const entry of list) {
    offset += CENTRAL_HEADER + entry.name.length + centralExtra(entry).length;
  }
  const zip64 = list.length >= 0xffff || offset >= MAX32 || centralStart >= MAX32;
  return {
    entries: list,
    centralStart,
    size: offset + (zip64 ? ZIP64_END : 0) + END_RECORD,
    zip64,
  };
}

/** The zip of a folder item, to stream once the folder is held (fetched first if not). */
export function folderZip(context: WebContext, item: Item) {
  const layout = zipLayout(item.name, item.manifest.entries ?? []);
  return {
    size: layout.size,
    stream: () => zipStream(layout, () => folderPath(context, item)),
  };
}

/** The folder's path on disk once whole here: shared, or downloaded now. */
async function folderPath(context: WebContext, item: Item): Promise<string> {
  const served = context.peer.served(item.fileId);
  if (served && served.chunks === undefined) return served.path;
  const download = await context.peer.download(item.fileId, context.outDir);
  context.changed("downloads");
  return (await download.done).path;
}

/** The bytes of the zip laid out as `layout`, reading the files under the folder `root` gives. */
export function zipStream(
  layout: ReturnType<typeof zipLayout>,
  root: () => Promise<string>,
): ReadableStream<Uint8Array> {
  return ReadableStream.from(zipPieces(layout, root));
}

async function* zipPieces(
  layout: ReturnType<typeof zipLayout>,
  root: () => Promise<string>,
): AsyncGenerator<Uint8Array> {
  const folder = await root();
  for (const entry of layout.entries) {
    yield localHeader(entry);
    let crc = 0;
    if (!entry.folder && entry.size > 0) {
      using file = await Deno.open(`${folder}/${entry.path}`, { read: true });
      let left = entry.size;
      while (left > 0) {
        const buffer = new Uint8Array(Math.min(READ_BYTES, left));
        const count = await file.read(buffer);
        if (count === null) throw new Error(`${entry.path} is shorter than when it was shared`);
        const piece = buffer.subarray(0, count);
        crc = crc32(piece, crc);
        left -= count;
        yield piece;
      }
    }
    entry.crc = crc;
    yield dataDescriptor(entry);
  }
  const central: Uint8Array[] = layout.entries.map(centralHeader);
  yield* central;
  const centralSize = layout.size - layout.centralStart - END_RECORD -
    (layout.zip64 ? ZIP64_END : 0);
  if (layout.zip64) yield zip64End(layout.entries.length, centralSize, layout.centralStart);
  yield endRecord(layout.entries.length, centralSize, layout.centralStart);
}

function localHeader(entry: ZipEntry): Uint8Array {
  const extra = entry.large ? 20 : 0;
  const bytes = new Uint8Array(LOCAL_HEADER + entry.name.length + extra);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x04034b50, true);
  view.setUint16(4, entry.large ? 45 : 20, true);
  view.setUint16(6, FLAGS, true);
  view.setUint16(10, DOS_TIME, true);
  view.setUint16(12, DOS_DATE, true);
  if (entry.large) {
    view.setUint32(18, MAX32, true);
    view.setUint32(22, MAX32, true);
  }
  view.setUint16(26, entry.name.length, true);
  view.setUint16(28, extra, true);
  bytes.set(entry.name, LOCAL_HEADER);
  if (entry.large) {
    view.setUint16(LOCAL_HEADER + entry.name.length, 1, true);
    view.setUint16(LOCAL_HEADER + entry.name.length + 2, 16, true);
  }
  return bytes;
}

function dataDescriptor(entry: ZipEntry): Uint8Array {
  const bytes = new Uint8Array(entry.large ? 24 : 16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x08074b50, true);
  view.setUint32(4, entry.crc, true);
  if (entry.large) {
    view.setBigUint64(8, BigInt(entry.size), true);
    view.setBigUint64(16, BigInt(entry.size), true);
  } else {
    view.setUint32(8, entry.size, true);
    view.setUint32(12, entry.size, true);
  }
  return bytes;
}

/** The Zip64 extra field of an entry's central header: the fields too big for 32 bits. */
function centralExtra(entry: ZipEntry): Uint8Array {
  const fields: number[] = [];
  if (entry.large) fields.push(entry.size, entry.size);
  if (entry.offset >= MAX32) fields.push(entry.offset);
  if (fields.length === 0) return new Uint8Array(0);
  const bytes = new Uint8Array(4 + 8 * fields.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 1, true);
  view.setUint16(2, 8 * fields.length, true);
  fields.forEach((field, i) => view.setBigUint64(4 + 8 * i, BigInt(field), true));
  return bytes;
}

function centralHeader(entry: ZipEntry): Uint8Array {
  const extra = centralExtra(entry);
  const bytes = new Uint8Array(CENTRAL_HEADER + entry.name.length + extra.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x02014b50, true);
  view.setUint16(4, (3 << 8) | 45, true);
  view.setUint16(6, extra.length > 0 ? 45 : 20, true);
  view.setUint16(8, FLAGS, true);
  view.setUint16(12, DOS_TIME, true);
  view.setUint16(14, DOS_DATE, true);
  view.setUint32(16, entry.crc, true);
  view.setUint32(20, entry.large ? MAX32 : entry.size, true);
  view.setUint32(24, entry.large ? MAX32 : entry.size, true);
  view.setUint16(28, entry.name.length, true);
  view.setUint16(30, extra.length, true);
  const mode = entry.folder ? 0o40755 : entry.executable ? 0o100755 : 0o100644;
  view.setUint32(38, ((mode << 16) | (entry.folder ? 0x10 : 0)) >>> 0, true);
  view.setUint32(42, Math.min(entry.offset, MAX32), true);
  bytes.set(entry.name, CENTRAL_HEADER);
  bytes.set(extra, CENTRAL_HEADER + entry.name.length);
  return bytes;
}

function zip64End(count: number, size: number, start: number): Uint8Array {
  const bytes = new Uint8Array(ZIP64_END);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x06064b50, true);
  view.setBigUint64(4, 44n, true);
  view.setUint16(12, (3 << 8) | 45, true);
  view.setUint16(14, 45, true);
  view.setBigUint64(24, BigInt(count), true);
  view.setBigUint64(32, BigInt(count), true);
  view.setBigUint64(40, BigInt(size), true);
  view.setBigUint64(48, BigInt(start), true);
  view.setUint32(56, 0x07064b50, true);
  view.setBigUint64(64, BigInt(start + size), true);
  view.setUint32(72, 1, true);
  return bytes;
}

function endRecord(count: number, size: number, start: number): Uint8Array {
  const bytes = new Uint8Array(END_RECORD);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, Math.min(count, 0xffff), true);
  view.setUint16(10, Math.min(count, 0xffff), true);
  view.setUint32(12, Math.min(size, MAX32), true);
  view.setUint32(16, Math.min(start, MAX32), true);
  return bytes;
}

/** 1 January 1980, 00:00: entries carry no times (they differ from peer to peer anyway). */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
