/**
 * The line a peer logs when it stops: what it uploaded and the CPU time the
 * whole process used. `scripts/bench` reads this line, so its wording is
 * fixed: `uploaded N bytes (M chunks) to other peers; T ms of CPU time in all`.
 *
 * @module
 */

/** The closing line of a peer that uploaded what `uploads` says, after `cpuMs` of CPU time. */
export function closingLine(
  uploads: { uploadedBytes: number; uploadsServed: number },
  cpuMs: number,
): string {
  return `uploaded ${uploads.uploadedBytes} bytes (${uploads.uploadsServed} chunks) ` +
    `to other peers; ${cpuMs} ms of CPU time in all`;
}
