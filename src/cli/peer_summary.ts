/**
 * The line a peer logs when it stops: what it uploaded and the CPU time the
 * whole process used. `scripts/bench` reads this line, so its wording is
 * fixed: `uploaded N bytes (M chunks) to other peers; T ms of CPU time in all`.
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { MICROSECONDS_PER_MS } from "../constants.ts";

/** CPU time this process has used so far (user + system, every thread), in ms. */
export function cpuMilliseconds(): number {
  const { user, system } = cpuUsage();
  return Math.round((user + system) / MICROSECONDS_PER_MS);
}

/** The closing line of a peer that uploaded what `uploads` says, after `cpuMs` of CPU time. */
export function closingLine(
  uploads: { uploadedBytes: number; uploadsServed: number },
  cpuMs: number,
): string {
  return `uploaded ${uploads.uploadedBytes} bytes (${uploads.uploadsServed} chunks) ` +
    `to other peers; ${cpuMs} ms of CPU time in all`;
}
