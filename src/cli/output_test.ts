import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  type CliEvent,
  effectiveLogLevel,
  jsonLine,
  outputMode,
  Reporter,
  resultLine,
} from "./output.ts";

Deno.test("outputMode picks text, quiet or json and refuses both", () => {
  assertEquals(outputMode({}), "text");
  assertEquals(outputMode({ quiet: true }), "quiet");
  assertEquals(outputMode({ json: true }), "json");
  throws(() => outputMode({ quiet: true, json: true }), /cannot be combined/);
});

Deno.test("effectiveLogLevel keeps quiet mode to warnings", () => {
  assertEquals(effectiveLogLevel("info", "quiet"), "warn");
  assertEquals(effectiveLogLevel("error", "quiet"), "error");
  assertEquals(effectiveLogLevel("debug", "text"), "debug");
});

Deno.test("resultLine keeps the stable stdout lines", () => {
  assertEquals(
    resultLine({ event: "listening", role: "peer", address: "127.0.0.1:1" }),
    "p2pft peer listening on 127.0.0.1:1",
  );
  assertEquals(
    resultLine({ event: "registered", fileId: "ab", name: "a", size: 1, path: "/a" }),
    "File ID: ab  a",
  );
  assertEquals(
    resultLine({ event: "registered", fileId: "ab", name: "x\ny", size: 1, path: "/a" }),
    "File ID: ab  x\\ny",
    "a name cannot break the line",
  );
  const downloaded: CliEvent = {
    event: "downloaded",
    download: 1,
    fileId: "ab",
    name: "a",
    path: "/x/a",
    size: 1,
    elapsedMs: 1,
    alreadyPresent: false,
  };
  assertEquals(resultLine(downloaded), "Downloaded: /x/a");
  assertEquals(resultLine({ ...downloaded, alreadyPresent: true }), "Already present: /x/a");
  assertEquals(resultLine({ event: "error", message: "x" }), undefined);
});

Deno.test("Reporter prints JSON events, result lines or notes by mode", () => {
  const lines: string[] = [];
  const console = {
    out: (l: string) => lines.push(`out ${l}`),
    err: (l: string) => lines.push(`err ${l}`),
  };
  const event: CliEvent = { event: "error", message: "boom" };
  new Reporter("json", console).emit(event);
  new Reporter("json", console).note("hidden");
  new Reporter("text", console).note("shown");
  new Reporter("quiet", console).note("hidden");
  new Reporter("quiet", console).emit({
    event: "registered",
    fileId: "ab",
    name: "a",
    size: 1,
    path: "/a",
  });
  assertEquals(lines, [`out ${jsonLine(event)}`, "err shown", "out File ID: ab  a"]);
});

Deno.test("every line a Reporter writes is printable; its own line breaks still break lines", () => {
  const lines: string[] = [];
  const console = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const text = new Reporter("text", console);
  text.emit({ event: "network", serverId: "s\u001b", key: undefined, join: ["p2pft peer"] });
  text.note("evil\nERROR forged\u009b");
  const json = new Reporter("json", console);
  json.emit({ event: "error", message: "bad \u0085 name \u202e" });
  assertEquals(lines, [
    "Server ID: s\\u001b",
    "Network: open (no key)",
    "Peers join with: p2pft peer",
    "evil\\nERROR forged\\u009b",
    '{"event":"error","message":"bad \\u0085 name \\u202e"}',
  ]);
  assertEquals(JSON.parse(lines[4]).message, "bad \u0085 name \u202e");
});
