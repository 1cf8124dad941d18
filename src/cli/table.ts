/**
 * Plain-text tables and key/value blocks for the shells' output.
 *
 * @module
 */

import { printable } from "../printable.ts";

/** Spaces between two columns. */
const COLUMN_GAP = "  ";

/** How a column's cells line up. */
export type Align = "left" | "right";

/** Options of {@linkcode formatTable}. */
export interface TableOptions {
  /** Column titles, printed first. */
  header: string[];
  /** Alignment per column; default left. */
  align?: Align[];
}

/**
 * Lays `rows` out in columns under `options.header`; trailing blanks are
 * trimmed. Cells go through {@linkcode printable} first (names and IDs come
 * from the network), so that the columns line up on what is printed.
 */
export function formatTable(rows: string[][], options: TableOptions): string[] {
  const all = [options.header, ...rows].map((row) => row.map(printable));
  const widths = options.header.map((_, column) =>
    Math.max(...all.map((row) => (row[column] ?? "").length))
  );
  return all.map((row) =>
    widths.map((width, column) => {
      const cell = row[column] ?? "";
      return options.align?.[column] === "right" ? cell.padStart(width) : cell.padEnd(width);
    }).join(COLUMN_GAP).trimEnd()
  );
}

/** Lays `pairs` out as `key  value` lines with the values lined up, values made {@linkcode printable}. */
export function formatFields(pairs: [string, string][]): string[] {
  const width = Math.max(0, ...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => `${key.padEnd(width)}${COLUMN_GAP}${printable(value)}`);
}
