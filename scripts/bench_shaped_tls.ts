/**
 * What p2pft's TLS costs per byte on a slow link, without the rest of
 * p2pft: a sender and a receiver in two network namespaces of a shaped LAN
 * (see netns.ts), the sender on the listening side (`acceptSecure`, the
 * runtime's `node:tls`, as a peer uploads), the receiver on the dialing side
 * (`dialSecure`, `Deno.startTls`, as a downloader reads chunks), the file's
 * bytes sent as 4 MiB data frames over `--streams` connections at once.
 * Prints each side's CPU time (from the first connection to the last byte),
 * the receiver's reads and both sides' minor page faults, round by round.
 *
 * `deno run -A scripts/bench_shaped_tls.ts --streams 8 --rounds 3` (`--rate 0`: no shaping)
 *
 * @module
 */

import net from "node:net";
import process from "node:process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { MAX_CHUNK_SIZE } from "../src/constants.ts";
import { DATA_HEADER_BYTES, writeDataHeader } from "../src/protocol/frame.ts";
import { acceptSecure, dialSecure, listenerCredentials } from "../src/protocol/secure_channel.ts";
import { createIdentity } from "../src/security/identity.ts";
import { createLan } from "./netns.ts";
import { parseSize } from "./bench_report.ts";
import { parseRate, tbfQdisc } from "./bench_shaped_plan.ts";

/** Third octet of the LAN's addresses (not the shaped scenarios', so all may run). */
const SUBNET = 79;
/** Port the sender listens on. */
const PORT = 9000;
/** Line the sender prints once it listens. */
const READY = "listening";
const SCRIPT = fileURLToPath(import.meta.url);

/** CPU time, minor page faults of this process so far. */
function usage(): { cpuMs: number; faults: number } {
  const cpu = process.cpuUsage();
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return { cpuMs: (cpu.user + cpu.system) / 1000, faults: Number(fields[7]) };
}

function since(start: { cpuMs: number; faults: number }): string {
  const now = usage();
  return `CPU ${(now.cpuMs - start.cpuMs).toFixed(0)} ms, ${now.faults - start.faults} page faults`;
}

/** Sends `size / streams` bytes in data frames on each of `streams` accepted connections. */
async function send(options: { host: string; size: number; streams: number }): Promise<void> {
  const credentials = listenerCredentials(await createIdentity());
  let start = usage();
  let accepted = 0;
  let done = 0;
  const server = net.createServer(async (raw) => {
    const { channel } = await acceptSecure(raw, { credentials, role: "peer" });
    if (accepted++ === 0) start = usage();
    const frame = new Uint8Array(DATA_HEADER_BYTES + MAX_CHUNK_SIZE);
    writeDataHeader(frame, 1, { length: MAX_CHUNK_SIZE });
    for (let sent = 0; sent < options.size / options.streams; sent += MAX_CHUNK_SIZE) {
      await channel.write(frame);
    }
    channel.close();
    if (++done < options.streams) return;
    console.log(`sender: ${since(start)}`);
    server.close();
  });
  server.listen(PORT, options.host, () => console.log(READY));
}

/** Reads what {@linkcode send} sends, over `streams` connections at once. */
async function receive(options: { host: string; size: number; streams: number }): Promise<void> {
  const links = await Promise.all(
    Array.from(
      { length: options.streams },
      () => dialSecure({ host: options.host, port: PORT }, {}),
    ),
  );
  const start = usage();
  const began = performance.now();
  const perStream = options.size / options.streams;
  const wanted = perStream + perStream / MAX_CHUNK_SIZE * DATA_HEADER_BYTES;
  let reads = 0;
  await Promise.all(links.map(async ({ channel }) => {
    const buffer = new Uint8Array(DATA_HEADER_BYTES + MAX_CHUNK_SIZE);
    for (let got = 0; got < wanted;) {
      const count = await channel.read(buffer.subarray(got % buffer.length));
      if (count === null) throw new Error(`the sender closed after ${got} bytes`);
      got += count;
      reads++;
    }
    channel.close();
  }));
  const ms = performance.now() - began;
  console.log(
    `receiver: ${since(start)}, ${reads} reads (${
      (options.size / reads).toFixed(0)
    } bytes each), ` +
      `${(options.size / ms / 1000).toFixed(1)} MB/s`,
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      size: { type: "string", default: "128M" },
      rate: { type: "string", default: "200mbit" },
      streams: { type: "string", default: "1" },
      rounds: { type: "string", default: "1" },
    },
  });
  const size = parseSize(values.size!);
  const streams = Number(values.streams);
  if (size % (streams * MAX_CHUNK_SIZE) !== 0) {
    throw new Error(`--size must be a multiple of ${streams} x 4 MiB`);
  }
  const [role, host] = positionals;
  if (role === "send") return await send({ host, size, streams });
  if (role === "receive") return await receive({ host, size, streams });
  const rate = values.rate === "0" ? undefined : parseRate(values.rate!);
  await using lan = await createLan(2, {
    subnet: SUBNET,
    qdisc: rate ? tbfQdisc(rate) : undefined,
  });
  const args = (side: string) => [
    Deno.execPath(),
    "run",
    "--allow-all",
    "--quiet",
    SCRIPT,
    side,
    lan.hosts[0].ip,
    `--size=${values.size}`,
    `--streams=${streams}`,
  ];
  for (let round = 0; round < Number(values.rounds); round++) {
    const load = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
    const sender = lan.exec(0, args("send"), { stdout: "piped", stderr: "inherit" });
    const lines = sender.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let said = "";
    while (!said.includes(READY)) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the sender ended before it listened");
      said += value;
    }
    const receiver = await lan.output(1, args("receive"), { stderr: "inherit" });
    for (let part = await lines.read(); !part.done; part = await lines.read()) said += part.value;
    await sender.status;
    const report = [new TextDecoder().decode(receiver.stdout), said.replace(READY, "")]
      .map((text) => text.trim()).join("; ");
    console.log(`round ${round + 1}, load ${load}, ${streams} stream(s): ${report}`);
  }
}

if (import.meta.main) await main();
