/**
 * A raw HTTP/1.1 connection to a loopback port from a chosen loopback
 * source address (127.0.0.2, 127.0.0.3, ...: Linux answers on all of
 * 127/8), for tests of limits per address and of slow connections.
 *
 * @module
 */

import net from "node:net";

/** A connection made by {@linkcode connect}. */
export interface RawConnection {
  socket: net.Socket;
  /** All it received so far. */
  received(): string;
  /** Milliseconds from open to close; Infinity for one still open after `waitMs` (closed then). */
  closed: Promise<number>;
  /** Sends a GET of `path` (default `/`) with `headers` and waits for the answer's first line. */
  get(path?: string, headers?: Record<string, string>): Promise<string>;
}

/** A connection to 127.0.0.1:`port` from the loopback address `from`; `waitMs` default 6 s. */
export async function connect(
  port: number,
  from: string,
  options: { waitMs?: number } = {},
): Promise<RawConnection> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: from });
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const opened = Date.now();
  let text = "";
  socket.on("data", (data) => text += String(data));
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) => {
    const late = setTimeout(() => {
      resolve(Infinity);
      socket.destroy();
    }, options.waitMs ?? 6_000);
    socket.once("close", () => {
      clearTimeout(late);
      resolve(Date.now() - opened);
    });
  });
  return {
    socket,
    received: () => text,
    closed,
    async get(path = "/", headers = {}) {
      const before = text.length;
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join("")}\r\n`);
      while (!text.slice(before).includes("\r\n")) {
        if (socket.destroyed) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return text.slice(before).split("\r\n")[0];
    },
  };
}
