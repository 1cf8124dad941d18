/**
 * Reading packet captures in tests: wait for tcpdump to finish writing, and
 * look for bytes in what it wrote.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Child } from "../../scripts/process_harness.ts";
import { canCreateNamespaces } from "../discovery/agent.ts";

/** Kernel buffer of a capture: room for a whole test transfer, so no packet is dropped. */
const CAPTURE_BUFFER_KIB = 32 * 1024;

/**
 * Starts tcpdump in namespace `ns` on `iface`, writing every packet (whole,
 * unbuffered) that matches `filter` to `pcap`; resolves once it listens.
 * Stop it with `stop("SIGINT")` after {@linkcode settled}.
 */
export async function startCapture(
  where: { ns: string; iface: string },
  options: { pcap: string; filter?: string[] },
): Promise<Child> {
  const capture = new Child([
    ..."ip netns exec".split(" "),
    where.ns,
    ..."tcpdump -n --immediate-mode -U -s 0 -Z root".split(" "),
    ...["-i", where.iface, "-B", String(CAPTURE_BUFFER_KIB), "-w", options.pcap],
    ...(options.filter ?? []),
  ], { name: "tcpdump" });
  await capture.stderr.waitFor(new RegExp(`listening on ${where.iface}`));
  return capture;
}

/** Why a packet capture cannot run here, or `undefined` when it can. */
export function captureUnavailable(): string | undefined {
  if (!canCreateNamespaces()) return "it needs root, to make network namespaces";
  try {
    new Deno.Command("tcpdump", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
  } catch {
    return "tcpdump is not installed (apt-get install -y tcpdump)";
  }
  return undefined;
}

/** Time a capture file must stay the same size to be taken as complete. */
const CAPTURE_SETTLE_MS = 300;

/** Waits until the file at `path` has stopped growing (tcpdump has written what it saw). */
export async function settled(path: string): Promise<void> {
  let size = -1;
  while (true) {
    const now = (await Deno.stat(path)).size;
    if (now === size) return;
    size = now;
    await new Promise((resolve) => setTimeout(resolve, CAPTURE_SETTLE_MS));
  }
}

/** Whether `haystack` holds the bytes of `needle`. */
export function holds(haystack: Uint8Array, needle: string | Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).includes(needle);
}
