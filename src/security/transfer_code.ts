/**
 * Transfer codes, the one thing `p2pft get` needs: `<nameplate>-<word>-<word>-<word>`,
 * e.g. `42-copper-violin-river`. The nameplate, a small number, says where
 * the sender is (the server or the LAN maps it to an address); it is public.
 * The words are the password of the PAKE (see pake.ts): three words of the
 * BIP-39 English list (2,048 common words, each told apart by its first four
 * letters; from `@scure/bip39`, MIT), so 33 bits that cannot be tested
 * offline. A code is read case-insensitively, with `-` or spaces between its
 * parts, and a mistyped word is named with the closest words of the list.
 *
 * @module
 */

import { wordlist } from "@scure/bip39/wordlists/english.js";
import { closePaths } from "../storage/folder_file.ts";

/** Words in a code `send` makes. */
export const CODE_WORDS = 3;
/** Fewest words a code may have. */
export const MIN_CODE_WORDS = 2;
/** Most words a code may have. */
export const MAX_CODE_WORDS = 4;
/** Largest nameplate. */
export const MAX_NAMEPLATE = 999_999;
/** Bits of password each word gives (log2 of the list's 2,048 words). */
export const BITS_PER_WORD = 11;

const WORDS = new Set(wordlist);
const EXAMPLE = "42-copper-violin-river";
/** Letters that tell every word of the list apart. */
const UNIQUE_PREFIX = 4;
/** Close words named for a mistyped one. */
const SUGGESTIONS = 3;

/** A parsed transfer code. */
export interface TransferCode {
  /** Where the sender is found: its number on the server or the LAN. */
  nameplate: number;
  /** The password words, lowercase. */
  words: string[];
}

/** A code with `nameplate` and `count` random words of the list (`random` gives bytes). */
export function generateCode(
  nameplate: number,
  options: { count?: number; random?: (bytes: Uint8Array) => Uint8Array } = {},
): TransferCode {
  const random = options.random ?? ((bytes: Uint8Array) => crypto.getRandomValues(bytes));
  const words: string[] = [];
  for (let i = 0; i < (options.count ?? CODE_WORDS); i++) {
    const [high, low] = random(new Uint8Array(2));
    words.push(wordlist[((high << 8) | low) % wordlist.length]);
  }
  return { nameplate: checkNameplate(nameplate), words };
}

/** The text of `code`: `nameplate-word-word-word`. */
export function formatCode(code: TransferCode): string {
  return [String(code.nameplate), ...code.words].join("-");
}

/**
 * Reads a code as a person typed it: any case, `-` or spaces between the
 * parts. Throws an error that says what is wrong and what a code looks like;
 * a word not in the list is named with the closest ones.
 */
export function parseCode(text: string): TransferCode {
  const parts = text.trim().toLowerCase().split(/[\s-]+/).filter((part) => part !== "");
  const [first, ...words] = parts;
  if (first === undefined || !/^\d+$/.test(first)) {
    throw new Error(
      `"${text.trim()}" is not a transfer code: a code starts with the number the sender ` +
        `printed, as in ${EXAMPLE}`,
    );
  }
  if (words.length < MIN_CODE_WORDS || words.length > MAX_CODE_WORDS) {
    throw new Error(
      `"${text.trim()}" has ${words.length} word(s) after its number; a transfer code has ` +
        `${MIN_CODE_WORDS} to ${MAX_CODE_WORDS}, as in ${EXAMPLE}: copy the whole code the sender printed`,
    );
  }
  for (const word of words) {
    if (!WORDS.has(word)) {
      throw new Error(
        `"${word}" is not a word of transfer codes (did you mean ${
          closeWords(word).join(", ")
        }?): ` +
          `check the code with the sender`,
      );
    }
  }
  return { nameplate: checkNameplate(Number(first)), words };
}

/** The password of `code` for the PAKE: its words, joined by `-`, in UTF-8. */
export function codePassword(code: TransferCode): Uint8Array {
  return new TextEncoder().encode(code.words.join("-"));
}

/** The words of the list closest to `word`: those sharing its first letters, else by edit distance. */
export function closeWords(word: string): string[] {
  for (let length = UNIQUE_PREFIX; length >= 2; length--) {
    const prefix = word.slice(0, length);
    const matches = wordlist.filter((candidate) => candidate.startsWith(prefix));
    if (matches.length > 0 && matches.length <= SUGGESTIONS) return matches;
  }
  return closePaths(wordlist, word, SUGGESTIONS);
}

function checkNameplate(nameplate: number): number {
  if (!Number.isSafeInteger(nameplate) || nameplate < 1 || nameplate > MAX_NAMEPLATE) {
    throw new Error(
      `a transfer code's number is between 1 and ${MAX_NAMEPLATE}, not ${nameplate}: ` +
        `copy the code the sender printed`,
    );
  }
  return nameplate;
}
