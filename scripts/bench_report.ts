/**
 * Pure formatting for `deno task bench`: sizes, rates, ratios against a
 * baseline, targets and the results table.
 *
 * @module
 */

import { MS_PER_SECOND } from "../src/constants.ts";

/** Bytes in a decimal megabyte (rates and RSS are given in MB = 10^6 bytes). */
export const BYTES_PER_MB = 1e6;

/** Bytes in a mebibyte (file sizes are given in MiB and GiB). */
export const BYTES_PER_MIB = 1024 ** 2;

/** Bytes in a gibibyte. */
export const BYTES_PER_GIB = 1024 ** 3;

const BYTES_PER_KIB = 1024;

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  K: BYTES_PER_KIB,
  M: BYTES_PER_MIB,
  G: BYTES_PER_GIB,
};

/** Decimals shown for seconds and ratios. */
const DEFAULT_DECIMALS = 2;

/** Column separator of the table. */
const COLUMN_GAP = "  ";

/**
 * Parses a size: `1G`, `256M`, `64K` (binary units, optionally followed by
 * `B` or `iB`) or a plain byte count.
 */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size: use e.g. 256M or 1G`);
  const bytes = Math.round(Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()]);
  if (bytes <= 0) throw new Error(`size "${text}" must be positive`);
  return bytes;
}

/** Formats a byte count in binary units: `1 GiB`, `256 MiB`, `1.5 MiB`, `12 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes >= BYTES_PER_GIB) return `${trimmed(bytes / BYTES_PER_GIB)} GiB`;
  if (bytes >= BYTES_PER_MIB) return `${trimmed(bytes / BYTES_PER_MIB)} MiB`;
  if (bytes >= BYTES_PER_KIB) return `${trimmed(bytes / BYTES_PER_KIB)} KiB`;
  return `${bytes} bytes`;
}

/** A number with at most two decimals and no trailing zeros. */
function trimmed(value: number): string {
  return String(Number(value.toFixed(DEFAULT_DECIMALS)));
}

/** Decimal megabytes per second for `bytes` moved in `ms` milliseconds. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return bytes / BYTES_PER_MB / (ms / MS_PER_SECOND);
}

/** Formats a rate in whole decimal MB/s: `652 MB/s`. */
export function formatRate(megabytesPerSec: number): string {
  return `${megabytesPerSec.toFixed(0)} MB/s`;
}

/** Formats milliseconds as seconds: `1.65 s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / MS_PER_SECOND).toFixed(DEFAULT_DECIMALS)} s`;
}

/** Formats bytes in whole decimal megabytes: `118 MB`. */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / BYTES_PER_MB).toFixed(0)} MB`;
}

/** Formats a ratio: `0.26x`. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(DEFAULT_DECIMALS)}x` : "-";
}

/** How a figure is compared with its limit. */
export type Comparison = ">=" | "<=" | "<";

/** A target to display next to a figure; checked, never asserted. */
export interface Target {
  /** Whether the limit applies to the figure itself or to its ratio to the baseline. */
  on: "figure" | "ratio";
  /** How the value must compare with the limit. */
  comparison: Comparison;
  /** The limit, in the figure's unit or as a ratio. */
  limit: number;
}

/** Whether `value` meets `comparison limit`. */
export function compare(
  value: number,
  options: { comparison: Comparison; limit: number },
): boolean {
  const { comparison, limit } = options;
  switch (comparison) {
    case ">=":
      return value >= limit;
    case "<=":
      return value <= limit;
    case "<":
      return value < limit;
  }
}

/**
 * The target in words: `>= 600 MB/s` (a figure limit, shown with the
 * figure's `format`), `<= 1.3x` (a ratio limit).
 */
export function formatTarget(target: Target, format: (value: number) => string): string {
  const limit = target.on === "ratio" ? `${target.limit}x` : format(target.limit);
  return `${target.comparison} ${limit}`;
}

/** One row of the results table, already formatted. */
export interface Row {
  /** What was measured. */
  scenario: string;
  /** The figure, formatted. */
  figure: string;
  /** The baseline it is compared with, formatted and named. */
  baseline: string;
  /** figure / baseline. */
  ratio: string;
  /** The target in words, or `-`. */
  target: string;
  /** `pass`, `FAIL`, `skip` (baseline not measured), or empty without a target. */
  verdict: string;
}

/** What {@linkcode compareRow} needs: raw values and how to show them. */
export interface Comparand {
  /** What was measured. */
  scenario: string;
  /** The figure, in its unit (MB/s, ms, bytes). */
  value: number;
  /** The baseline, in the same unit. */
  baselineValue: number;
  /** Formats `value` and `baselineValue`. */
  format: (value: number) => string;
  /** Names the baseline after its formatted value: `TCP`, `cp`, `alone`. */
  baselineName: string;
  /** Target to show and check. */
  target?: Target;
}

/** Builds a row from raw values: the ratio is always value / baselineValue. */
export function compareRow(input: Comparand): Row {
  const ratio = input.value / input.baselineValue;
  const target = input.target;
  let verdict = "";
  if (target) {
    const checked = target.on === "ratio" ? ratio : input.value;
    verdict = compare(checked, { comparison: target.comparison, limit: target.limit })
      ? "pass"
      : "FAIL";
  }
  return {
    scenario: input.scenario,
    figure: input.format(input.value),
    baseline: `${input.format(input.baselineValue)} ${input.baselineName}`,
    ratio: formatRatio(ratio),
    target: target ? formatTarget(target, input.format) : "-",
    verdict,
  };
}

/**
 * A row whose baseline could not be measured: the figure as usual, the
 * baseline column says why (and how to fix it), the verdict is `skip`.
 */
export function skippedRow(input: Omit<Comparand, "baselineValue"> & { reason: string }): Row {
  return {
    scenario: input.scenario,
    figure: input.format(input.value),
    baseline: `${input.baselineName} skipped: ${input.reason}`,
    ratio: "-",
    target: input.target ? formatTarget(input.target, input.format) : "-",
    verdict: input.target ? "skip" : "",
  };
}

const HEADER: Row = {
  scenario: "scenario",
  figure: "figure",
  baseline: "baseline (same run)",
  ratio: "ratio",
  target: "target",
  verdict: "ok",
};

const COLUMNS: (keyof Row)[] = ["scenario", "figure", "baseline", "ratio", "target", "verdict"];

/** Columns aligned to the right (numbers). */
const RIGHT_ALIGNED = new Set<keyof Row>(["figure", "ratio"]);

/** Lays the rows out as an aligned text table under a header and a rule. */
export function renderTable(rows: Row[]): string {
  const all = [HEADER, ...rows];
  const widths = COLUMNS.map((column) => Math.max(...all.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) =>
      RIGHT_ALIGNED.has(COLUMNS[i]) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])
    ).join(COLUMN_GAP).trimEnd();
  const rule = widths.map((width) => "-".repeat(width));
  return [
    line(COLUMNS.map((column) => HEADER[column])),
    line(rule),
    ...rows.map((row) => line(COLUMNS.map((column) => row[column]))),
  ].join("\n");
}

/** Smallest, median and largest of repeated measurements. */
export interface Spread {
  /** Smallest value. */
  min: number;
  /** Median (the mean of the middle two for an even count). */
  median: number;
  /** Largest value. */
  max: number;
  /** How many values. */
  count: number;
}

/** The spread of `values` (at least one). */
export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error("no values to summarise");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], count: sorted.length };
}

/**
 * A spread of times in words, best first: `1.63 s` for one run,
 * `best 1.63 s (median 1.70 s, worst 1.90 s; n=3)` for more.
 */
export function formatSpread(times: Spread, format: (value: number) => string): string {
  if (times.count === 1) return format(times.min);
  return `best ${format(times.min)} (median ${format(times.median)}, ` +
    `worst ${format(times.max)}; n=${times.count})`;
}

/** One summary line: `name: fact; fact; fact`. */
export function summaryLine(name: string, facts: string[]): string {
  return `${name}: ${facts.join("; ")}`;
}

/** `targets: N met, M missed` over the rows that have a target, and how many were skipped if any. */
export function tally(rows: Row[]): string {
  const count = (verdict: string) => rows.filter((row) => row.verdict === verdict).length;
  const skipped = count("skip");
  return `targets: ${count("pass")} met, ${count("FAIL")} missed` +
    (skipped ? `, ${skipped} skipped` : "");
}
