/**
 * The command tree of a shell: its own commands, then the `help` and
 * `exit` (`quit`) every shell has.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { commandSpecs, findCommand } from "./completion.ts";
import type { Shell, ShellIo } from "./shell.ts";
import { commandHelpLines, helpLines } from "./shell_format.ts";

/** What a shell's command tree is made of. */
export interface ShellProgramOptions {
  /** Adds the shell's own commands to `program`. */
  commands: (program: Command) => void;
  /** What `exit` does, for `help`. */
  exit: string;
}

/** A command tree for one line of `shell`, printing through `io`. */
export function shellProgram(
  shell: Pick<Shell, "close">,
  io: ShellIo,
  options: ShellProgramOptions,
): Command {
  const program = new Command("")
    .helpOption(false)
    .helpCommand(false)
    .showSuggestionAfterError(true);
  options.commands(program);
  program.command("help")
    .description("list the commands, or explain one")
    .argument("[command]", "a command")
    .action((name) => showHelp(program, io, name));
  program.command("exit")
    .alias("quit")
    .description(options.exit)
    .action(() => shell.close());
  return program;
}

/** Prints the `help` listing, or the help of command `name`. */
function showHelp(program: CommandUnknownOpts, io: ShellIo, name: string | undefined): void {
  const specs = commandSpecs(program);
  if (name === undefined) {
    io.out(
      "commands:",
      ...helpLines(specs),
      "Tab completes, Up/Down recall, Ctrl-R searches the history, Ctrl-D leaves",
    );
    return;
  }
  const command = findCommand(specs, name);
  if (!command) throw new Error(`no command ${name}; type help for the list`);
  io.out(...commandHelpLines(command));
}
