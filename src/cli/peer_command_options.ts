/**
 * The options of `p2pft peer`: what it shares, serves, downloads, where it
 * keeps its state, and how it finds the server and the web page.
 *
 * @module
 */

import { Command, Option } from "@commander-js/extra-typings";
import { DEFAULT_DISCOVER_TIMEOUT_MS, DEFAULT_UPLOAD_LIMIT, MS_PER_SECOND } from "../constants.ts";
import { DEFAULT_PEER_LISTEN, DEFAULT_SERVER_ADDRESS, DEFAULT_WEB_LISTEN } from "./constants.ts";
import {
  addressListOption,
  addressOption,
  collect,
  secondsOption,
  sizeOption,
  withKeyOptions,
  withOutputOptions,
} from "./options.ts";
import { withRelayOptions } from "./relay_options.ts";

/**
 * The `peer` command's name, description and options (the shared key, relay
 * and output options included), without its action.
 */
export function peerCommandOptions() {
  const base = new Command("peer")
    .description("run a peer: share files, serve them to others, download from others")
    .addOption(
      addressOption("-a, --addr <host:port>", {
        description: "address to serve chunks on (port 0 = any free port)",
        fallback: DEFAULT_PEER_LISTEN,
      }),
    )
    .addOption(
      addressListOption("-s, --server <host:port>", {
        description: "central server to register with; several, comma-separated (replicas of " +
          "one network, or a name with several addresses), to fail over between",
        fallback: DEFAULT_SERVER_ADDRESS,
      }),
    )
    .option(
      "-r, --register <paths...>",
      "share these files or folders at start-up (repeatable; a folder's hidden files are " +
        "shared too, its symlinks skipped)",
      [] as string[],
    )
    .option(
      "-d, --download <id>",
      "download this file ID, unique prefix or unique name (repeatable); ID:path/inside " +
        "fetches one file of a folder (resumed after a restart like any download, but not " +
        "shared: it has no ID of its own)",
      collect,
      [],
    )
    .option("-o, --out <dir>", "folder downloads are saved in", ".")
    .option(
      "--exit-when-done",
      "exit after the start-up downloads: 0 if all verified, 1 otherwise",
    )
    .option(
      "--data-dir <dir>",
      "folder for this peer's state (default: per user and listen address; none with port 0)",
    )
    .option("--no-resume", "do not resume the unfinished downloads of the data folder")
    .option(
      "--relay",
      "relay for the network's peers that cannot be dialled, when the server hands this " +
        "peer's relay out (it must be reachable; see --relay-port and README)",
    )
    .option(
      "--no-relay",
      "never download or serve through a relay (used only when neither peer can be dialled)",
    )
    .option(
      "--no-reshare",
      "keep this run's downloads to this peer; by default a peer shares what it downloads, as " +
        "BitTorrent does: the chunks it has while it runs, the whole once done, and again at " +
        "later starts (the shell's shared lists them, unshare stops one)",
    )
    .option(
      "--unshare <id|name>",
      "stop sharing for good an item shared before (ID prefix or name; repeatable)",
      collect,
      [],
    )
    .option("--auto-discover", "find the central server on the LAN over mDNS instead of --server")
    .option(
      "--discover-timeout <seconds>",
      "how long --auto-discover and --lan look before giving up",
      secondsOption,
      DEFAULT_DISCOVER_TIMEOUT_MS / MS_PER_SECOND,
    )
    .option(
      "--lan",
      "find peers on the LAN over mDNS and ask them for files; no server needed " +
        "(a server is still used if --server or --auto-discover is given)",
    )
    .option("--no-mdns", "do not advertise this peer on the LAN over mDNS/DNS-SD")
    .option(
      "--web [host:port]",
      `serve a web page to browse, download, share and upload from a browser (default ` +
        `${DEFAULT_WEB_LISTEN}; 0.0.0.0:PORT for phones on the LAN; port 0 = any free port); ` +
        "the URL it prints carries the access token",
    )
    .option(
      "--web-token <token>",
      "the web page's access token (default: a random one)",
    )
    .option(
      "--web-uploads <dir>",
      "folder files uploaded from the web page land in (default: <--out>/uploads)",
    )
    .addOption(
      new Option("--web-upload-limit <size>", "largest file the web page accepts (4G, 500M, bytes)")
        .argParser(sizeOption)
        .default(DEFAULT_UPLOAD_LIMIT, "4G"),
    )
    .option(
      "--shared",
      "list what this peer shares, as the shell's shared does, from its data folder (--data-dir, " +
        "or the one of --addr), then exit; contacts no server",
    );
  return withOutputOptions(
    withKeyOptions(withRelayOptions(base)),
    "print results only: no progress, only warnings and errors logged",
  );
}
