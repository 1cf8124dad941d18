/**
 * Pure DNS-SD (RFC 6763) over mDNS (RFC 6762) logic: the records of a service
 * instance, which of them answer a query, conflict detection, and turning
 * received records back into {@linkcode ServiceInstance}s. No sockets and no
 * clocks here, so every rule is unit-tested on its own.
 *
 * @module
 */

import {
  HOST_RECORD_TTL_S,
  KNOWN_ANSWER_MIN_TTL_FRACTION,
  OTHER_RECORD_TTL_S,
  SERVICE_ENUMERATION_NAME,
} from "./constants.ts";
import { isIpv6 } from "./addresses.ts";
import {
  type AddressRecord,
  canonicalName,
  type DnsMessage,
  type DnsQuestion,
  type DnsRecord,
  type PtrRecord,
  sameName,
  sameRecord,
  type SrvRecord,
  type TxtRecord,
} from "./dns_records.ts";
import {
  compareInstanceNames,
  decodeTxt,
  defaultTxt,
  encodeTxt,
  hostFullName,
  instanceFullName,
  instanceNameOf,
  normalizeServiceType,
} from "./service_names.ts";

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

/**
 * The records only this instance may own, probed for and defended (RFC 6762
 * §8.1, §9): SRV and TXT of the instance, addresses of the host.
 */
export function uniqueRecords(set: ServiceRecordSet): DnsRecord[] {
  return [set.srv, set.txt, ...set.addresses];
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

/** Whether an instance is usable: known port, host and at least one address, not a goodbye. */
export function isResolved(instance: ServiceInstance): boolean {
  return instance.ttl > 0 && instance.port > 0 && instance.host !== "" &&
    instance.addresses.length > 0;
}
