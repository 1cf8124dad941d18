/**
 * Splitting a shell line into words, shell-style: blanks separate words,
 * single or double quotes and backslashes keep blanks inside one word.
 *
 * @module
 */

/** A line cut into words. */
export interface SplitLine {
  /** The words, quotes and escapes removed. */
  words: string[];
  /** The last word as typed (quotes and escapes kept), empty after a trailing blank. */
  lastRaw: string;
  /** True when the line ends inside a word (no trailing blank). */
  inWord: boolean;
  /** Set when a quote is left open. */
  openQuote: string | undefined;
}

const BLANK = /\s/;
const NEEDS_ESCAPE = /[\s"'\\]/g;

/** Splits `line` into words; an unterminated quote runs to the end of the line. */
export function splitLine(line: string): SplitLine {
  const words: string[] = [];
  let current = "";
  let raw = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      raw += char;
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < line.length) {
        raw += line[++i];
        current += line[i];
      } else current += char;
      continue;
    }
    if (BLANK.test(char)) {
      if (inWord) words.push(current);
      current = "";
      raw = "";
      inWord = false;
      continue;
    }
    inWord = true;
    raw += char;
    if (char === '"' || char === "'") quote = char;
    else if (char === "\\" && i + 1 < line.length) {
      raw += line[++i];
      current += line[i];
    } else current += char;
  }
  if (inWord) words.push(current);
  return { words, lastRaw: raw, inWord, openQuote: quote };
}

/** `word` with blanks, quotes and backslashes escaped so that {@linkcode splitLine} keeps it whole. */
export function escapeWord(word: string): string {
  return word.replace(NEEDS_ESCAPE, (char) => `\\${char}`);
}
