/**
 * `POST /api/upload?name=NAME`: a file sent from the browser as the raw
 * request body lands in the upload folder and is shared. The body is
 * written as it arrives (never held whole) into a `.part` file beside the
 * final name, which is the sanitized name, or `name (1)` and so on when
 * taken, as for downloads. Past the size limit the upload is refused (413)
 * and its `.part` file removed.
 *
 * @module
 */

import { errorMessage } from "../log.ts";
import { PartFile } from "../storage/part_file.ts";
import { candidatePaths, partPath, pathExists, sanitizeFileName } from "../storage/safe_name.ts";
import { ApiError } from "./api_errors.ts";
import { sharedView } from "./views.ts";
import type { WebContext } from "./web_context.ts";

/** Handles an upload: writes, then shares the file; answers the shared item (201). */
export async function uploadRoute(context: WebContext, request: Request): Promise<Response> {
  const raw = new URL(request.url).searchParams.get("name");
  if (raw === null || raw.trim() === "") {
    throw new ApiError(400, "give the file's name: POST /api/upload?name=NAME");
  }
  const limit = context.uploadLimit;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (request.body === null) throw new ApiError(400, "send the file as the request body");
  const path = await receive(request.body, {
    dir: context.uploadDir,
    name: sanitizeFileName(raw),
    limit,
  });
  const registered = await context.peer.register(path);
  context.changed("shared");
  context.changed("files");
  return Response.json(sharedView(context.peer.served(registered.fileId)!), { status: 201 });
}

function tooLarge(limit: number): ApiError {
  return new ApiError(
    413,
    `the file is larger than this peer accepts (${limit} bytes): start the peer with a ` +
      `larger --web-upload-limit, or share the file from its own machine`,
  );
}

/**
 * Writes `body` into `dir` as `name` (or the first free numbered name);
 * resolves to its path. Throws a 413 {@linkcode ApiError} past `limit`
 * bytes, removing what was written.
 */
export async function receive(
  body: ReadableStream<Uint8Array>,
  place: { dir: string; name: string; limit: number },
): Promise<string> {
  const { dir, name, limit } = place;
  await Deno.mkdir(dir, { recursive: true });
  const part = await createPart(dir, name);
  let written = 0;
  try {
    for await (const piece of body) {
      written += piece.length;
      if (written > limit) throw tooLarge(limit);
      await part.write(written - piece.length, piece);
    }
    const path = await part.finishAtFirstFree(candidatePaths(dir, name));
    if (path === undefined) {
      throw new ApiError(409, `too many files named like ${name} in ${dir}: move some away`);
    }
    return path;
  } catch (error) {
    await part.close();
    await Deno.remove(part.path).catch(() => {});
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, `upload of ${name} failed: ${errorMessage(error)}`);
  }
}

/** A new `.part` file beside the first candidate path for `name` where neither it nor its part is. */
async function createPart(dir: string, name: string): Promise<PartFile> {
  for (const path of candidatePaths(dir, name)) {
    if (await pathExists(path) || await pathExists(partPath(path))) continue;
    try {
      return await PartFile.create(path, 0);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  throw new ApiError(409, `too many files named like ${name} in ${dir}: move some away`);
}
