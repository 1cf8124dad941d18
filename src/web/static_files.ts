/**
 * The page's static files, served from `src/web/page/` (found beside this
 * module, so that `deno compile --include src/web/page` carries them): a
 * path is taken only as plain names under that folder, never `..`, and gets
 * the content type of its extension.
 *
 * @module
 */

import { extname, join } from "node:path";

/** The folder of the page's files. */
export const PAGE_DIR = join(import.meta.dirname!, "page");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** The content type of a file named `path`; `application/octet-stream` when unknown. */
export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/**
 * The names of a URL path under the page folder (`a/b.js`), or `undefined`
 * when it could leave the folder or is not a plain file path (`..`, `.`,
 * empty names, backslashes, NUL, bad percent-encoding).
 */
export function pagePath(urlPath: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const names = decoded.split("/");
  const plain = names.every((name) =>
    name !== "" && name !== "." && name !== ".." && !/[\\\0:]/.test(name)
  );
  return plain ? names : undefined;
}

/**
 * The response serving page file `names` (see {@linkcode pagePath}) from
 * `root`; 404 when it is not a file there.
 */
export async function servePageFile(
  names: string[] | undefined,
  root = PAGE_DIR,
): Promise<Response> {
  if (names === undefined) return new Response("not found", { status: 404 });
  const path = join(root, ...names);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return new Response("not found", { status: 404 });
  }
  const info = await file.stat();
  if (!info.isFile) {
    file.close();
    return new Response("not found", { status: 404 });
  }
  return new Response(file.readable, {
    headers: {
      "content-type": contentType(path),
      "content-length": String(info.size),
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    },
  });
}
