/**
 * Pure DNS-SD (RFC 6763) over mDNS (RFC 6762) logic: the records of a service
 * instance, which of them answer a query, conflict detection while probing,
 * and turning received records back into {@linkcode ServiceInstance}s. No
 * sockets and no clocks here, so every rule is unit-tested on its own.
 *
 * Names are written without the trailing dot (`_p2p-transfer._tcp.local`) and
 * compared case-insensitively, as DNS names are.
 *
 * @module
 */

import { PROTOCOL_NAME, PROTOCOL_VERSION } from "../constants.ts";
import {
  HOST_RECORD_TTL_S,
  KNOWN_ANSWER_MIN_TTL_FRACTION,
  MAX_LABEL_BYTES,
  MAX_TXT_STRING_BYTES,
  MDNS_DOMAIN,
  OTHER_RECORD_TTL_S,
  SERVICE_ENUMERATION_NAME,
  TXT_FORMAT_VERSION,
  TXT_KEY_PROTOCOL,
  TXT_KEY_PROTOCOL_VERSION,
  TXT_KEY_TXTVERS,
} from "./constants.ts";

/** Target and port of an SRV record. */
export interface SrvData {
  /** Priority (lower is preferred); 0 for mDNS. */
  priority: number;
  /** Weight among equal priorities; 0 for mDNS. */
  weight: number;
  /** TCP or UDP port of the service. */
  port: number;
  /** Host name the service runs on, e.g. `host.local`. */
  target: string;
}

/** Fields every resource record has. */
export interface RecordBase {
  /** Owner name, without trailing dot. */
  name: string;
  /** Time to live in seconds; 0 means "goodbye: forget this record". */
  ttl: number;
  /** mDNS cache-flush bit: this record replaces older ones of the same name and type. */
  flush?: boolean;
}

/** A PTR record (service type -> instance, or enumeration -> type). */
export interface PtrRecord extends RecordBase {
  /** Record type. */
  type: "PTR";
  /** Name pointed to. */
  data: string;
}

/** An SRV record (instance -> host and port). */
export interface SrvRecord extends RecordBase {
  /** Record type. */
  type: "SRV";
  /** Target and port. */
  data: SrvData;
}

/** A TXT record: a list of byte strings, usually `key=value`. */
export interface TxtRecord extends RecordBase {
  /** Record type. */
  type: "TXT";
  /** The strings, each at most 255 bytes. */
  data: Uint8Array[];
}

/** An A or AAAA record (host -> address). */
export interface AddressRecord extends RecordBase {
  /** Record type. */
  type: "A" | "AAAA";
  /** The address in its usual text form. */
  data: string;
}

/** The resource records discovery deals with; other types are ignored. */
export type DnsRecord = PtrRecord | SrvRecord | TxtRecord | AddressRecord;

/** One question of a query. */
export interface DnsQuestion {
  /** Name asked about, without trailing dot. */
  name: string;
  /** Record type asked for (`PTR`, `SRV`, `TXT`, `A`, `AAAA`, `ANY`, ...). */
  type: string;
  /** The mDNS "QU" bit: the asker prefers a unicast reply. */
  unicastResponse?: boolean;
}

/** A received or outgoing DNS message, reduced to what discovery uses. */
export interface DnsMessage {
  /** Whether this is a query or a response. */
  type: "query" | "response";
  /** Message id (0 in multicast mDNS). */
  id: number;
  /** Questions. */
  questions: DnsQuestion[];
  /** Answer section (in queries: the known answers). */
  answers: DnsRecord[];
  /** Authority section (in probes: the proposed records). */
  authorities: DnsRecord[];
  /** Additional section. */
  additionals: DnsRecord[];
}

/** What a service advertises. */
export interface ServiceDescription {
  /** Instance name, one DNS label, e.g. `p2pft server on alpha`. */
  instanceName: string;
  /** Service type, e.g. `_p2p-transfer._tcp.local` (`.local` is added if missing). */
  serviceType: string;
  /** Port the service listens on. */
  port: number;
  /** Host name (one label, e.g. `alpha`; `.local` is added). */
  host: string;
  /** TXT key/value pairs; default {@linkcode defaultTxt}. */
  txt?: Record<string, string>;
}

/** A service instance seen on the network. */
export interface ServiceInstance {
  /** Instance name (the first label of its full name), e.g. `p2pft server on alpha`. */
  instanceName: string;
  /** Service type, e.g. `_p2p-transfer._tcp.local`. */
  serviceType: string;
  /** Host name from the SRV record, e.g. `alpha.local`; empty while unknown. */
  host: string;
  /** Port from the SRV record; 0 while unknown. */
  port: number;
  /** IPv4 and IPv6 addresses of the host; IPv4 first. */
  addresses: string[];
  /** TXT pairs, keys in lower case. */
  txt: Record<string, string>;
  /** Remaining TTL in seconds; 0 means the instance said goodbye. */
  ttl: number;
}

/** The records of one advertised service instance, by role. */
export interface ServiceRecordSet {
  /** `<type>` PTR `<instance>.<type>` (shared). */
  ptr: PtrRecord;
  /** `_services._dns-sd._udp.local` PTR `<type>` (shared). */
  enumeration: PtrRecord;
  /** `<instance>.<type>` SRV (unique). */
  srv: SrvRecord;
  /** `<instance>.<type>` TXT (unique). */
  txt: TxtRecord;
  /** `<host>.local` A and AAAA (unique). */
  addresses: AddressRecord[];
}

/** Options of {@linkcode buildServiceRecords}. */
export interface BuildRecordsOptions {
  /** Addresses for the A/AAAA records. */
  addresses: string[];
  /** Builds goodbye records (TTL 0). */
  goodbye?: boolean;
}

/** Records answering a query. */
export interface QueryAnswer {
  /** Records that answer the questions. */
  answers: DnsRecord[];
  /** Records the asker will likely need next (RFC 6763 §12). */
  additionals: DnsRecord[];
  /** Every question answered had the QU bit: reply by unicast. */
  unicast: boolean;
}

/** Options of {@linkcode answerQuery}. */
export interface AnswerQueryOptions {
  /** Known answers of the query (its answer section), suppressed when fresh enough. */
  knownAnswers?: DnsRecord[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** DNS type numbers, used for the probe tiebreak ordering. */
const TYPE_CODES: Record<DnsRecord["type"], number> = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33 };

/** Bytes in an IPv4 address. */
const IPV4_BYTES = 4;

/** Bytes in an IPv6 address. */
const IPV6_BYTES = 16;

/** Number of 16-bit groups in an IPv6 address. */
const IPV6_GROUPS = 8;

/** Largest value of a byte. */
const BYTE_MAX = 0xff;

/** Bits in a byte. */
const BYTE_BITS = 8;

/** Radix of IPv6 groups. */
const HEX_RADIX = 16;

/** Lower-cases a DNS name and strips a trailing dot, for comparisons. */
export function canonicalName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

/** Whether two DNS names are equal (case-insensitive, trailing dot ignored). */
export function sameName(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b);
}

/**
 * The full form of a service type: `_p2p-transfer._tcp` and
 * `_p2p-transfer._tcp.local.` both give `_p2p-transfer._tcp.local`.
 */
export function normalizeServiceType(serviceType: string): string {
  const trimmed = serviceType.replace(/\.$/, "");
  const labels = trimmed.split(".");
  if (labels.length < 2 || !labels[0].startsWith("_") || !labels[1].startsWith("_")) {
    throw new Error(
      `"${serviceType}" is not a DNS-SD service type: write it like "_name._tcp.local".`,
    );
  }
  return canonicalName(trimmed).endsWith(`.${MDNS_DOMAIN}`) ? trimmed : `${trimmed}.${MDNS_DOMAIN}`;
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
    throw new Error(`"${name}" cannot be a service instance name: give a non-empty name.`);
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
  const trimmed = host.replace(/\.$/, "");
  return canonicalName(trimmed).endsWith(`.${MDNS_DOMAIN}`) ? trimmed : `${trimmed}.${MDNS_DOMAIN}`;
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
        `TXT key "${key}" is invalid: use printable ASCII without "=" (RFC 6763 §6.4).`,
      );
    }
    const bytes = encoder.encode(`${key}=${value}`);
    if (bytes.length > MAX_TXT_STRING_BYTES) {
      throw new Error(
        `TXT pair "${key}" is ${bytes.length} bytes, over the ${MAX_TXT_STRING_BYTES}-byte limit: ` +
          "shorten its value.",
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

/** Whether an address is IPv6 (has a colon). */
function isIpv6(address: string): boolean {
  return address.includes(":");
}

/** Builds every record of `service`, with A/AAAA records for `options.addresses`. */
export function buildServiceRecords(
  service: ServiceDescription,
  options: BuildRecordsOptions,
): ServiceRecordSet {
  const serviceType = normalizeServiceType(service.serviceType);
  const fullName = instanceFullName(service.instanceName, serviceType);
  const host = hostFullName(service.host);
  const hostTtl = options.goodbye ? 0 : HOST_RECORD_TTL_S;
  const otherTtl = options.goodbye ? 0 : OTHER_RECORD_TTL_S;
  return {
    ptr: { name: serviceType, type: "PTR", ttl: otherTtl, data: fullName },
    enumeration: { name: SERVICE_ENUMERATION_NAME, type: "PTR", ttl: otherTtl, data: serviceType },
    srv: {
      name: fullName,
      type: "SRV",
      ttl: hostTtl,
      flush: true,
      data: { priority: 0, weight: 0, port: service.port, target: host },
    },
    txt: {
      name: fullName,
      type: "TXT",
      ttl: otherTtl,
      flush: true,
      data: encodeTxt(service.txt ?? defaultTxt()),
    },
    addresses: options.addresses.map((address) => ({
      name: host,
      type: isIpv6(address) ? "AAAA" : "A",
      ttl: hostTtl,
      flush: true,
      data: address,
    })),
  };
}

/** Every record of a set, for announcements and goodbyes: PTR, SRV, TXT, addresses, enumeration. */
export function allRecords(set: ServiceRecordSet): DnsRecord[] {
  return [set.ptr, set.srv, set.txt, ...set.addresses, set.enumeration];
}

/** The records only this instance may own (SRV, TXT), proposed in probes. */
export function uniqueServiceRecords(set: ServiceRecordSet): DnsRecord[] {
  return [set.srv, set.txt];
}

/** Rdata of a record as a comparable string (case-insensitive for names). */
function rdataKey(record: DnsRecord): string {
  switch (record.type) {
    case "PTR":
      return canonicalName(record.data);
    case "SRV": {
      const d = record.data;
      return `${d.priority} ${d.weight} ${d.port} ${canonicalName(d.target)}`;
    }
    case "TXT":
      return record.data.map((bytes) => Array.from(bytes).join(",")).join("|");
    case "A":
    case "AAAA":
      return Array.from(addressBytes(record)).join(".");
  }
}

/** A key equal for two records with the same name, type and rdata. */
export function recordKey(record: DnsRecord): string {
  return `${canonicalName(record.name)}\u0000${record.type}\u0000${rdataKey(record)}`;
}

/** Whether two records have the same name, type and data (TTL and flush bit ignored). */
export function sameRecord(a: DnsRecord, b: DnsRecord): boolean {
  return recordKey(a) === recordKey(b);
}

/** Whether a question asks for records of `type` (or ANY) at `name`. */
function asks(question: DnsQuestion, name: string, type: DnsRecord["type"]): boolean {
  return sameName(question.name, name) && (question.type === type || question.type === "ANY");
}

/** Appends `records` to `list`, skipping the ones already there. */
function addUnique(list: DnsRecord[], records: DnsRecord[]): void {
  for (const record of records) {
    if (!list.some((existing) => sameRecord(existing, record))) list.push(record);
  }
}

/**
 * The records of `set` that answer `questions` (RFC 6762 §6, RFC 6763 §12):
 * PTR for the type brings SRV, TXT and addresses as additionals; SRV brings
 * the addresses; A/AAAA for the host brings the other family. Known answers
 * with at least half their TTL left are left out (RFC 6762 §7.1).
 * Returns empty lists when nothing is to be said.
 */
export function answerQuery(
  set: ServiceRecordSet,
  questions: DnsQuestion[],
  options: AnswerQueryOptions = {},
): QueryAnswer {
  const answers: DnsRecord[] = [];
  const additionals: DnsRecord[] = [];
  let unicast = true;
  const fullName = set.srv.name;
  const host = set.srv.data.target;
  for (const question of questions) {
    const found: DnsRecord[] = [];
    if (asks(question, set.ptr.name, "PTR")) {
      found.push(set.ptr);
      addUnique(additionals, [set.srv, set.txt, ...set.addresses]);
    }
    if (asks(question, set.enumeration.name, "PTR")) found.push(set.enumeration);
    if (asks(question, fullName, "SRV")) {
      found.push(set.srv);
      addUnique(additionals, set.addresses);
    }
    if (asks(question, fullName, "TXT")) found.push(set.txt);
    for (const address of set.addresses) {
      if (asks(question, host, address.type)) found.push(address);
    }
    if (found.length > 0) {
      addUnique(answers, found);
      unicast &&= question.unicastResponse === true;
      if (question.type === "A" || question.type === "AAAA") {
        addUnique(additionals, set.addresses.filter((a) => a.type !== question.type));
      }
    }
  }
  const known = options.knownAnswers ?? [];
  const fresh = answers.filter((answer) =>
    !known.some((k) => sameRecord(k, answer) && k.ttl >= answer.ttl * KNOWN_ANSWER_MIN_TTL_FRACTION)
  );
  const extra = additionals.filter((a) => !fresh.some((answer) => sameRecord(answer, a)));
  return {
    answers: fresh,
    additionals: fresh.length === 0 ? [] : extra,
    unicast: fresh.length > 0 && unicast,
  };
}

/**
 * Records of a response that conflict with the unique records we own or
 * probe for (RFC 6762 §8.1, §9): any record whose name is one of ours and
 * that is not identical to one of our records.
 */
export function findConflicts(response: DnsMessage, ours: DnsRecord[]): DnsRecord[] {
  const names = new Set(ours.map((record) => canonicalName(record.name)));
  return [...response.answers, ...response.additionals].filter((record) =>
    names.has(canonicalName(record.name)) && !ours.some((own) => sameRecord(own, record))
  );
}

/** Encodes a DNS name as uncompressed wire labels. */
function nameBytes(name: string): number[] {
  const bytes: number[] = [];
  for (const label of name.replace(/\.$/, "").split(".")) {
    if (label === "") continue;
    const encoded = encoder.encode(label);
    bytes.push(encoded.length, ...encoded);
  }
  bytes.push(0);
  return bytes;
}

/** Parses an IPv4 address; throws if it is not one. */
function ipv4Bytes(address: string): Uint8Array {
  const parts = address.split(".").map(Number);
  if (
    parts.length !== IPV4_BYTES || parts.some((p) => !Number.isInteger(p) || p < 0 || p > BYTE_MAX)
  ) {
    throw new Error(`"${address}" is not an IPv4 address.`);
  }
  return Uint8Array.from(parts);
}

/** Parses an IPv6 address (with `::`, an optional dotted IPv4 tail and zone); throws if invalid. */
function ipv6Bytes(address: string): Uint8Array {
  let text = address.split("%")[0];
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (lastColon !== -1 && text.slice(lastColon + 1).includes(".")) {
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    tail.push((v4[0] << BYTE_BITS) | v4[1], (v4[2] << BYTE_BITS) | v4[3]);
    text = text.slice(0, lastColon);
    if (text.endsWith(":") && !text.endsWith("::")) text += ":";
  }
  const parseGroups = (part: string) =>
    part === ""
      ? []
      : part.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, HEX_RADIX) : NaN));
  const halves = text.split("::");
  const head = parseGroups(halves[0]);
  const rest = halves.length > 1 ? parseGroups(halves[1]) : [];
  const missing = IPV6_GROUPS - head.length - rest.length - tail.length;
  const groups = halves.length === 2 && missing >= 1
    ? [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail]
    : [...head, ...tail];
  if (halves.length > 2 || groups.length !== IPV6_GROUPS || groups.some((g) => Number.isNaN(g))) {
    throw new Error(`"${address}" is not an IPv6 address.`);
  }
  const bytes = new Uint8Array(IPV6_BYTES);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> BYTE_BITS;
    bytes[2 * i + 1] = g & BYTE_MAX;
  });
  return bytes;
}

/** The 4 or 16 bytes of an A or AAAA record. */
function addressBytes(record: AddressRecord): Uint8Array {
  return record.type === "A" ? ipv4Bytes(record.data) : ipv6Bytes(record.data);
}

/** Rdata of a record in wire format (uncompressed), for the probe tiebreak. */
function rdataBytes(record: DnsRecord): number[] {
  switch (record.type) {
    case "PTR":
      return nameBytes(record.data);
    case "SRV": {
      const d = record.data;
      const u16 = (n: number) => [n >> BYTE_BITS, n & BYTE_MAX];
      return [...u16(d.priority), ...u16(d.weight), ...u16(d.port), ...nameBytes(d.target)];
    }
    case "TXT":
      return record.data.flatMap((bytes) => [bytes.length, ...bytes]);
    case "A":
    case "AAAA":
      return Array.from(addressBytes(record));
  }
}

/** Compares two byte lists lexicographically (a shorter prefix is smaller). */
function compareBytes(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/**
 * Simultaneous probe tiebreak (RFC 6762 §8.2): compares our proposed records
 * with the ones another host proposes for the same name, both sorted by type
 * then rdata. Negative means we lose (ours are lexicographically earlier) and
 * must wait and probe again; positive means we win; 0 means identical.
 */
export function compareProbeRecords(ours: DnsRecord[], theirs: DnsRecord[]): number {
  const sorted = (records: DnsRecord[]) =>
    records.map((
      r,
    ) => [TYPE_CODES[r.type] >> BYTE_BITS, TYPE_CODES[r.type] & BYTE_MAX, ...rdataBytes(r)])
      .sort(compareBytes);
  const a = sorted(ours);
  const b = sorted(theirs);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareBytes(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
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
 * Assembles the instances of `serviceType` described by `records` (answers
 * and additionals of one response merged, or a whole cache). An instance is
 * named by a PTR of the type or by an SRV/TXT under it; host, port, TXT and
 * addresses are filled from whatever records are there (empty when missing:
 * see {@linkcode isResolved}). Its TTL is the PTR's (else the SRV's), so a
 * goodbye PTR yields `ttl: 0`. Instances are sorted by name.
 */
export function instancesFromRecords(records: DnsRecord[], serviceType: string): ServiceInstance[] {
  const type = normalizeServiceType(serviceType);
  const byName = new Map<string, { fullName: string; ptrTtl?: number }>();
  for (const record of records) {
    const fullName = record.type === "PTR" && sameName(record.name, type)
      ? record.data
      : (record.type === "SRV" || record.type === "TXT") && instanceNameOf(record.name, type)
      ? record.name
      : undefined;
    if (fullName === undefined || instanceNameOf(fullName, type) === undefined) continue;
    const key = canonicalName(fullName);
    const entry = byName.get(key) ?? { fullName };
    if (record.type === "PTR") entry.ptrTtl = Math.max(entry.ptrTtl ?? 0, record.ttl);
    byName.set(key, entry);
  }
  const instances: ServiceInstance[] = [];
  for (const [key, entry] of byName) {
    const srv = records.find((r): r is SrvRecord =>
      r.type === "SRV" && canonicalName(r.name) === key
    );
    const txt = records.find((r): r is TxtRecord =>
      r.type === "TXT" && canonicalName(r.name) === key
    );
    const host = srv?.data.target ?? "";
    const addresses = host === "" ? [] : records
      .filter((r): r is AddressRecord =>
        (r.type === "A" || r.type === "AAAA") && sameName(r.name, host) && r.ttl > 0
      )
      .sort((a, b) => (a.type === b.type ? 0 : a.type === "A" ? -1 : 1))
      .map((r) => r.data)
      .filter((address, i, list) => list.indexOf(address) === i);
    instances.push({
      instanceName: instanceNameOf(entry.fullName, type) ?? entry.fullName,
      serviceType: type,
      host: host.replace(/\.$/, ""),
      port: srv?.data.port ?? 0,
      addresses,
      txt: txt ? decodeTxt(txt.data) : {},
      ttl: entry.ptrTtl ?? srv?.ttl ?? 0,
    });
  }
  return instances.sort((a, b) => compareInstanceNames(a.instanceName, b.instanceName));
}

/**
 * Parses the instances of `serviceType` in a received response, its answers
 * and additionals merged (see {@linkcode instancesFromRecords}).
 */
export function parseServiceInstances(
  response: DnsMessage,
  serviceType: string,
): ServiceInstance[] {
  return instancesFromRecords([...response.answers, ...response.additionals], serviceType);
}

/** Whether an instance is usable: known port, host and at least one address, not a goodbye. */
export function isResolved(instance: ServiceInstance): boolean {
  return instance.ttl > 0 && instance.port > 0 && instance.host !== "" &&
    instance.addresses.length > 0;
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
