/**
 * Pure text of the shells: help listings, one-line errors and the number of
 * terminal rows a prompt takes.
 *
 * @module
 */

import type { CommandSpec } from "./completion.ts";

/** `download <file> [dir]`: a command with its arguments. */
export function commandUsage(command: CommandSpec): string {
  const args = command.args.map((arg) => arg.required ? `<${arg.name}>` : `[${arg.name}]`);
  return [command.name, ...args].join(" ");
}

/** The `help` listing: one line per command, usage then description. */
export function helpLines(commands: CommandSpec[]): string[] {
  const usages = commands.map(commandUsage);
  const width = Math.max(...usages.map((usage) => usage.length));
  return commands.map((command, i) => `  ${usages[i].padEnd(width)}  ${command.description}`);
}

/** The help of one command: usage, description and other names. */
export function commandHelpLines(command: CommandSpec): string[] {
  const lines = [`usage: ${commandUsage(command)}`, command.description];
  if (command.aliases.length > 0) lines.push(`also: ${command.aliases.join(", ")}`);
  for (const arg of command.args) {
    if (arg.choices) lines.push(`${arg.name}: one of ${arg.choices.join(", ")}`);
  }
  return lines;
}

const UNKNOWN_COMMAND = /^unknown command '([^']*)'/;
const SUGGESTION = /\(Did you mean (.+)\?\)/;

/**
 * A commander error message as one line, e.g.
 * `error: unknown command 'stauts' (did you mean status?); type help for the commands`.
 * `command` is the command the line named, to add its usage to argument errors.
 */
export function oneLineError(message: string, command?: CommandSpec): string {
  const lines = message.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const first = (lines[0] ?? "").replace(/^error:\s*/, "");
  const suggestion = message.match(SUGGESTION);
  if (UNKNOWN_COMMAND.test(first)) {
    const hint = suggestion ? ` (did you mean ${suggestion[1]}?)` : "";
    return `error: ${first}${hint}; type help for the commands`;
  }
  const usage = command ? ` (usage: ${commandUsage(command)})` : "";
  return `error: ${first}${usage}`;
}

/** Rows `text` takes on a terminal `columns` wide (each line at least one row). */
export function displayRows(text: string, columns: number): number {
  return text.split("\n").reduce(
    (rows, line) => rows + Math.max(1, Math.ceil(line.length / Math.max(1, columns))),
    0,
  );
}
