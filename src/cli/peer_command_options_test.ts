import assert from "node:assert/strict";
import { DEFAULT_DISCOVER_TIMEOUT_MS, MS_PER_SECOND } from "../constants.ts";
import { peerCommandOptions } from "./peer_command_options.ts";

function parse(args: string[]) {
  return peerCommandOptions().exitOverride().parse(args, { from: "user" }).opts();
}

Deno.test("a peer's options default to sharing, resuming, resharing and the LAN's mDNS", () => {
  const options = parse([]);
  assert.deepEqual(options.register, []);
  assert.deepEqual(options.download, []);
  assert.deepEqual(options.unshare, []);
  assert.equal(options.out, ".");
  assert.equal(options.resume, true);
  assert.equal(options.reshare, true);
  assert.equal(options.mdns, true);
  assert.equal(options.discoverTimeout, DEFAULT_DISCOVER_TIMEOUT_MS / MS_PER_SECOND);
  assert.equal(options.web, undefined);
});

Deno.test("downloads and unshares repeat; addresses, seconds and sizes are parsed", () => {
  const options = parse([
    "-d",
    "abcd",
    "-d",
    "notes.txt",
    "--unshare",
    "old",
    "-a",
    "127.0.0.1:0",
    "-s",
    "10.0.0.1:8000,10.0.0.2:8000",
    "--discover-timeout",
    "2.5",
    "--web-upload-limit",
    "500M",
  ]);
  assert.deepEqual(options.download, ["abcd", "notes.txt"]);
  assert.deepEqual(options.unshare, ["old"]);
  assert.deepEqual(options.addr, { host: "127.0.0.1", port: 0 });
  assert.deepEqual(options.server, [
    { host: "10.0.0.1", port: 8000 },
    { host: "10.0.0.2", port: 8000 },
  ]);
  assert.equal(options.discoverTimeout, 2.5);
  assert.equal(options.webUploadLimit, 500 * 1024 * 1024);
});
