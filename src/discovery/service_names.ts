/**
 * The names and TXT pairs of DNS-SD (RFC 6763): service types, instance and
 * host labels, the renames that follow a conflict, and the `key=value`
 * strings of TXT records. Pure text rules, each unit-tested on its own.
 *
 * @module
 */

import { PROTOCOL_NAME, PROTOCOL_VERSION } from "../constants.ts";
import {
  MAX_LABEL_BYTES,
  MAX_TXT_STRING_BYTES,
  MDNS_DOMAIN,
  TXT_FORMAT_VERSION,
  TXT_KEY_PROTOCOL,
  TXT_KEY_PROTOCOL_VERSION,
  TXT_KEY_TXTVERS,
} from "./constants.ts";
import { canonicalName } from "./dns_records.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `name` with `.local` added unless it already ends in it, and no trailing dot. */
function inMdnsDomain(name: string): string {
  const trimmed = name.replace(/\.$/, "");
  return canonicalName(trimmed).endsWith(`.${MDNS_DOMAIN}`) ? trimmed : `${trimmed}.${MDNS_DOMAIN}`;
}

/**
 * The full form of a service type: `_p2p-transfer._tcp` and
 * `_p2p-transfer._tcp.local.` both give `_p2p-transfer._tcp.local`.
 * Throws when it is not `_name._proto`.
 */
export function normalizeServiceType(serviceType: string): string {
  const labels = serviceType.replace(/\.$/, "").split(".");
  if (labels.length < 2 || !labels[0].startsWith("_") || !labels[1].startsWith("_")) {
    throw new Error(
      `"${serviceType}" is not a DNS-SD service type: write it like "_name._tcp.local"`,
    );
  }
  return inMdnsDomain(serviceType);
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let result = "";
  let bytes = 0;
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > maxBytes) break;
    result += char;
    bytes += size;
  }
  return result;
}

/**
 * Makes `name` usable as an instance name: one DNS label of at most 63 bytes.
 * Dots become `-` (the DNS encoder in use cannot escape them), control
 * characters are dropped, and an empty result is an error.
 */
export function sanitizeInstanceName(name: string): string {
  // deno-lint-ignore no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, "").replaceAll(".", "-").trim();
  const result = truncateUtf8(cleaned, MAX_LABEL_BYTES).trim();
  if (result === "") {
    throw new Error(`"${name}" cannot be a service instance name: give a non-empty name`);
  }
  return result;
}

/**
 * Makes `host` usable as an mDNS host label: the part before the first dot,
 * letters, digits and `-` only, at most 63 bytes. Returns `fallback` if
 * nothing is left.
 */
export function sanitizeHostName(host: string, fallback = PROTOCOL_NAME): string {
  const label = host.replace(/\.$/, "").replace(new RegExp(`\\.${MDNS_DOMAIN}$`, "i"), "")
    .split(".")[0];
  const cleaned = label.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, MAX_LABEL_BYTES);
  return cleaned === "" ? fallback : cleaned;
}

/** `<instance>.<service type>`, e.g. `p2pft server on alpha._p2p-transfer._tcp.local`. */
export function instanceFullName(instanceName: string, serviceType: string): string {
  return `${instanceName}.${normalizeServiceType(serviceType)}`;
}

/** `<host>.local` for a host label (or the name itself if it already ends in `.local`). */
export function hostFullName(host: string): string {
  return inMdnsDomain(host);
}

/**
 * The instance name within `fullName` if it is `<instance>.<serviceType>`,
 * otherwise undefined.
 */
export function instanceNameOf(fullName: string, serviceType: string): string | undefined {
  const suffix = `.${canonicalName(normalizeServiceType(serviceType))}`;
  const name = fullName.replace(/\.$/, "");
  if (!name.toLowerCase().endsWith(suffix) || name.length <= suffix.length) return undefined;
  return name.slice(0, name.length - suffix.length);
}

/**
 * The next name to try after a conflict (RFC 6763 appendix D):
 * `name` -> `name (2)` -> `name (3)`, kept within one 63-byte label.
 */
export function nextInstanceName(name: string): string {
  const match = /^(.*) \((\d+)\)$/.exec(name);
  const base = match ? match[1] : name;
  const next = match ? Number(match[2]) + 1 : 2;
  const suffix = ` (${next})`;
  return truncateUtf8(base, MAX_LABEL_BYTES - encoder.encode(suffix).length) + suffix;
}

/** `host` -> `host-2` -> `host-3` (host names take a dash, not a space, after a conflict). */
export function nextHostName(host: string): string {
  const match = /^(.*)-(\d+)$/.exec(host);
  return match ? `${match[1]}-${Number(match[2]) + 1}` : `${host}-2`;
}

/**
 * Orders instance names: case-insensitively first, then by exact code
 * points, so the order is total and the same on every machine.
 */
export function compareInstanceNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** The TXT pairs p2pft advertises: TXT format version, protocol name and version. */
export function defaultTxt(): Record<string, string> {
  return {
    [TXT_KEY_TXTVERS]: TXT_FORMAT_VERSION,
    [TXT_KEY_PROTOCOL]: PROTOCOL_NAME,
    [TXT_KEY_PROTOCOL_VERSION]: String(PROTOCOL_VERSION),
  };
}

/**
 * Encodes TXT pairs as `key=value` strings (RFC 6763 §6). An empty record is
 * one empty string, as the RFC requires. Throws on a key that is empty or has
 * `=`, or a pair longer than 255 bytes.
 */
export function encodeTxt(txt: Record<string, string>): Uint8Array[] {
  const strings: Uint8Array[] = [];
  for (const [key, value] of Object.entries(txt)) {
    if (key === "" || key.includes("=") || /[^\u0020-\u007e]/.test(key)) {
      throw new Error(
        `TXT key "${key}" is invalid: use printable ASCII without "=" (RFC 6763 §6.4)`,
      );
    }
    const bytes = encoder.encode(`${key}=${value}`);
    if (bytes.length > MAX_TXT_STRING_BYTES) {
      throw new Error(
        `TXT pair "${key}" is ${bytes.length} bytes, over the ${MAX_TXT_STRING_BYTES}-byte limit: ` +
          "shorten its value",
      );
    }
    strings.push(bytes);
  }
  return strings.length === 0 ? [new Uint8Array(0)] : strings;
}

/**
 * Decodes TXT strings into pairs: keys lower-cased, the first occurrence of a
 * key wins, a key without `=` gets the value `""`, empty strings are skipped
 * (RFC 6763 §6.4). Values are read as UTF-8.
 */
export function decodeTxt(strings: Uint8Array[]): Record<string, string> {
  const txt: Record<string, string> = {};
  for (const bytes of strings) {
    if (bytes.length === 0) continue;
    const text = decoder.decode(bytes);
    const equals = text.indexOf("=");
    const key = (equals === -1 ? text : text.slice(0, equals)).toLowerCase();
    if (key === "" || Object.hasOwn(txt, key)) continue;
    txt[key] = equals === -1 ? "" : text.slice(equals + 1);
  }
  return txt;
}
