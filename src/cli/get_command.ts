/**
 * `p2pft get CODE [-o DIR]`: finds the sender of a code (on the server given
 * or found, or on the LAN over mDNS), proves the code, fetches every item it
 * grants from the sender and the other receivers, verified, then exits: 0
 * when everything is here, 1 with a message that says what to do otherwise
 * (a wrong or expired code, a sender gone). A get stopped half way keeps
 * its `.part` files and their journals (in the per-user data folder): run
 * again with a code for the same items, it fetches only what is missing.
 *
 * @module
 */

import { guardDebugger } from "./debugger_guard.ts";
import { Command } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { MS_PER_SECOND } from "../constants.ts";
import { findSender } from "../discovery/send_service.ts";
import { errorMessage, type Logger } from "../log.ts";
import { formatHostPort, type HostPort } from "../protocol/channel.ts";
import { resolveNameplate } from "../peer/nameplate_client.ts";
import { type SenderLocation, TransferReceiver } from "../peer/transfer_receiver.ts";
import { parseCode, type TransferCode } from "../security/transfer_code.ts";
import { receivedDataRoot } from "../storage/data_dir.ts";
import { formatBytes } from "./format.ts";
import { addressOption, onShutdownSignal } from "./options.ts";
import { meetingServer, transferOutput, withTransferOptions } from "./transfer_cli.ts";
import { watchDownload } from "./transfers.ts";

/** The `get` command. */
export function getCommand() {
  const base = new Command("get")
    .description("fetch what p2pft send sends, with the code it printed, then exit")
    .argument("<code...>", "the code send printed, e.g. 42-copper-violin-river")
    .option(
      "-o, --out <dir>",
      "folder to save into (created if missing); a get stopped half way and run again into it " +
        "fetches only what is missing",
      ".",
    )
    .addOption(
      addressOption("-a, --addr <host:port>", {
        description: "address to serve the other receivers on while fetching (port 0 = any)",
        fallback: "0.0.0.0:0",
      }),
    );
  return withTransferOptions(base, {
    server: "the server the sender used (its command says so); with none, look on the LAN",
  }).action(async (words, options) => {
    const code = parseCode(words.join(" "));
    const { reporter, display, log } = transferOutput("get", options);
    guardDebugger(log);
    const server = await meetingServer({ ...options, log });
    const sender = await locate(code, {
      server,
      timeoutMs: options.discoverTimeout * MS_PER_SECOND,
      log,
    });
    const receiver = await TransferReceiver.connect(sender, code, {
      hostname: options.addr.host,
      port: options.addr.port,
      stateRoot: receivedDataRoot(),
      log,
    });
    const size = receiver.items.reduce((sum, item) => sum + item.manifest.size, 0);
    reporter.note(
      `the code is right: fetching ${
        receiver.items.map((item) => item.manifest.name).join(", ")
      } ` +
        `(${formatBytes(size)}) from ${formatHostPort(sender.host, sender.port)}`,
    );
    const stopped = new Promise<"stopped">((resolve) => onShutdownSignal(() => resolve("stopped")));
    const work = Promise.all(
      (await receiver.start(resolve(options.out))).map((download) =>
        watchDownload(download, { display, reporter })
      ),
    ).then(() => "done" as const);
    const outcome = await Promise.race([work.catch((error) => error as Error), stopped]);
    display.stop();
    if (outcome === "done") {
      if (receiver.uploadedBytes > 0) {
        reporter.note(`served ${formatBytes(receiver.uploadedBytes)} to the other receivers`);
      }
      await receiver.finished();
      await receiver.close();
      Deno.exit(0);
    }
    const again = "run the same get again while send runs (or with the code of a new send of " +
      "the same files): it fetches only what is missing";
    const message = outcome === "stopped"
      ? `stopped before everything was here; ${again}`
      : `${errorMessage(outcome)}; ${again}`;
    await receiver.close();
    throw new Error(message);
  });
}

/** Where the sender of `code` listens: asked of the server, or looked for on the LAN. */
async function locate(
  code: TransferCode,
  options: { server: HostPort | undefined; timeoutMs: number; log: Logger },
): Promise<SenderLocation> {
  if (options.server) return await resolveNameplate(options.server, code.nameplate);
  const mdnsLog = options.log.child("mdns");
  return await findSender(code.nameplate, {
    timeoutMs: options.timeoutMs,
    log: (level, message) => mdnsLog[level](message),
  });
}
