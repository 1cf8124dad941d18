/**
 * The CPU time of this process, for the line a peer logs when it stops and
 * for a download judging its process's load (peer/hash_placement.ts).
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { MICROSECONDS_PER_MS } from "./constants.ts";

/** CPU time this process has used so far (user + system, every thread), in ms. */
export function cpuMilliseconds(): number {
  const { user, system } = cpuUsage();
  return Math.round((user + system) / MICROSECONDS_PER_MS);
}
