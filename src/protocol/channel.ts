/**
 * The byte channel under every p2pft connection. It is the seam where an
 * encrypted channel will slot in: framing, server and peer code only ever see
 * this interface, never a raw socket.
 *
 * @module
 */

/** A reliable, ordered, bidirectional byte stream. `Deno.TcpConn` is one. */
export interface ByteChannel {
  /** Reads into `buffer`; resolves to the count read, or `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `buffer`; resolves to the count written. */
  write(buffer: Uint8Array): Promise<number>;
  /** Closes both directions. */
  close(): void;
  /**
   * Resolves once a `read` would not wait (bytes arrived, or the end or an
   * error). Optional: with it, an idle connection waits on one promise
   * instead of a chain of pending reads.
   */
  whenReadable?(): Promise<void>;
  /** Address of the other end. */
  readonly remoteAddr: Deno.Addr;
  /** Address of this end. */
  readonly localAddr: Deno.Addr;
}

/** Writes all of `buffer` to `channel`, looping over short writes. */
export async function writeAll(channel: ByteChannel, buffer: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    offset += await channel.write(buffer.subarray(offset));
  }
}

/** Formats a network address as `host:port` (IPv6 hosts in brackets). */
export function formatAddr(addr: Deno.Addr): string {
  // A connection upgraded with `Deno.startTls` reports its address without `transport`.
  if ("hostname" in addr && "port" in addr) return formatHostPort(addr.hostname, addr.port);
  return addr.transport;
}

/** Joins a host and a port as `host:port`, bracketing IPv6 hosts. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A parsed `host:port` address. */
export interface HostPort {
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  /** TCP port, 0 meaning "any free port" when listening. */
  port: number;
}

/** Largest TCP port number. */
const MAX_PORT = 65_535;

/**
 * Parses `host:port`, `[v6]:port` or `:port` (any host). Throws an error that
 * says what is wrong and shows the expected form.
 */
export function parseHostPort(text: string, options: { defaultHost?: string } = {}): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) {
    throw new Error(`"${text}" is not an address: expected HOST:PORT, e.g. 127.0.0.1:8000`);
  }
  const port = Number(match[3]);
  if (port > MAX_PORT) {
    throw new Error(`port ${port} in "${text}" is out of range: use 0 to ${MAX_PORT}`);
  }
  const host = match[1] ?? match[2] ?? "";
  return { host: host === "" ? options.defaultHost ?? "0.0.0.0" : host, port };
}
