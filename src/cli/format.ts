/**
 * Human-readable sizes, durations and rates for CLI output.
 *
 * @module
 */

import { MS_PER_SECOND } from "../constants.ts";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
const STEP = 1024;
const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;

/** `bytes` in the largest binary unit that keeps the number at least 1, e.g. `4.0 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= STEP && unit < UNITS.length - 1) {
    value /= STEP;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * The name a listing shows: a file's name as is, a folder's (a summary with
 * a `files` count) as `name/ (3 files)`.
 */
export function listedName(file: { name: string; files?: number }): string {
  if (file.files === undefined) return file.name;
  return `${file.name}/ (${file.files} ${file.files === 1 ? "file" : "files"})`;
}

/**
 * The address a peer listing shows: as is, or marked `(unreachable)` when
 * the server could not dial the peer back (others reach it by reversal).
 */
export function listedAddress(peer: { address: string; reachable?: boolean }): string {
  return peer.reachable === false ? `${peer.address} (unreachable)` : peer.address;
}

/** A duration like `850 ms`, `12.3 s`, `4m05s` or `2h03m`. */
export function formatDuration(ms: number): string {
  if (ms < MS_PER_SECOND) return `${Math.round(ms)} ms`;
  const seconds = ms / MS_PER_SECOND;
  if (seconds < SECONDS_PER_MINUTE) return `${seconds.toFixed(1)} s`;
  if (seconds < SECONDS_PER_HOUR) {
    const minutes = Math.floor(seconds / SECONDS_PER_MINUTE);
    return `${minutes}m${String(Math.floor(seconds % SECONDS_PER_MINUTE)).padStart(2, "0")}s`;
  }
  const hours = Math.floor(seconds / SECONDS_PER_HOUR);
  const minutes = Math.floor((seconds % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE);
  return `${hours}h${String(minutes).padStart(2, "0")}m`;
}

/** A rate in bytes per second, e.g. `812.4 MiB/s`. */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return "-";
  return `${formatBytes(Math.round(bytes / (ms / MS_PER_SECOND)))}/s`;
}
