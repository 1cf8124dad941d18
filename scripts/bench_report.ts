/**
 * Pure formatting for `deno task bench`: parsing sizes, ratios, the table.
 *
 * @module
 */

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
};

/** Parses `1G`, `256M`, `64K` or a plain byte count. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size: use e.g. 256M or 1G`);
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()]);
}

/** Decimal megabytes per second. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/** One row of the results table. */
export interface Row {
  /** What was measured. */
  scenario: string;
  /** The figure, formatted. */
  figure: string;
  /** The baseline, formatted. */
  baseline: string;
  /** figure / baseline, or its inverse, as the row says. */
  ratio: string;
  /** The target, in words. */
  target: string;
  /** Whether the target is met. */
  pass: boolean;
}

/** Formats `value` with `digits` decimals. */
export function fixed(value: number, digits = 2): string {
  return value.toFixed(digits);
}

/** Lays the rows out as an aligned text table. */
export function renderTable(rows: Row[]): string {
  const header = ["scenario", "figure", "baseline", "ratio", "target", "ok"];
  const cells = rows.map((r) => [
    r.scenario,
    r.figure,
    r.baseline,
    r.ratio,
    r.target,
    r.pass ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
