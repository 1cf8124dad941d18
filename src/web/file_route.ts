/**
 * `GET /files/:id/:name`: an item's verified bytes, streamed to the
 * browser as a download (see item_bytes.ts for where they come from), with
 * its name, size and range requests so a phone can resume; a folder comes
 * as a zip (see zip_stream.ts).
 *
 * @module
 */

import { attachment, contentRange, parseRange } from "./http_range.ts";
import { findItem, itemStream } from "./item_bytes.ts";
import { contentType } from "./static_files.ts";
import type { WebContext } from "./web_context.ts";
import { folderZip } from "./zip_stream.ts";

/** The response to a `GET` or `HEAD` of `/files/:id/:name`; `id` is decoded. */
export async function fileRoute(
  context: WebContext,
  request: Request,
  id: string,
): Promise<Response> {
  const item = await findItem(context, id);
  const headers = new Headers({
    "content-disposition": attachment(
      item.manifest.entries && !item.inside ? `${item.name}.zip` : item.name,
    ),
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
  });
  if (item.manifest.entries && !item.inside) {
    const zip = folderZip(context, item);
    headers.set("content-type", "application/zip");
    headers.set("content-length", String(zip.size));
    return new Response(request.method === "HEAD" ? null : zip.stream(), { headers });
  }
  headers.set("content-type", contentType(item.name));
  headers.set("accept-ranges", "bytes");
  const range = parseRange(request.headers.get("range"), item.size);
  if (range === "unsatisfiable") {
    headers.set("content-range", contentRange(undefined, item.size));
    return new Response(null, { status: 416, headers });
  }
  const wanted = range ?? { start: 0, end: item.size - 1 };
  headers.set("content-length", String(wanted.end - wanted.start + 1));
  if (range) headers.set("content-range", contentRange(range, item.size));
  const body = request.method === "HEAD" ? null : itemStream(context, item, wanted);
  return new Response(body, { status: range ? 206 : 200, headers });
}
