import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { EventEmitter } from "node:events";
import * as readline from "node:readline";
import { PassThrough } from "node:stream";
import type { Completion } from "./completion.ts";
import { KeyBindings, routeKeys } from "./shell_keys.ts";
import type { Key } from "./shell_search.ts";

/** Emits `text` key by key in one go, as readline does for one burst of input. */
function burst(input: EventEmitter, text: string): void {
  for (const character of text) {
    input.emit("keypress", character, { name: character === "\t" ? "tab" : character });
  }
}

Deno.test("keys the handler passes reach readline; keys it takes do not", () => {
  const input = new EventEmitter();
  const seen: string[] = [];
  input.on("keypress", (text: string) => seen.push(text));
  routeKeys(input, (_text, key) => key.name === "x" ? "taken" : "pass");
  burst(input, "axb");
  assertEquals(seen, ["a", "b"]);
});

Deno.test("keys after a key handled asynchronously wait for it, in order", async () => {
  const input = new EventEmitter();
  const events: string[] = [];
  input.on("keypress", (text: string) => events.push(`readline ${text}`));
  const pending: (() => void)[] = [];
  routeKeys(input, (_text, key: Key) => {
    if (key.name !== "tab") return "pass";
    events.push("tab starts");
    return new Promise<void>((resolve) =>
      pending.push(() => {
        events.push("tab ends");
        resolve();
      })
    );
  });
  burst(input, "ab\t\tc");
  assertEquals(events, ["readline a", "readline b", "tab starts"]);
  pending.shift()!();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(events.slice(3), ["tab ends", "tab starts"], "the second Tab is a Tab too");
  pending.shift()!();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(events.slice(5), ["tab ends", "readline c"]);
});

Deno.test("other events pass untouched, a failing handler loses its key only, and undo", () => {
  const input = new EventEmitter();
  const seen: string[] = [];
  input.on("keypress", (text: string) => seen.push(text));
  input.on("data", (text: string) => seen.push(`data ${text}`));
  const restore = routeKeys(input, (text) => {
    if (text === "!") throw new Error("broken");
    return text === "-" ? "taken" : "pass";
  });
  input.emit("data", "raw");
  burst(input, "a!b");
  restore();
  burst(input, "-");
  assertEquals(seen, ["data raw", "a", "b", "-"]);
});

/** A readline on in-memory streams with the shell's key bindings, and what they printed. */
function terminal(options: { complete?: Completion; question?: string } = {}) {
  const input = new PassThrough();
  const rl = readline.createInterface({
    input,
    output: new PassThrough(),
    terminal: true,
    historySize: 10,
  });
  const printed: string[] = [];
  const lines: string[] = [];
  let closed = false;
  rl.on("line", (line) => lines.push(line));
  rl.on("close", () => closed = true);
  const keys: KeyBindings = new KeyBindings({
    rl,
    busy: () => false,
    complete: () => Promise.resolve(options.complete ?? { matches: [], replace: "" }),
    leaveQuestion: () => options.question,
    out: (...text) => printed.push(...text),
    err: (...text) => printed.push(...text),
    render: () => {
      rl.setPrompt(keys.searchPrompt ?? "> ");
      rl.prompt(true);
    },
    columns: () => 80,
  });
  routeKeys(input, (text, key) => keys.key(text, key));
  return {
    rl,
    printed,
    lines,
    keys,
    closed: () => closed,
    /** Sends `text` as one burst of input and lets the keys it holds settle. */
    async send(text: string) {
      input.write(text);
      await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}

Deno.test("two Tabs in one burst list the candidates once, inserting nothing", async () => {
  const complete = {
    matches: ["be7c".repeat(16), "be7d".repeat(16)],
    replace: "be7",
    listing: ["be7dbe7dbe7d  big.iso", "be7cbe7cbe7c  notes.txt"],
  };
  const shell = terminal({ complete });
  await shell.send("download be7\t\t");
  assertEquals(shell.rl.line, "download be7");
  assertEquals(shell.printed, complete.listing);
  await shell.send("\t");
  assertEquals(shell.printed.length, 4, "a third Tab lists again");
  shell.rl.close();
});

Deno.test("a Tab in a paste completes before the text after it is typed", async () => {
  const shell = terminal({ complete: { matches: ["status "], replace: "sta" } });
  await shell.send("sta\t-x");
  assertEquals(shell.rl.line, "status -x");
  shell.rl.close();
});

Deno.test("Ctrl-D asks when leaving stops work: n stays, Ctrl-D twice leaves", async () => {
  const shell = terminal({ question: "1 download is running" });
  await shell.send("\x04");
  assertEquals([shell.printed, shell.closed()], [["1 download is running"], false]);
  await shell.send("n");
  assertEquals([shell.printed.at(-1), shell.rl.line, shell.closed()], ["staying", "", false]);
  await shell.send("\x04\x04");
  assertEquals(shell.closed(), true);
});

Deno.test("Ctrl-D leaves at once when nothing would stop; y answers the question too", async () => {
  const quiet = terminal();
  await quiet.send("\x04");
  assertEquals(quiet.closed(), true);
  const busy = terminal({ question: "downloads run" });
  await busy.send("\x04y");
  assertEquals(busy.closed(), true);
});

Deno.test("Ctrl-R finds a command in the history and Enter runs it", async () => {
  const shell = terminal();
  await shell.send("status\rlist files\r");
  await shell.send("\x12stat");
  assertEquals([shell.keys.searchPrompt, shell.rl.line], ["(reverse-i-search)'stat': ", "status"]);
  await shell.send("\r");
  assertEquals([shell.keys.searchPrompt, shell.lines], [undefined, [
    "status",
    "list files",
    "status",
  ]]);
  shell.rl.close();
});

Deno.test("a key that ends a search then acts as itself: Ctrl-D still asks", async () => {
  const shell = terminal({ question: "1 download is running" });
  await shell.send("\x12\x04");
  assertEquals([shell.keys.searchPrompt, shell.printed, shell.closed()], [
    undefined,
    ["1 download is running"],
    false,
  ]);
  shell.rl.close();
});
