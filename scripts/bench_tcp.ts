/**
 * The wire's limit for `deno task bench`: a plain TCP stream of a file's
 * bytes over loopback, no framing, no hashing, reused buffers on both ends.
 *
 * - `receive`: listens on 127.0.0.1 (free port), prints `port N`, reads
 *   everything into a reused buffer and discards it, prints `bytes N`.
 * - `send PORT FILE`: streams FILE to 127.0.0.1:PORT.
 *
 * @module
 */

const BUFFER_BYTES = 4 * 1024 * 1024;

async function receive(): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`port ${listener.addr.port}`);
  const conn = await listener.accept();
  const buffer = new Uint8Array(BUFFER_BYTES);
  let total = 0;
  while (true) {
    const count = await conn.read(buffer);
    if (count === null) break;
    total += count;
  }
  console.log(`bytes ${total}`);
  listener.close();
}

async function send(port: number, path: string): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const file = await Deno.open(path);
  const buffer = new Uint8Array(BUFFER_BYTES);
  while (true) {
    const count = await file.read(buffer);
    if (count === null) break;
    let written = 0;
    while (written < count) written += await conn.write(buffer.subarray(written, count));
  }
  file.close();
  conn.close();
}

if (import.meta.main) {
  const [mode, port, path] = Deno.args;
  if (mode === "receive") await receive();
  else if (mode === "send") await send(Number(port), path);
  else throw new Error("usage: bench_tcp.ts receive | send PORT FILE");
}
