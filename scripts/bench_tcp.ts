/**
 * The wire's limit for `deno task bench`: a plain TCP stream of a file's
 * bytes over loopback, no framing, no hashing, one reused 4 MiB buffer on
 * each end.
 *
 * - `receive [FILE]`: listens on 127.0.0.1 (free port), prints `port N`,
 *   reads everything with `conn.read` into a reused buffer and discards it,
 *   or writes it to FILE when given; then prints
 *   `received BYTES bytes in MS ms, VmHWM KB kB` (the time from accepting the
 *   connection to the end of the stream with the file closed; its own peak
 *   RSS from `/proc/self/status`).
 * - `send PORT FILE`: reads FILE into a reused buffer and loops `conn.write`
 *   to 127.0.0.1:PORT.
 *
 * @module
 */

/** Size of the reused buffer on both ends. */
const BUFFER_BYTES = 4 * 1024 * 1024;

/** The only address this tool ever uses. */
const LOOPBACK = "127.0.0.1";

async function writeAll(writer: Deno.FsFile | Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await writer.write(bytes.subarray(written));
}

async function receive(path: string | undefined): Promise<void> {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  console.log(`port ${listener.addr.port}`);
  const conn = await listener.accept();
  listener.close();
  const started = performance.now();
  const file = path
    ? await Deno.open(path, { write: true, create: true, truncate: true })
    : undefined;
  const buffer = new Uint8Array(BUFFER_BYTES);
  let total = 0;
  while (true) {
    const count = await conn.read(buffer);
    if (count === null) break;
    if (file) await writeAll(file, buffer.subarray(0, count));
    total += count;
  }
  file?.close();
  const ms = performance.now() - started;
  conn.close();
  const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? "0";
  console.log(`received ${total} bytes in ${ms.toFixed(1)} ms, VmHWM ${hwm} kB`);
}

async function send(port: number, path: string): Promise<void> {
  const conn = await Deno.connect({ hostname: LOOPBACK, port });
  const file = await Deno.open(path);
  const buffer = new Uint8Array(BUFFER_BYTES);
  while (true) {
    const count = await file.read(buffer);
    if (count === null) break;
    await writeAll(conn, buffer.subarray(0, count));
  }
  file.close();
  conn.close();
}

if (import.meta.main) {
  const [mode, first, second] = Deno.args;
  if (mode === "receive") await receive(first);
  else if (mode === "send") await send(Number(first), second);
  else throw new Error("usage: bench_tcp.ts receive [FILE] | send PORT FILE");
}
