/**
 * Pure progress arithmetic and text: transfer rates over a sliding window,
 * ETAs, the fields a progress bar shows, and the summary line printed when
 * a transfer ends.
 *
 * @module
 */

import cliProgress from "cli-progress";
import { MS_PER_SECOND } from "../constants.ts";
import { printable } from "../printable.ts";
import { formatBytes, formatDuration, formatRate } from "./format.ts";
import type { DownloadProgress } from "../peer/download_progress.ts";
import type { SourceWay } from "../peer/download_sources.ts";
import type { CliEvent } from "./output.ts";

/** Span of recent samples a rate is measured over, in milliseconds. */
export const RATE_WINDOW_MS = 5_000;

/** Characters of the bar drawn in progress lines. */
export const BAR_SIZE = 24;

const SECONDS_PER_MINUTE = 60;
const PERCENT = 100;
const BAR_COMPLETE_CHAR = "\u2588";
const BAR_INCOMPLETE_CHAR = "\u2591";

/** What a transfer is doing. */
export type TaskKind = "download" | "hash";

/** One moment of a running transfer, as progress displays show it. */
export interface TaskFigures {
  /** Downloading or hashing. */
  kind: TaskKind;
  /** Short text in front of the bar, e.g. `#1 big.iso` or `hashing big.iso`. */
  label: string;
  name: string;
  /** Bytes done so far. */
  bytesDone: number;
  /** Bytes in all. */
  bytesTotal: number;
  /** Current rate in bytes per second. */
  rate: number;
  /** Usable sources (downloads only). */
  sources?: number;
  /** Of those, the ones that dialled this peer back (reversal), when some did. */
  reversed?: number;
  /** Of those, the ones reached through a relay, when some are. */
  relayed?: number;
  /** Each usable source's address and how it is reached (downloads with sources only). */
  via?: SourceWay[];
  /** Of a folder: its files, and how many are whole so far. */
  files?: { done: number; total: number };
  /** Local download number (downloads only). */
  downloadId?: number;
  /** File ID, when known. */
  fileId?: string;
}

/** Measures a byte rate over the samples of the last {@linkcode RATE_WINDOW_MS}. */
export class RateMeter {
  #windowMs: number;
  #samples: { time: number; bytes: number }[] = [];

  /** Creates a meter averaging over `windowMs`. */
  constructor(windowMs: number = RATE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Records that `bytes` were done in total at `time` (ms). */
  add(time: number, bytes: number): void {
    this.#samples.push({ time, bytes });
    while (this.#samples.length > 2 && time - this.#samples[0].time > this.#windowMs) {
      this.#samples.shift();
    }
  }

  /** Bytes per second between the oldest and newest sample in the window; 0 before two samples. */
  rate(): number {
    if (this.#samples.length < 2) return 0;
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    const elapsed = last.time - first.time;
    if (elapsed <= 0) return 0;
    return Math.max(0, (last.bytes - first.bytes) / (elapsed / MS_PER_SECOND));
  }
}

/** Seconds left at `rate` bytes per second, or undefined when the rate is zero. */
export function etaSeconds(remaining: number, rate: number): number | undefined {
  if (remaining <= 0) return 0;
  if (rate <= 0) return undefined;
  return Math.ceil(remaining / rate);
}

/** An ETA like `7s` or `4m05s`; `--` when unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined) return "--";
  if (seconds < SECONDS_PER_MINUTE) return `${seconds}s`;
  return formatDuration(seconds * MS_PER_SECOND);
}

/** Whole percent done, 100 for an empty file. */
export function percentDone(bytesDone: number, bytesTotal: number): number {
  if (bytesTotal <= 0) return PERCENT;
  return Math.floor((bytesDone / bytesTotal) * PERCENT);
}

/**
 * `1 source` / `3 sources`, and `(1 reversed)` / `(1 relayed)` when some
 * dialled this peer back, straight or through the relay.
 */
export function sourcesText(
  count: number,
  ways: { reversed?: number; relayed?: number } = {},
): string {
  return `${count} ${count === 1 ? "source" : "sources"}${waysText(ways)}`;
}

/** ` (1 reversed, 2 relayed)`: the sources that dialled this peer back; empty when none did. */
export function waysText(ways: { reversed?: number; relayed?: number }): string {
  const parts = [
    ways.reversed ? `${ways.reversed} reversed` : "",
    ways.relayed ? `${ways.relayed} relayed` : "",
  ].filter((part) => part !== "");
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** The text fields of a progress line, named as the bar formats use them. */
export interface ProgressFields {
  /** Label in front of the bar. */
  label: string;
  /** Bytes done, human-readable. */
  doneText: string;
  /** Size, human-readable. */
  sizeText: string;
  /** Rate, e.g. `8.1 MiB/s`. */
  rateText: string;
  /** Time left, e.g. `7s`. */
  etaText: string;
  /** `2 sources`, or empty for hashing. */
  sourcesText: string;
}

/**
 * The text fields shown for `figures`: what every progress display draws,
 * the label (a file name from the network) made {@linkcode printable}.
 */
export function progressFields(figures: TaskFigures): ProgressFields {
  return {
    label: printable(figures.label),
    doneText: formatBytes(figures.bytesDone),
    sizeText: formatBytes(figures.bytesTotal) +
      (figures.files ? `, ${figures.files.done}/${figures.files.total} files` : ""),
    rateText: `${formatBytes(Math.round(figures.rate))}/s`,
    etaText: formatEta(etaSeconds(figures.bytesTotal - figures.bytesDone, figures.rate)),
    sourcesText: figures.sources === undefined ? "" : ` | ${sourcesText(figures.sources, figures)}`,
  };
}

/** The cli-progress format of every bar: label, bar, percent, bytes, rate, ETA, sources. */
export const BAR_FORMAT =
  "{label} {bar} {percentage}% | {doneText}/{sizeText} | {rateText} | ETA {etaText}{sourcesText}";

/** One progress line with a bar, drawn by cli-progress' formatter (for the shell's status area). */
export function barLine(figures: TaskFigures): string {
  const progress = figures.bytesTotal > 0 ? Math.min(1, figures.bytesDone / figures.bytesTotal) : 1;
  const options: cliProgress.Options = {
    format: BAR_FORMAT,
    barsize: BAR_SIZE,
    barGlue: "",
    barCompleteString: BAR_COMPLETE_CHAR.repeat(BAR_SIZE),
    barIncompleteString: BAR_INCOMPLETE_CHAR.repeat(BAR_SIZE),
    autopadding: false,
    autopaddingChar: "",
    align: "left",
  };
  return cliProgress.Format.Formatter(options, {
    progress,
    eta: 0,
    startTime: Date.now(),
    stopTime: null,
    total: figures.bytesTotal,
    value: figures.bytesDone,
    maxWidth: 0,
  }, progressFields(figures));
}

/** Options of the bars cli-progress draws on stderr. */
export function barOptions(): cliProgress.Options {
  return {
    format: BAR_FORMAT,
    barsize: BAR_SIZE,
    barCompleteChar: BAR_COMPLETE_CHAR,
    barIncompleteChar: BAR_INCOMPLETE_CHAR,
    hideCursor: true,
    clearOnComplete: false,
    gracefulExit: false,
    autopadding: true,
  };
}

/** A plain progress line for logs and pipes, e.g. `big.iso: 45% 12.1 MiB/27.0 MiB, 8.1 MiB/s, ETA 2s, 2 sources`. */
export function plainProgressLine(figures: TaskFigures): string {
  const fields = progressFields(figures);
  const sources = figures.sources === undefined ? "" : `, ${sourcesText(figures.sources, figures)}`;
  return `${fields.label}: ${percentDone(figures.bytesDone, figures.bytesTotal)}% ` +
    `${fields.doneText}/${fields.sizeText}, ${fields.rateText}, ETA ${fields.etaText}${sources}`;
}

/** What {@linkcode downloadSummary} reports. */
export interface DownloadSummary {
  name: string;
  /** File size. */
  size: number;
  /** Time it took. */
  elapsedMs: number;
  /** Most sources used at once. */
  sources: number;
  /** True when the file was already there. */
  alreadyPresent: boolean;
}

/** The line printed when a download ends, e.g. `big.iso: 27.0 MiB in 3.2 s (8.4 MiB/s) from 2 sources, every chunk verified`. */
export function downloadSummary(summary: DownloadSummary): string {
  const size = formatBytes(summary.size);
  if (summary.alreadyPresent) {
    return `${summary.name}: ${size} already present with the same content, verified`;
  }
  return `${summary.name}: ${size} in ${formatDuration(summary.elapsedMs)} ` +
    `(${formatRate(summary.size, summary.elapsedMs)}) from ${sourcesText(summary.sources)}, ` +
    `every chunk verified`;
}

/** The line printed when hashing ends, e.g. `big.iso: 1.0 GiB hashed in 2.1 s (487.6 MiB/s)`. */
export function hashSummary(options: { name: string; size: number; elapsedMs: number }): string {
  return `${options.name}: ${formatBytes(options.size)} hashed in ${
    formatDuration(options.elapsedMs)
  } (${formatRate(options.size, options.elapsedMs)})`;
}

/** The `progress` JSON event of `figures`. */
export function progressEvent(figures: TaskFigures): CliEvent {
  return {
    event: "progress",
    task: figures.kind,
    name: figures.name,
    bytesDone: figures.bytesDone,
    bytesTotal: figures.bytesTotal,
    rate: Math.round(figures.rate),
    etaSeconds: etaSeconds(figures.bytesTotal - figures.bytesDone, figures.rate) ?? null,
    ...(figures.sources === undefined ? {} : { sources: figures.sources }),
    ...(figures.reversed === undefined ? {} : { reversed: figures.reversed }),
    ...(figures.relayed === undefined ? {} : { relayed: figures.relayed }),
    ...(figures.via === undefined ? {} : { via: figures.via }),
    ...(figures.files ? { filesDone: figures.files.done, filesTotal: figures.files.total } : {}),
    ...(figures.downloadId === undefined ? {} : { download: figures.downloadId }),
    ...(figures.fileId === undefined ? {} : { fileId: figures.fileId }),
  };
}

/** The figures of a download's progress snapshot at `rate` bytes per second. */
export function downloadFigures(progress: DownloadProgress, rate: number): TaskFigures {
  return {
    kind: "download",
    label: `#${progress.id} ${progress.name}`,
    name: progress.name,
    bytesDone: progress.bytesDone,
    bytesTotal: progress.bytesTotal,
    rate,
    sources: progress.sources,
    ...(progress.reversed === undefined ? {} : { reversed: progress.reversed }),
    ...(progress.relayed === undefined ? {} : { relayed: progress.relayed }),
    ...(progress.via === undefined ? {} : { via: progress.via }),
    downloadId: progress.id,
    fileId: progress.fileId,
    ...(progress.files ? { files: progress.files } : {}),
  };
}
