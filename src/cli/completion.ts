/**
 * Tab completion for the shells, driven by the commander command tree:
 * command words, argument choices, and candidates the shell supplies for
 * other arguments (file IDs and names, paths, download numbers).
 *
 * @module
 */

import { homedir } from "node:os";
import { join } from "node:path";
import type { FileSummary } from "../protocol/messages.ts";
import { escapeWord, splitLine } from "./words.ts";

/** An argument of a shell command, as completion sees it. */
export interface ArgumentSpec {
  /** Its name, e.g. `path`. */
  name: string;
  /** False for an optional argument. */
  required: boolean;
  /** The values it accepts, when fixed. */
  choices?: readonly string[];
  /** True for a last argument that takes any number of words. */
  variadic?: boolean;
}

/** A shell command, as completion sees it. */
export interface CommandSpec {
  name: string;
  /** Other names it answers to. */
  aliases: string[];
  /** Its arguments in order. */
  args: ArgumentSpec[];
  /** One-line description. */
  description: string;
}

/** The parts of a commander command that completion reads. */
export interface CommandTree {
  /** Subcommands. */
  readonly commands: readonly {
    name(): string;
    aliases(): string[];
    description(): string;
    readonly registeredArguments: readonly {
      name(): string;
      required: boolean;
      variadic?: boolean;
      argChoices?: string[];
    }[];
  }[];
}

/** The commands of a commander tree. */
export function commandSpecs(tree: CommandTree): CommandSpec[] {
  return tree.commands.map((command) => ({
    name: command.name(),
    aliases: command.aliases(),
    description: command.description(),
    args: command.registeredArguments.map((arg) => ({
      name: arg.name(),
      required: arg.required,
      ...(arg.variadic ? { variadic: true } : {}),
      ...(arg.argChoices ? { choices: arg.argChoices } : {}),
    })),
  }));
}

/** Finds the command called `word` (by name or alias). */
export function findCommand(commands: CommandSpec[], word: string): CommandSpec | undefined {
  return commands.find((command) => command.name === word || command.aliases.includes(word));
}

/**
 * Candidates of an argument: the words it completes to, and the lines that
 * list them on a second Tab when the words alone would not say enough
 * (a file's ID beside its name).
 */
export interface CandidateSet {
  /** Words that complete the argument. */
  words: string[];
  /** Lines listing the candidates; default: the words in columns. */
  listing?: string[];
}

/** Supplies candidates for argument `arg` of `command` that start with `partial`. */
export type ArgumentCandidates = (
  command: string,
  options: { arg: string; partial: string },
) => string[] | CandidateSet | Promise<string[] | CandidateSet>;

/** What to do with a Tab. */
export interface Completion {
  /** Full candidates, escaped; a unique one ends with a space unless it is a folder. */
  matches: string[];
  /** The text before the cursor that the candidates replace. */
  replace: string;
  /** Lines that list the candidates, when their supplier gave them. */
  listing?: string[];
}

/** The longest common prefix of `words`. */
export function commonPrefix(words: string[]): string {
  if (words.length === 0) return "";
  let prefix = words[0];
  for (const word of words) {
    while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/** Completes the last word of `line` (the text before the cursor). */
export async function completeLine(
  line: string,
  options: { commands: CommandSpec[]; candidates: ArgumentCandidates },
): Promise<Completion> {
  const split = splitLine(line);
  const replace = split.inWord ? split.lastRaw : "";
  const partial = split.inWord ? split.words[split.words.length - 1] : "";
  const index = split.inWord ? split.words.length - 1 : split.words.length;
  let found: CandidateSet;
  if (index === 0) {
    found = { words: options.commands.map((command) => command.name) };
  } else {
    const command = findCommand(options.commands, split.words[0]);
    const last = command?.args.at(-1);
    const arg = command?.args[index - 1] ?? (last?.variadic ? last : undefined);
    if (!command || !arg) return { matches: [], replace };
    const supplied = arg.choices
      ? [...arg.choices]
      : await options.candidates(command.name, { arg: arg.name, partial });
    found = Array.isArray(supplied) ? { words: supplied } : supplied;
  }
  const matches = [...new Set(found.words)]
    .filter((word) => word.startsWith(partial))
    .map(escapeWord)
    .filter((word) => word.startsWith(replace))
    .sort();
  if (matches.length === 1 && !matches[0].endsWith("/")) matches[0] += " ";
  return found.listing ? { matches, replace, listing: found.listing } : { matches, replace };
}

/** A directory entry, as path completion sees it. */
export interface PathEntry {
  name: string;
  /** True for a folder (or a link to one). */
  isDirectory: boolean;
}

/** Where a partial path points: the folder part as typed and the start of the name. */
export function splitPartialPath(partial: string): { folder: string; base: string } {
  const slash = partial.lastIndexOf("/");
  return { folder: partial.slice(0, slash + 1), base: partial.slice(slash + 1) };
}

/**
 * The entries of a folder that complete `partial`, written as typed
 * (folder part kept, `/` after folders). Dot files show only when the
 * name typed so far starts with a dot.
 */
export function matchPathEntries(
  entries: PathEntry[],
  options: { partial: string; foldersOnly?: boolean },
): string[] {
  const { folder, base } = splitPartialPath(options.partial);
  return entries
    .filter((entry) => entry.name.startsWith(base))
    .filter((entry) => base.startsWith(".") || !entry.name.startsWith("."))
    .filter((entry) => entry.isDirectory || !options.foldersOnly)
    .map((entry) => `${folder}${entry.name}${entry.isDirectory ? "/" : ""}`)
    .sort();
}

/** The folder to list for `folder` as typed: `~` is the home folder, empty is `cwd`. */
export function folderToList(folder: string, options: { cwd: string; home: string }): string {
  if (folder === "") return options.cwd;
  if (folder === "~/" || folder.startsWith("~/")) return join(options.home, folder.slice(2));
  return folder.startsWith("/") ? folder : join(options.cwd, folder);
}

/** Paths that complete `partial`, read from the file system; none when the folder is unreadable. */
export async function pathCandidates(
  partial: string,
  options: { foldersOnly?: boolean; cwd?: string } = {},
): Promise<string[]> {
  const { folder } = splitPartialPath(partial);
  const dir = folderToList(folder, { cwd: options.cwd ?? Deno.cwd(), home: homedir() });
  const entries: PathEntry[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      let isDirectory = entry.isDirectory;
      if (entry.isSymlink) {
        isDirectory = await Deno.stat(join(dir, entry.name)).then(
          (s) => s.isDirectory,
          () => false,
        );
      }
      entries.push({ name: entry.name, isDirectory });
    }
  } catch {
    return [];
  }
  return matchPathEntries(entries, { partial, foldersOnly: options.foldersOnly });
}

/** Hex digits of a file ID in a listing of candidates. */
const LISTED_ID_LENGTH = 12;

/**
 * File IDs starting with `partial` and names starting with it, from the
 * network's file list; a folder's name ends in `/`. The listing has one
 * line per file that matches either way, `<short ID>  <name>`, sorted by name.
 */
export function fileCandidates(files: FileSummary[], partial: string): CandidateSet {
  const lower = partial.toLowerCase();
  const named = (file: FileSummary) => file.files === undefined ? file.name : `${file.name}/`;
  const byId = files.filter((file) => file.fileId.startsWith(lower));
  const byName = files.filter((file) => named(file).startsWith(partial));
  const listed = [...new Set([...byId, ...byName])].sort((a, b) =>
    compare(named(a), named(b)) || compare(a.fileId, b.fileId)
  );
  return {
    words: [...byId.map((file) => file.fileId), ...byName.map(named)],
    listing: listed.map((file) => `${file.fileId.slice(0, LISTED_ID_LENGTH)}  ${named(file)}`),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const CANDIDATE_GAP = 2;

/** Lays candidates out in columns that fit `width`, as shells list them after a second Tab. */
export function formatCandidates(candidates: string[], width: number): string[] {
  if (candidates.length === 0) return [];
  const cell = Math.max(...candidates.map((word) => word.length)) + CANDIDATE_GAP;
  const perLine = Math.max(1, Math.floor(width / cell));
  const lines: string[] = [];
  for (let start = 0; start < candidates.length; start += perLine) {
    lines.push(
      candidates.slice(start, start + perLine).map((word) => word.padEnd(cell)).join("").trimEnd(),
    );
  }
  return lines;
}
