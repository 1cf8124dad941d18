/**
 * A thin promise-based wrapper around the `multicast-dns` package: one UDP
 * socket on port 5353 joined to 224.0.0.251, sending and receiving
 * {@linkcode DnsMessage}s. The conversion between the package's packets and
 * the plain records of `dns_sd.ts` lives here and nowhere else.
 *
 * @module
 */

// @ts-types="@types/multicast-dns"
import mdns from "multicast-dns";
import { Buffer } from "node:buffer";
import { MDNS_IPV4_GROUP, MDNS_PORT } from "./constants.ts";
import type { DnsMessage, DnsQuestion, DnsRecord } from "./dns_sd.ts";

/** Severity of a discovery log line. */
export type DiscoveryLogLevel = "debug" | "info" | "warn" | "error";

/** Receives the log lines of the advertiser and the browser. */
export type DiscoveryLog = (level: DiscoveryLogLevel, message: string) => void;

/** Where a packet came from, or where a unicast packet goes. */
export interface MdnsRemote {
  /** IP address. */
  address: string;
  /** UDP port (5353 for a full mDNS responder; anything else is a "legacy" one-shot asker). */
  port: number;
}

/** A message to send: the sections left out are empty. */
export type OutgoingMessage = Partial<DnsMessage> & Pick<DnsMessage, "type">;

/** An open mDNS socket. */
export interface MdnsSocket {
  /** Sends a message, by multicast unless `to` is given. Never throws: failures are logged. */
  send(message: OutgoingMessage, to?: MdnsRemote): Promise<void>;
  /** Registers the function called with every well-formed message received. */
  onMessage(listener: (message: DnsMessage, from: MdnsRemote) => void): void;
  /** Leaves the group and closes the socket. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@linkcode openMdnsSocket}. */
export interface MdnsSocketOptions {
  /**
   * Interface to use, by name (`eth0`) or IPv4 address; default: join the
   * group on every interface and send by the routing table.
   */
  interface?: string;
  /** Where log lines go. */
  log?: DiscoveryLog;
}

/** Class value dns-packet gives a question with the QU bit set (0x8001). */
const QU_CLASS = "UNKNOWN_32769";

/** Record types kept from received packets. */
const KNOWN_TYPES = new Set(["PTR", "SRV", "TXT", "A", "AAAA"]);

/** Whether `text` is a dotted IPv4 address. */
function isIpv4(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text);
}

/**
 * The IPv4 address of an interface given by name or address. Throws, naming
 * the interfaces there are, when it has none.
 */
export function interfaceIpv4(nameOrAddress: string): string {
  if (isIpv4(nameOrAddress)) return nameOrAddress;
  const interfaces = Deno.networkInterfaces();
  const found = interfaces.find((i) => i.name === nameOrAddress && i.family === "IPv4");
  if (found) return found.address;
  const names = [...new Set(interfaces.map((i) => i.name))].join(", ");
  throw new Error(
    `Network interface "${nameOrAddress}" has no IPv4 address for mDNS: pick one of ${
      names || "(none)"
    }.`,
  );
}

/** Converts one decoded dns-packet record, or returns undefined for types we ignore. */
function fromPacketRecord(raw: Record<string, unknown>): DnsRecord | undefined {
  const type = String(raw.type);
  if (!KNOWN_TYPES.has(type) || typeof raw.name !== "string") return undefined;
  const base = { name: raw.name, ttl: Number(raw.ttl ?? 0), flush: raw.flush === true };
  const data = raw.data;
  switch (type) {
    case "PTR":
    case "A":
    case "AAAA":
      return typeof data === "string"
        ? { ...base, type: type as "PTR" | "A" | "AAAA", data }
        : undefined;
    case "SRV": {
      const srv = data as Record<string, unknown> | undefined;
      if (!srv || typeof srv.target !== "string") return undefined;
      return {
        ...base,
        type: "SRV",
        data: {
          priority: Number(srv.priority ?? 0),
          weight: Number(srv.weight ?? 0),
          port: Number(srv.port ?? 0),
          target: srv.target,
        },
      };
    }
    case "TXT": {
      const list = Array.isArray(data) ? data : [data];
      return {
        ...base,
        type: "TXT",
        data: list.map((item) =>
          typeof item === "string"
            ? new TextEncoder().encode(item)
            : new Uint8Array(item as Uint8Array)
        ),
      };
    }
  }
  return undefined;
}

/** Converts a decoded dns-packet packet into a {@linkcode DnsMessage}. */
function fromPacket(packet: Record<string, unknown>): DnsMessage {
  const records = (section: unknown) =>
    (Array.isArray(section) ? section : [])
      .map((raw) => fromPacketRecord(raw as Record<string, unknown>))
      .filter((record): record is DnsRecord => record !== undefined);
  const questions: DnsQuestion[] = (Array.isArray(packet.questions) ? packet.questions : [])
    .map((q: Record<string, unknown>) => ({
      name: String(q.name),
      type: String(q.type),
      unicastResponse: q.class === QU_CLASS,
    }));
  return {
    type: packet.type === "response" ? "response" : "query",
    id: Number(packet.id ?? 0),
    questions,
    answers: records(packet.answers),
    authorities: records(packet.authorities),
    additionals: records(packet.additionals),
  };
}

/** Converts a record into the shape dns-packet encodes. */
function toPacketRecord(record: DnsRecord): Record<string, unknown> {
  const data = record.type === "TXT" ? record.data.map((bytes) => Buffer.from(bytes)) : record.data;
  return {
    name: record.name,
    type: record.type,
    ttl: record.ttl,
    class: "IN",
    flush: record.flush === true,
    data,
  };
}

/**
 * Opens an mDNS socket (UDP 5353 with address reuse, so that other
 * responders on the machine keep working) and joins the mDNS group. Throws
 * if the port cannot be bound.
 */
export function openMdnsSocket(options: MdnsSocketOptions = {}): Promise<MdnsSocket> {
  const log: DiscoveryLog = options.log ?? (() => {});
  const iface = options.interface === undefined ? undefined : interfaceIpv4(options.interface);
  const instance = mdns({
    interface: iface,
    bind: "0.0.0.0",
    port: MDNS_PORT,
    ip: MDNS_IPV4_GROUP,
    reuseAddr: true,
    loopback: true,
  });
  let closed = false;
  instance.on("warning", (error: Error) => log("debug", `mDNS socket warning: ${error.message}`));

  const socket: MdnsSocket = {
    send(message, to) {
      if (closed) return Promise.resolve();
      const packet = {
        id: message.id ?? 0,
        questions: (message.questions ?? []).map((q) => ({ name: q.name, type: q.type })),
        answers: (message.answers ?? []).map(toPacketRecord),
        authorities: (message.authorities ?? []).map(toPacketRecord),
        additionals: (message.additionals ?? []).map(toPacketRecord),
      };
      return new Promise((resolve) => {
        const done = (error: Error | null) => {
          if (error) log("warn", `Could not send an mDNS ${message.type}: ${error.message}`);
          resolve();
        };
        // deno-lint-ignore no-explicit-any
        const outgoing = packet as any;
        try {
          if (message.type === "query") instance.query(outgoing, to, done);
          else instance.respond(outgoing, to, done);
        } catch (error) {
          done(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    onMessage(listener) {
      instance.on("packet", (packet: Record<string, unknown>, rinfo: MdnsRemote) => {
        if (closed) return;
        listener(fromPacket(packet), { address: rinfo.address, port: rinfo.port });
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => instance.destroy(() => resolve()));
    },
  };

  return new Promise((resolve, reject) => {
    instance.once("ready", () => {
      instance.removeAllListeners("error");
      instance.on("error", (error: Error) => log("warn", `mDNS socket error: ${error.message}`));
      resolve(socket);
    });
    instance.once("error", (error: Error) => {
      closed = true;
      instance.destroy();
      reject(
        new Error(
          `Could not open the mDNS socket (UDP port ${MDNS_PORT}): ${error.message}. ` +
            "Check that no other program holds the port exclusively and that this process may bind it.",
        ),
      );
    });
  });
}
