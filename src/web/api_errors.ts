/**
 * How the web API answers a failure: `{error}` with a lowercase message that
 * says what to do, and the status that fits (400 for a bad request, 404 for
 * what is unknown, 503 when the network cannot be asked).
 *
 * @module
 */

import { errorMessage } from "../log.ts";

/** A failure with the HTTP status to answer it with. */
export class ApiError extends Error {
  /** The HTTP status. */
  readonly status: number;

  /** A failure answered with `status` and `message`. */
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The status to answer `error` with: its own, 404 for a lookup of nothing, else 400. */
export function errorStatus(error: unknown): number {
  if (error instanceof ApiError) return error.status;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "not-found") return 404;
  return 400;
}

/** The JSON response of `error`. */
export function errorResponse(error: unknown): Response {
  return Response.json({ error: errorMessage(error) }, { status: errorStatus(error) });
}

/** The download number of a URL part; throws a 404 {@linkcode ApiError} when it is none. */
export function downloadNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new ApiError(404, `${text} is not a download number; GET /api/downloads lists them`);
  }
  return n;
}

/** The JSON object body of a request; throws a 400 {@linkcode ApiError} when it is not one. */
export async function jsonBody(request: Request): Promise<Record<string, unknown>> {
  try {
    const body = await request.json();
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body;
  } catch {
    // answered below
  }
  throw new ApiError(400, "send a JSON object as the request body");
}

/** The string field `name` of `body`; throws a 400 {@linkcode ApiError} when missing. */
export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== "string" || value.trim() === "") {
    throw new ApiError(400, `give "${name}" as a non-empty string in the JSON body`);
  }
  return value;
}
