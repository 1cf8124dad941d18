/**
 * Who may use a peer's web page: a request must name a host this server
 * answers to (so a DNS-rebinding page gets 403) and carry the access token
 * in the `p2pft_web` cookie, an `Authorization: Bearer`
 * header or a `token` query parameter. Tokens are compared in constant time.
 *
 * @module
 */

import { encodeBase64 } from "../storage/base64.ts";

/** Name of the cookie that carries the token once the page is opened. */
export const TOKEN_COOKIE = "p2pft_web";

/** Random bytes of a generated access token (128 bits). */
export const TOKEN_BYTES = 16;

/** A fresh random access token: 128 bits, base64url. */
export function newToken(): string {
  const text = encodeBase64(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
  return text.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** True when `given` equals `expected`, taking a time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const encoder = new TextEncoder();
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** The tokens a request carries: its `Authorization: Bearer` header, `?token=`, its cookie. */
export function requestTokens(request: Request): string[] {
  const bearer = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const query = new URL(request.url).searchParams.get("token");
  const cookie = cookieValue(request.headers.get("cookie") ?? "", TOKEN_COOKIE);
  return [bearer, query, cookie].filter((token): token is string => !!token);
}

/** The value of cookie `name` in a `Cookie` header, if set. */
export function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at < 0) continue;
    if (pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** The first of `given` that is one of `secrets` (each compared in constant time), if any. */
export function acceptedToken(
  given: readonly string[],
  secrets: readonly string[],
): string | undefined {
  let found: string | undefined;
  for (const token of given) {
    for (const secret of secrets) if (sameSecret(token, secret)) found ??= token;
  }
  return found;
}

/** The host name of a `Host` header (`name`, `name:port`, `[v6]:port`), lowercased. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return host.slice(1, end < 0 ? undefined : end);
  }
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

/** True for an IPv4 or IPv6 address literal. */
export function isIpLiteral(name: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return name.split(".").every((n) => Number(n) <= 255);
  return name.includes(":") && /^[0-9a-f:.]+(%[\w.-]+)?$/.test(name);
}

/**
 * True when a request's `Host` header names this server: an IP address
 * literal (a rebinding page has a domain name there), `localhost`, or one
 * of `names` (this machine's host names).
 */
export function hostAllowed(header: string | null, names: readonly string[] = []): boolean {
  if (header === null) return false;
  const name = hostName(header).replace(/\.$/, "");
  if (name === "") return false;
  if (isIpLiteral(name) || name === "localhost" || name.endsWith(".localhost")) return true;
  return names.some((allowed) => allowed.toLowerCase() === name);
}
