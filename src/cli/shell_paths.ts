/**
 * Paths typed in the shell, expanded as a Unix shell would: a leading `~` is
 * the home folder, and a word with `*`, `?` or `[` is a glob pattern that
 * stands for the paths it matches (sorted), or is refused when it matches
 * nothing.
 *
 * @module
 */

import { globSync } from "node:fs";
import { join } from "node:path";

const GLOB_CHARACTERS = /[*?[]/;

/** The paths `words` stand for, in order; throws when a pattern matches nothing. */
export function expandPaths(words: string[], options: { cwd: string; home: string }): string[] {
  return words.flatMap((word) => {
    const path = word === "~"
      ? options.home
      : word.startsWith("~/")
      ? join(options.home, word.slice(2))
      : word;
    if (!GLOB_CHARACTERS.test(path)) return [path];
    const matches = globSync(path, { cwd: options.cwd }).toSorted();
    if (matches.length === 0) {
      throw new Error(`no path matches ${word}: check the pattern, or quote a name with * ? [`);
    }
    return matches;
  });
}
