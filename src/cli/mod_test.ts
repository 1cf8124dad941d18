import assert from "node:assert/strict";
import { PROGRAM_VERSION } from "../constants.ts";
import { buildProgram } from "./mod.ts";

Deno.test("the program has its four commands and prints its version", () => {
  const program = buildProgram();
  assert.deepEqual(program.commands.map((command) => command.name()), [
    "server",
    "peer",
    "send",
    "get",
  ]);
  let printed = "";
  program.exitOverride().configureOutput({ writeOut: (text) => printed += text });
  assert.throws(() => program.parse(["--version"], { from: "user" }), {
    code: "commander.version",
  });
  assert.equal(printed.trim(), `p2pft ${PROGRAM_VERSION}`);
});
