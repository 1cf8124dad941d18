/**
 * The DNS resource records discovery deals with (PTR, SRV, TXT, A, AAAA) as
 * plain objects, and everything that needs their wire form: converting to
 * and from the packets of the `dns-packet` library (which `multicast-dns`
 * sends and receives), record identity, and the byte order of the
 * simultaneous-probe tiebreak. `dns-packet` does all the byte encoding.
 *
 * Names are written without the trailing dot (`_p2p-transfer._tcp.local`) and
 * compared case-insensitively, as DNS names are.
 *
 * @module
 */

// @ts-types="@types/dns-packet"
import * as dnsPacket from "dns-packet";
import { Buffer } from "node:buffer";

/** Target and port of an SRV record. */
export interface SrvData {
  /** Lower is preferred; always 0 in mDNS. */
  priority: number;
  /** Share among records of equal priority; always 0 in mDNS. */
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
  type: "PTR";
  /** The name it points to: an instance's full name, or a service type. */
  data: string;
}

/** An SRV record (instance -> host and port). */
export interface SrvRecord extends RecordBase {
  type: "SRV";
  data: SrvData;
}

/** A TXT record: a list of byte strings, usually `key=value`. */
export interface TxtRecord extends RecordBase {
  type: "TXT";
  /** The strings, each at most 255 bytes. */
  data: Uint8Array[];
}

/** An A or AAAA record (host -> address). */
export interface AddressRecord extends RecordBase {
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
  type: "query" | "response";
  /** 0 in multicast mDNS; a legacy unicast asker expects its own back. */
  id: number;
  questions: DnsQuestion[];
  /** In queries: the known answers the asker already holds. */
  answers: DnsRecord[];
  /** In probes: the records the prober proposes to own. */
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

/** A message to send: the sections left out are empty. */
export type OutgoingMessage = Partial<DnsMessage> & Pick<DnsMessage, "type">;

/** A message in the shape dns-packet (and so multicast-dns) encodes, every section present. */
export type WirePacket = Required<Omit<dnsPacket.Packet, "flags">>;

/** Class value dns-packet gives a question with the QU bit set (0x8001). */
const QU_CLASS = "UNKNOWN_32769";

/** Bytes of a DNS message header (RFC 1035 §4.1.1). */
const HEADER_BYTES = 12;

/** Where the type of the first record starts when that record is named by the root (one byte). */
const ROOT_RECORD_TYPE_OFFSET = HEADER_BYTES + 1;

/** Bytes of a record's type (RFC 1035 §4.1.3). */
const TYPE_BYTES = 2;

/** Where that record's rdata starts: after type, class (2), TTL (4) and rdlength (2). */
const ROOT_RECORD_RDATA_OFFSET = ROOT_RECORD_TYPE_OFFSET + TYPE_BYTES + 2 + 4 + 2;

/** Lower-cases a DNS name and strips a trailing dot, for comparisons. */
export function canonicalName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

/** Whether two DNS names are equal (case-insensitive, trailing dot ignored). */
export function sameName(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b);
}

/** A record in the shape dns-packet encodes. */
function toPacketRecord(record: DnsRecord): dnsPacket.Answer {
  const base = { name: record.name, ttl: record.ttl, class: "IN" as const, flush: !!record.flush };
  switch (record.type) {
    case "TXT":
      return { ...base, type: "TXT", data: record.data.map((bytes) => Buffer.from(bytes)) };
    case "SRV":
      return { ...base, type: "SRV", data: { ...record.data } };
    case "AAAA":
      // A zone (`%eth0`) means nothing to another host.
      return { ...base, type: "AAAA", data: record.data.split("%")[0] };
    default:
      return { ...base, type: record.type, data: record.data };
  }
}

/** A message in the shape dns-packet (and so multicast-dns) encodes. */
export function toPacket(message: OutgoingMessage): WirePacket {
  return {
    type: message.type,
    id: message.id ?? 0,
    questions: (message.questions ?? []).map((q) => ({
      name: q.name,
      type: q.type as dnsPacket.RecordType,
    })),
    answers: (message.answers ?? []).map(toPacketRecord),
    authorities: (message.authorities ?? []).map(toPacketRecord),
    additionals: (message.additionals ?? []).map(toPacketRecord),
  };
}

/** A record decoded by dns-packet, or undefined for the types discovery ignores. */
function fromPacketRecord(raw: dnsPacket.Answer): DnsRecord | undefined {
  if (raw.type === "OPT") return undefined;
  const base = { name: raw.name, ttl: raw.ttl ?? 0, flush: raw.flush === true };
  switch (raw.type) {
    case "PTR":
    case "A":
    case "AAAA":
      return { ...base, type: raw.type, data: raw.data };
    case "SRV": {
      const { priority = 0, weight = 0, port, target } = raw.data;
      return { ...base, type: "SRV", data: { priority, weight, port, target } };
    }
    case "TXT": {
      const list = Array.isArray(raw.data) ? raw.data : [raw.data];
      return {
        ...base,
        type: "TXT",
        data: list.map((item) =>
          typeof item === "string" ? new TextEncoder().encode(item) : new Uint8Array(item)
        ),
      };
    }
  }
  return undefined;
}

/** A packet decoded by dns-packet as a {@linkcode DnsMessage}, records of other types left out. */
export function fromPacket(packet: dnsPacket.Packet): DnsMessage {
  const records = (section: dnsPacket.Answer[] | undefined) =>
    (section ?? []).map(fromPacketRecord).filter((record) => record !== undefined);
  return {
    type: packet.type === "response" ? "response" : "query",
    id: packet.id ?? 0,
    questions: (packet.questions ?? []).map((q) => ({
      name: String(q.name),
      type: String(q.type),
      unicastResponse: (q.class as string) === QU_CLASS,
    })),
    answers: records(packet.answers),
    authorities: records(packet.authorities),
    additionals: records(packet.additionals),
  };
}

/**
 * Type code and rdata of `record` in wire format, names uncompressed, as
 * dns-packet encodes them: the record is encoded alone, named by the root.
 */
function typeAndRdata(record: DnsRecord): Uint8Array {
  const wire = dnsPacket.encode({
    answers: [toPacketRecord({ ...record, name: "", ttl: 0, flush: false })],
  });
  const type = wire.subarray(ROOT_RECORD_TYPE_OFFSET, ROOT_RECORD_TYPE_OFFSET + TYPE_BYTES);
  return Uint8Array.from([...type, ...wire.subarray(ROOT_RECORD_RDATA_OFFSET)]);
}

/** `record` with the names in its data lower-cased, so equal data encodes equally. */
function withCanonicalData(record: DnsRecord): DnsRecord {
  switch (record.type) {
    case "PTR":
      return { ...record, data: canonicalName(record.data) };
    case "SRV":
      return { ...record, data: { ...record.data, target: canonicalName(record.data.target) } };
    default:
      return record;
  }
}

/**
 * A key equal for two records with the same name, type and rdata (names
 * case-insensitive, addresses compared as bytes, so `fd00:0::1` equals
 * `fd00::1`); TTL and cache-flush bit do not count.
 */
export function recordKey(record: DnsRecord): string {
  const bytes = typeAndRdata(withCanonicalData(record));
  return `${canonicalName(record.name)}\u0000${Buffer.from(bytes).toString("hex")}`;
}

/** Whether two records have the same name, type and data (TTL and flush bit ignored). */
export function sameRecord(a: DnsRecord, b: DnsRecord): boolean {
  return recordKey(a) === recordKey(b);
}

/** Compares two byte strings lexicographically (a shorter prefix is smaller). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/**
 * Simultaneous probe tiebreak (RFC 6762 §8.2): compares our proposed records
 * with the ones another host proposes for the same name, both sorted by type
 * then rdata (all are class IN). Negative means we lose (ours are
 * lexicographically earlier) and must wait and probe again; positive means
 * we win; 0 means identical.
 */
export function compareProbeRecords(ours: DnsRecord[], theirs: DnsRecord[]): number {
  const sorted = (records: DnsRecord[]) => records.map(typeAndRdata).sort(compareBytes);
  const a = sorted(ours);
  const b = sorted(theirs);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareBytes(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}
