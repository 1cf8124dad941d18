import assert from "node:assert/strict";
import net from "node:net";
import { plainHost, SocketChannel } from "./socket_channel.ts";

/** A client socket connected to a server that hands each accepted socket to `onSocket`. */
async function connectedPair(
  onSocket: (socket: net.Socket) => void,
): Promise<{ socket: net.Socket; server: net.Server }> {
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = net.connect({
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
  });
  await new Promise((resolve) => socket.once("connect", resolve));
  return { socket, server };
}

Deno.test("IPv4-mapped IPv6 addresses are shown as IPv4; others as they are", () => {
  assert.equal(plainHost("::ffff:10.0.0.7"), "10.0.0.7");
  assert.equal(plainHost("::ffff:abcd"), "::ffff:abcd");
  assert.equal(plainHost("fe80::1"), "fe80::1");
  assert.equal(plainHost("127.0.0.1"), "127.0.0.1");
});

Deno.test("a socket channel reads into the caller's buffers, whatever the pieces, then ends", async () => {
  const { socket, server } = await connectedPair((accepted) => {
    accepted.resume(); // reads, so that it sees the client's end and closes
    accepted.write(new Uint8Array([1, 2, 3]));
    accepted.end(new Uint8Array([4, 5]));
  });
  const channel = new SocketChannel(socket);
  try {
    assert.equal(channel.remoteAddr.hostname, "127.0.0.1");
    assert.equal(await channel.write(new Uint8Array([9])), 1, "writes resolve with their length");
    const received: number[] = [];
    const buffer = new Uint8Array(2);
    for (
      let count = await channel.read(buffer);
      count !== null;
      count = await channel.read(buffer)
    ) {
      received.push(...buffer.subarray(0, count));
    }
    assert.deepEqual(received, [1, 2, 3, 4, 5]);
  } finally {
    channel.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("a socket channel reads at most its read-ahead before the sender must wait", async () => {
  const sent = new Uint8Array(4 * 1024 * 1024);
  let written = false;
  const { socket, server } = await connectedPair((accepted) => {
    accepted.end(sent, () => written = true);
  });
  const channel = new SocketChannel(socket, { readAheadBytes: 64 * 1024 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(socket.isPaused(), true, "paused past the read-ahead");
    assert.equal(written, false, "the rest waits in the kernel and at the sender");
    let received = 0;
    const buffer = new Uint8Array(256 * 1024);
    for (let n = await channel.read(buffer); n !== null; n = await channel.read(buffer)) {
      received += n;
    }
    assert.equal(received, sent.length, "reading resumes the socket until the end");
  } finally {
    channel.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Counts the calls of `socket.end`: a goodbye sent, as against a plain destroy. */
function countEnds(socket: net.Socket): { ends: number } {
  const counter = { ends: 0 };
  const end = socket.end.bind(socket);
  socket.end = ((...args: Parameters<typeof end>) => {
    counter.ends++;
    return end(...args);
  }) as typeof socket.end;
  return counter;
}

Deno.test("a socket channel whose other side has ended is let go without a goodbye of its own", async () => {
  const { socket, server } = await connectedPair((accepted) => accepted.end());
  const counter = countEnds(socket);
  const channel = new SocketChannel(socket);
  try {
    assert.equal(await channel.read(new Uint8Array(8)), null);
    assert.equal(counter.ends, 0, "the other side's end is not answered with ours on its own");
    const closed = new Promise((resolve) => socket.once("close", resolve));
    channel.close();
    await closed;
    assert.equal(counter.ends, 0, "destroyed, not ended");
  } finally {
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("a socket channel closed while the other side is there says goodbye", async () => {
  let sawEnd!: () => void;
  const ended = new Promise<void>((resolve) => sawEnd = resolve);
  const { socket, server } = await connectedPair((accepted) => {
    accepted.on("end", () => {
      sawEnd();
      accepted.end();
    });
    accepted.resume();
  });
  const counter = countEnds(socket);
  const channel = new SocketChannel(socket);
  try {
    channel.close();
    await ended;
    assert.equal(counter.ends, 1, "ended: the other side reads to the end");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("a socket channel tells when a read would not wait: bytes queued, then the end", async () => {
  let peer: net.Socket | undefined;
  const { socket, server } = await connectedPair((accepted) => peer = accepted);
  const channel = new SocketChannel(socket);
  try {
    let woken = false;
    const readable = channel.whenReadable().then(() => woken = true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(woken, false, "nothing arrived yet");
    peer!.write(new Uint8Array([7]));
    await readable;
    const buffer = new Uint8Array(4);
    assert.equal(await channel.read(buffer), 1);
    const ended = channel.whenReadable();
    peer!.end();
    await ended;
    assert.equal(await channel.read(buffer), null);
  } finally {
    channel.close();
    peer?.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
