import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { CommandSpec } from "./completion.ts";
import {
  commandHelpLines,
  commandUsage,
  displayRows,
  helpLines,
  oneLineError,
} from "./shell_format.ts";

const download: CommandSpec = {
  name: "download",
  aliases: [],
  description: "download a file",
  args: [{ name: "file", required: true }, { name: "dir", required: false }],
};
const exit: CommandSpec = { name: "exit", aliases: ["quit"], description: "leave", args: [] };

Deno.test("commandUsage and helpLines", () => {
  assertEquals(commandUsage(download), "download <file> [dir]");
  assertEquals(helpLines([download, exit]), [
    "  download <file> [dir]  download a file",
    "  exit                   leave",
  ]);
  assertEquals(commandHelpLines(exit), ["usage: exit", "leave", "also: quit"]);
});

Deno.test("oneLineError folds commander messages into one line", () => {
  assertEquals(
    oneLineError("error: unknown command 'stauts'\n(Did you mean status?)"),
    "error: unknown command 'stauts' (did you mean status?); type help for the commands",
  );
  assertEquals(
    oneLineError("error: unknown command 'zzz'"),
    "error: unknown command 'zzz'; type help for the commands",
  );
  assertEquals(
    oneLineError("error: missing required argument 'file'", download),
    "error: missing required argument 'file' (usage: download <file> [dir])",
  );
});

Deno.test("displayRows counts wrapped and separate lines", () => {
  assertEquals(displayRows("p2pft> ", 80), 1);
  assertEquals(displayRows("bar\np2pft> ", 80), 2);
  assertEquals(displayRows("x".repeat(100), 80), 2);
});
