/**
 * `p2pft send PATH...`: shares files or folders under one short code and
 * prints the exact command for the other side. Through a server (given with
 * `--server` or found with `--auto-discover`) the code's number is a
 * nameplate held on the server; with neither, the send is advertised on the
 * LAN over mDNS. Send keeps running until its receivers (one, unless
 * `--max-receivers` says otherwise) have everything, the code expires
 * (`--timeout`) or stops working (three wrong tries), or Ctrl-C.
 *
 * @module
 */

import { guardDebugger } from "./debugger_guard.ts";
import { Command } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { MS_PER_SECOND } from "../constants.ts";
import { DEFAULT_MAX_RECEIVERS, MAX_CODE_FAILURES } from "./constants.ts";
import { formatHostPort, type HostPort } from "../protocol/channel.ts";
import { errorMessage, type Logger } from "../log.ts";
import type { Advertisement } from "../discovery/advertiser.ts";
import { advertiseSender, senderInstanceName } from "../discovery/send_service.ts";
import { claimNameplate, type HeldNameplate } from "../peer/nameplate_client.ts";
import { type HostEvent, TransferHost } from "../peer/transfer_host.ts";
import { codePassword, formatCode, generateCode } from "../security/transfer_code.ts";
import { formatBytes } from "./format.ts";
import {
  addressOption,
  givenNetworkKey,
  onShutdownSignal,
  secondsOption,
  withKeyOptions,
} from "./options.ts";
import type { Reporter } from "./output.ts";
import { countOption, meetingServer, transferOutput, withTransferOptions } from "./transfer_cli.ts";
import { registerWithProgress } from "./transfers.ts";

/** Nameplates tried on a LAN before giving up, when others are taken. */
const LAN_NAMEPLATE_TRIES = 5;
/** Largest nameplate picked on a LAN (there is no server to hand out small ones). */
const LAN_NAMEPLATE_RANGE = 999;

/** The `send` command. */
export function sendCommand() {
  const base = new Command("send")
    .description(
      "send files or folders to whoever has the code it prints (one code for all of them)",
    )
    .argument("<paths...>", "files or folders to send")
    .addOption(
      addressOption("-a, --addr <host:port>", {
        description: "address receivers reach this send at (port 0 = any free port)",
        fallback: "0.0.0.0:0",
      }),
    )
    .option(
      "--max-receivers <n>",
      "receivers the code lets in; send exits once they have everything (0 = no limit)",
      countOption,
      DEFAULT_MAX_RECEIVERS,
    )
    .option(
      "--timeout <seconds>",
      "the code stops letting people in after this long",
      secondsOption,
    )
    .option("--qr", "also print the command for the other side as a QR code")
    .option("--no-mdns", "do not advertise on the LAN (then a --server is needed)");
  return withTransferOptions(withKeyOptions(base), {
    server: "send through this server (the receiver needs only the code, no key)",
  }).action(async (paths, options) => {
    const { reporter, display, log } = transferOutput("send", options);
    guardDebugger(log);
    const absolute = await checkPaths(paths);
    const server = await meetingServer({ ...options, log });
    if (!server && !options.mdns) {
      throw new Error(
        "with no --server, receivers find this send over mDNS: drop --no-mdns, or give --server",
      );
    }
    const networkKey = server ? await givenNetworkKey(options) : undefined;
    const words = generateCode(1).words;
    const host = await TransferHost.start({
      hostname: options.addr.host,
      port: options.addr.port,
      password: codePassword({ nameplate: 1, words }),
      limits: { maxFailures: MAX_CODE_FAILURES, maxReceivers: options.maxReceivers },
      onEvent: (event) => report(event, { reporter, log, release: () => meeting?.close() }),
      log,
    });
    let meeting: Meeting | undefined;
    try {
      for (const path of absolute) {
        await registerWithProgress(
          { register: (path, hashing) => host.add(path, hashing) },
          path,
          { display, reporter },
        );
      }
      meeting = server
        ? await meetOnServer(server, { host, networkKey, log })
        : await meetOnLan({ host, hostname: options.addr.host, log });
      const code = formatCode({ nameplate: meeting.nameplate, words });
      const command = server
        ? `p2pft get ${code} --server ${formatHostPort(server.host, server.port)}`
        : `p2pft get ${code}`;
      if (options.timeout !== undefined) host.expireIn(options.timeout * MS_PER_SECOND);
      reporter.note(sendingNote(host, options));
      reporter.emit({ event: "code", code, command });
      if (options.qr && reporter.mode === "text") await printQr(command, reporter);
      const stopped = new Promise<"stopped">((resolve) => {
        onShutdownSignal(() => resolve("stopped"));
      });
      meeting.lost.then(() => {
        log.warn("lost the server: new receivers cannot find this code; those connected go on");
      });
      const outcome = await Promise.race([host.settled.then(() => "settled" as const), stopped]);
      display.stop();
      const { finished } = host.counts;
      reporter.note(
        `sent to ${finished} receiver(s), ${formatBytes(host.uploadedBytes)} uploaded` +
          (outcome === "stopped" ? " (stopped)" : ""),
      );
      await meeting.close();
      await host.close();
      Deno.exit(finished > 0 ? 0 : 1);
    } catch (error) {
      display.stop();
      await meeting?.close();
      await host.close();
      throw error;
    }
  });
}

/** How receivers find this send: a nameplate on the server or on the LAN. */
interface Meeting {
  nameplate: number;
  /** Resolves when receivers can no longer find it (the server went away); never on a LAN. */
  lost: Promise<void>;
  /** Stops being findable. */
  close(): Promise<void>;
}

async function meetOnServer(
  server: HostPort,
  options: { host: TransferHost; networkKey: Uint8Array | undefined; log: Logger },
): Promise<Meeting> {
  let held: HeldNameplate;
  try {
    held = await claimNameplate(server, {
      credentials: { identity: options.host.identity, networkKey: options.networkKey },
      port: options.host.port,
      log: options.log,
    });
  } catch (error) {
    throw new Error(
      `cannot hold a code on the server at ${formatHostPort(server.host, server.port)}: ` +
        `${errorMessage(error)}`,
    );
  }
  let closing = false;
  return {
    nameplate: held.nameplate,
    lost: held.closed.then(() => closing ? new Promise<void>(() => {}) : undefined),
    close: () => {
      closing = true;
      return held.release();
    },
  };
}

async function meetOnLan(
  options: { host: TransferHost; hostname: string; log: Logger },
): Promise<Meeting> {
  const mdnsLog = options.log.child("mdns");
  for (let attempt = 0; attempt < LAN_NAMEPLATE_TRIES; attempt++) {
    const [high, low] = crypto.getRandomValues(new Uint8Array(2));
    const nameplate = 1 + ((high << 8) | low) % LAN_NAMEPLATE_RANGE;
    const advertisement: Advertisement = await advertiseSender(
      { host: options.hostname, port: options.host.port },
      {
        nameplate,
        peerId: options.host.peerId,
        log: (level, message) => mdnsLog[level](message),
      },
    );
    if (advertisement.instanceName === senderInstanceName(nameplate, advertisement.host)) {
      return { nameplate, lost: new Promise(() => {}), close: () => advertisement.close() };
    }
    await advertisement.close();
  }
  throw new Error("every code number tried is taken on this LAN: try again in a moment");
}

/** Absolute paths of `paths`; throws at once, naming the path, when one does not exist. */
async function checkPaths(paths: string[]): Promise<string[]> {
  const absolute: string[] = [];
  for (const path of paths) {
    const full = resolve(path);
    try {
      await Deno.stat(full);
    } catch {
      throw new Error(`cannot send ${path}: no such file or folder (${full})`);
    }
    absolute.push(full);
  }
  return absolute;
}

function sendingNote(host: TransferHost, options: { maxReceivers: number; timeout?: number }) {
  const items = host.items;
  const names = items.map((item) =>
    item.manifest.entries ? `${item.manifest.name}/` : item.manifest.name
  );
  const size = items.reduce((sum, item) => sum + item.manifest.size, 0);
  const who = options.maxReceivers === 0
    ? "any number of receivers until Ctrl-C"
    : `${options.maxReceivers} receiver(s)`;
  const until = options.timeout === undefined ? "" : ` for ${options.timeout} s`;
  return `sending ${names.join(", ")} (${formatBytes(size)}) from ${host.address}; ` +
    `the code lets in ${who}${until}`;
}

function report(
  event: HostEvent,
  options: { reporter: Reporter; log: Logger; release: () => void },
): void {
  const { reporter, log } = options;
  switch (event.kind) {
    case "joined":
    case "finished":
    case "left":
      reporter.emit({ event: "receiver", state: event.kind, address: event.receiver });
      log.info(
        event.kind === "joined"
          ? `receiver ${event.receiver} proved the code and is downloading`
          : event.kind === "finished"
          ? `receiver ${event.receiver} has everything, verified`
          : `receiver ${event.receiver} left before it had everything; the code lets another in`,
      );
      return;
    case "refused":
      reporter.emit({ event: "receiver", state: "refused", address: event.receiver });
      log.warn(
        `a wrong code was tried from ${event.receiver} ` +
          `(${event.failuresLeft} wrong tries left before the code stops working)`,
      );
      return;
    case "shut":
      options.release();
      if (event.state === "burned") {
        log.error(
          `the code stopped working after ${MAX_CODE_FAILURES} wrong tries: ` +
            `run send again for a new code`,
        );
      } else if (event.state === "expired") {
        log.warn("the code has expired: no one else gets in; receivers under way may finish");
      }
      return;
  }
}

async function printQr(command: string, reporter: Reporter): Promise<void> {
  const { default: qrcode } = await import("qrcode-terminal");
  qrcode.generate(command, { small: true }, (text: string) => {
    for (const line of text.split("\n")) reporter.console.out(line);
  });
}
