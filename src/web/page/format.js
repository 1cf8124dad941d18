/**
 * Sizes, rates, times left and source kinds as the page shows them, in the
 * same units as the terminal (binary: KiB, MiB, GiB).
 *
 * @module
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
const STEP = 1024;
const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const PERCENT = 100;

/** `bytes` in the largest binary unit that keeps the number at least 1, e.g. `4.0 MiB`. */
export function formatSize(/** @type {number} */ bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= STEP && unit < UNITS.length - 1) {
    value /= STEP;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A rate in bytes per second, e.g. `12.5 MiB/s`; a dash when nothing moves. */
export function formatRate(/** @type {number} */ bytesPerSecond) {
  if (!(bytesPerSecond > 0)) return "-";
  return `${formatSize(Math.round(bytesPerSecond))}/s`;
}

/** Time left, e.g. `8 s`, `4 min 05 s`, `2 h 03 min`; empty when not known. */
export function formatEta(/** @type {number | null | undefined} */ seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return "";
  }
  const whole = Math.ceil(seconds);
  if (whole < SECONDS_PER_MINUTE) return `${whole} s`;
  if (whole < SECONDS_PER_HOUR) {
    const minutes = Math.floor(whole / SECONDS_PER_MINUTE);
    return `${minutes} min ${String(whole % SECONDS_PER_MINUTE).padStart(2, "0")} s`;
  }
  const hours = Math.floor(whole / SECONDS_PER_HOUR);
  const minutes = Math.floor((whole % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE);
  return `${hours} h ${String(minutes).padStart(2, "0")} min`;
}

/** Whole percent of `done` out of `size`, 0 to 100 (an empty file is 100 % once done). */
export function percent(/** @type {number} */ done, /** @type {number} */ size) {
  if (size <= 0) return done >= size ? PERCENT : 0;
  return Math.min(PERCENT, Math.floor((done / size) * PERCENT));
}

/** `1 source` / `3 sources`. */
export function countSources(/** @type {number} */ count) {
  return `${count} ${count === 1 ? "source" : "sources"}`;
}

/** `3 files` / `1 file`. */
export function countFiles(/** @type {number} */ count) {
  return `${count} ${count === 1 ? "file" : "files"}`;
}

/**
 * How a source's bytes come, in words: `direct` (this peer dialled it),
 * `reversed` (it dialled this peer back), `relayed` (through the server).
 */
export function describeWay(/** @type {string} */ way) {
  switch (way) {
    case "direct":
      return "direct";
    case "reversed":
      return "reversed: it dialled this peer";
    case "relayed":
      return "relayed through the server";
    default:
      return way;
  }
}

/** The name a saved item gets on this device: a folder comes as `NAME.zip`. */
export function savedName(/** @type {string} */ name, /** @type {boolean} */ folder) {
  return folder ? `${name}.zip` : name;
}

/** The path part of a `/files/ID/NAME` link that saves a network file to this device. */
export function fileLink(/** @type {string} */ id, /** @type {string} */ name) {
  return `/files/${encodeURIComponent(id)}/${encodeURIComponent(name)}`;
}
