import assert from "node:assert/strict";
import type { PeerNode } from "../peer/peer.ts";
import { silentLogger } from "../log.ts";
import { Reporter } from "./output.ts";
import { printWeb, startWeb } from "./web_cli.ts";
import type { WebServer } from "../web/web_server.ts";

function capture(mode: "text" | "json") {
  const lines: string[] = [];
  const reporter = new Reporter(mode, { out: (line) => lines.push(line), err: () => {} });
  return { lines, reporter };
}

const server = {
  urls: () => ["http://10.0.0.2:8080/?token=t", "http://127.0.0.1:8080/?token=t"],
} as WebServer;

Deno.test("printWeb prints each URL, then a QR code of the first in text mode", () => {
  const text = capture("text");
  printWeb(server, text.reporter);
  assert.deepEqual(text.lines.slice(0, 2), [
    "Web page: http://10.0.0.2:8080/?token=t",
    "Web page: http://127.0.0.1:8080/?token=t",
  ]);
  assert.ok(text.lines.length > 12, "a QR code follows");
  const json = capture("json");
  printWeb(server, json.reporter);
  assert.deepEqual(json.lines.map((line) => JSON.parse(line)), [{
    event: "web",
    urls: server.urls(),
  }]);
});

Deno.test("startWeb refuses a token too short to guard the page", async () => {
  await assert.rejects(
    () =>
      startWeb({} as PeerNode, {
        web: "127.0.0.1:0",
        webToken: "short",
        webUploadLimit: 1,
        out: ".",
        reporter: capture("text").reporter,
        log: silentLogger(),
      }),
    /--web-token is too short to guard the page: give at least 8 characters/,
  );
});
