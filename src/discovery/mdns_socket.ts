/**
 * A thin promise-based wrapper around the `multicast-dns` package: one UDP
 * socket on port 5353 joined to 224.0.0.251, sending and receiving
 * {@linkcode DnsMessage}s (converted to and from the package's packets by
 * `dns_records.ts`).
 *
 * @module
 */

// @ts-types="@types/dns-packet"
import type { Packet } from "dns-packet";
import { isIpv4 } from "./addresses.ts";
import { MDNS_IPV4_GROUP, MDNS_PORT } from "./constants.ts";
import { type DnsMessage, fromPacket, type OutgoingMessage, toPacket } from "./dns_records.ts";

/** Severity of a discovery log line. */
export type DiscoveryLogLevel = "debug" | "info" | "warn" | "error";

/** Receives the log lines of the advertiser and the browser. */
export type DiscoveryLog = (level: DiscoveryLogLevel, message: string) => void;

/** Where a packet came from, or where a unicast packet goes. */
export interface MdnsRemote {
  address: string;
  /** UDP port (5353 for a full mDNS responder; anything else is a "legacy" one-shot asker). */
  port: number;
}

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
    `network interface "${nameOrAddress}" has no IPv4 address for mDNS: pick one of ${
      names || "(none)"
    }`,
  );
}

/**
 * Opens an mDNS socket (UDP 5353 with address reuse, so that other
 * responders on the machine keep working) and joins the mDNS group. Throws
 * if the port cannot be bound. `multicast-dns` is loaded here, on first use,
 * so that runs without mDNS never load it.
 */
export async function openMdnsSocket(options: MdnsSocketOptions = {}): Promise<MdnsSocket> {
  const log: DiscoveryLog = options.log ?? (() => {});
  const iface = options.interface === undefined ? undefined : interfaceIpv4(options.interface);
  // @ts-types="@types/multicast-dns"
  const { default: mdns } = await import("multicast-dns");
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
      const packet = toPacket(message);
      return new Promise((resolve) => {
        const done = (error: Error | null) => {
          if (error) log("warn", `could not send an mDNS ${message.type}: ${error.message}`);
          resolve();
        };
        try {
          if (message.type === "query") instance.query(packet, to, done);
          else instance.respond(packet, to, done);
        } catch (error) {
          done(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    onMessage(listener) {
      instance.on("packet", (packet: Packet, rinfo: MdnsRemote) => {
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
          `could not open the mDNS socket (UDP port ${MDNS_PORT}): ${error.message}; ` +
            "check that no other program holds the port exclusively and that this process may bind it",
        ),
      );
    });
  });
}
