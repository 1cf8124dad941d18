/**
 * HTTP range requests (RFC 9110 §14) for a download a phone may resume:
 * one `bytes=` range is honoured; several ranges, other units or a
 * malformed header are ignored (the whole body is sent, as the RFC allows),
 * and a range wholly past the end is unsatisfiable (416).
 *
 * @module
 */

/** Bytes `start` to `end` inclusive of a body. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The range a `Range` header asks of a body of `size` bytes: a range, the
 * whole body (`undefined`: no header, or one to ignore), or `"unsatisfiable"`.
 */
export function parseRange(
  header: string | null,
  size: number,
): ByteRange | "unsatisfiable" | undefined {
  if (header === null) return undefined;
  const match = header.trim().match(/^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i);
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Number(match[2]);
  if (match[2] !== "" && end < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}

/** The `Content-Range` header of `range` of a body of `size` bytes (`*` for a 416). */
export function contentRange(range: ByteRange | undefined, size: number): string {
  return range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}

/** The `Content-Disposition` of a download named `name`: an attachment, any name kept (RFC 6266). */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
