/**
 * Text from the network made safe to print. File names, peer IDs, addresses
 * and error messages that other programs send may hold newlines (a forged
 * log line), escape sequences (terminal control codes, C0 and C1) and bidi
 * controls (text that reads backwards); every log line, table and progress
 * line goes through {@linkcode printable} before it is written.
 *
 * @module
 */

/**
 * The characters that must never reach a terminal as they are, as the body
 * of a regular expression character class: C0 controls, DEL, C1 controls,
 * the bidi marks and embeddings (U+061C, U+200E, U+200F, U+202A to U+202E,
 * U+2066 to U+2069) and the line and paragraph separators.
 */
export const UNPRINTABLE_CLASS =
  "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";

const UNPRINTABLE = new RegExp(`[${UNPRINTABLE_CLASS}]`, "g");

/** The escapes people know, used for these instead of `\uXXXX`. */
const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

const HEX = 16;
const ESCAPE_DIGITS = 4;

/**
 * `text` with every unprintable character (see {@linkcode UNPRINTABLE_CLASS})
 * escaped: `\n`, `\r`, `\t`, else `\uXXXX` (`\u001b` for ESC, `\u202e` for
 * the right-to-left override). Printable text comes back unchanged, so
 * escaping twice changes nothing; inside a JSON string the escapes are valid
 * JSON for the same characters.
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (char) =>
      SHORT_ESCAPES[char] ??
        `\\u${char.charCodeAt(0).toString(HEX).padStart(ESCAPE_DIGITS, "0")}`,
  );
}
