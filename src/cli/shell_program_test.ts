import assert from "node:assert/strict";
import type { ShellIo } from "./shell.ts";
import { shellProgram } from "./shell_program.ts";

function program() {
  const out: string[] = [];
  let closed = 0;
  const io: ShellIo = {
    out: (...lines) => out.push(...lines),
    err: (...lines) => out.push(...lines),
    signal: new AbortController().signal,
  };
  const tree = shellProgram({ close: () => closed++ }, io, {
    commands: (program) => {
      program.command("status").description("show the state").action(() => io.out("fine"));
    },
    exit: "leave the test",
  });
  return { tree, out, closed: () => closed };
}

Deno.test("every shell lists its own commands, then help and exit", async () => {
  const shell = program();
  await shell.tree.parseAsync(["help"], { from: "user" });
  const listing = shell.out.join("\n");
  assert.match(listing, /^commands:/);
  assert.ok(
    listing.indexOf("status") < listing.indexOf("help") &&
      listing.indexOf("help") < listing.indexOf("exit"),
  );
  assert.match(listing, /leave the test/);
  await shell.tree.parseAsync(["status"], { from: "user" });
  assert.equal(shell.out.at(-1), "fine");
});

Deno.test("help explains one command, and says so for an unknown one", async () => {
  const shell = program();
  await shell.tree.parseAsync(["help", "status"], { from: "user" });
  assert.match(shell.out.join("\n"), /show the state/);
  await assert.rejects(
    shell.tree.parseAsync(["help", "nope"], { from: "user" }),
    /no command nope; type help for the list/,
  );
});

Deno.test("exit and quit close the shell", async () => {
  const shell = program();
  await shell.tree.parseAsync(["exit"], { from: "user" });
  await program().tree.parseAsync(["quit"], { from: "user" });
  assert.equal(shell.closed(), 1);
});
