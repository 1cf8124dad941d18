/**
 * Pure parts of the folder scenario of `deno task bench` (see
 * bench_folder.ts): the layout of the many-small-files tree, and the
 * `tar c | nc` baseline's commands and why it may be skipped.
 *
 * @module
 */

/** The address the baseline listens on and connects to. */
export const LOOPBACK = "127.0.0.1";

/** What installs the baseline's `nc` on Debian and Ubuntu. */
export const NC_INSTALL = "apt-get install netcat-openbsd";

/** One file of a planned tree. */
export interface PlannedFile {
  /** Path relative to the tree's root, `/`-separated. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Seed of its bytes (see `writeRandomFile` in sample_files.ts). */
  seed: number;
}

/** How {@linkcode smallFilesPlan} lays out a tree. */
export interface TreeLayout {
  /** Seed of the sizes and of each file's seed. */
  seed: number;
  /** Smallest file, in bytes. */
  minBytes: number;
  /** Largest file, in bytes. */
  maxBytes: number;
  /** Files per folder. */
  filesPerFolder: number;
  /** Folders per group: the leaf folders sit two levels down, `gNN/dNNN/`. */
  foldersPerGroup: number;
}

/** The next state of an xorshift32 generator (never 0 from a non-zero state). */
function xorshift32(state: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
}

/** Digits of `count - 1` (at least one): the width that sorts `0..count-1` as text. */
function width(count: number): number {
  return String(Math.max(count - 1, 0)).length;
}

/**
 * `count` files of `minBytes..maxBytes` bytes (uniform, from `seed`), in
 * leaf folders of `filesPerFolder` files, grouped `foldersPerGroup` to a
 * top-level folder: `g0/d00/f0000.bin`. The same layout always gives the
 * same plan.
 */
export function smallFilesPlan(count: number, layout: TreeLayout): PlannedFile[] {
  const { minBytes, maxBytes, filesPerFolder, foldersPerGroup } = layout;
  if (!(minBytes >= 0 && maxBytes >= minBytes)) {
    throw new Error(`file sizes ${minBytes}..${maxBytes} are not a range: give min <= max`);
  }
  const folders = Math.ceil(count / filesPerFolder);
  const groups = Math.ceil(folders / foldersPerGroup);
  const pad = (value: number, of: number) => String(value).padStart(width(of), "0");
  let state = layout.seed >>> 0 || 1;
  const files: PlannedFile[] = [];
  for (let index = 0; index < count; index++) {
    state = xorshift32(state);
    const size = minBytes + state % (maxBytes - minBytes + 1);
    state = xorshift32(state);
    const folder = Math.floor(index / filesPerFolder);
    const group = Math.floor(folder / foldersPerGroup);
    files.push({
      path: `g${pad(group, groups)}/d${pad(folder, folders)}/f${pad(index, count)}.bin`,
      size,
      seed: state || 1,
    });
  }
  return files;
}

/** The folders of `files`' paths, each once, parents before children. */
export function plannedFolders(files: PlannedFile[]): string[] {
  const folders = new Set<string>();
  for (const { path } of files) {
    const parts = path.split("/").slice(0, -1);
    for (let depth = 1; depth <= parts.length; depth++) {
      folders.add(parts.slice(0, depth).join("/"));
    }
  }
  return [...folders];
}

/**
 * Why the `tar c | nc` baseline cannot run, given what `nc -h` printed (null
 * when there is no `nc`), with the command that installs the right one; null
 * when it can run. It needs OpenBSD netcat's `-N` (close the connection at
 * the end of its input), which the traditional netcat lacks.
 */
export function ncMissingReason(help: string | null): string | null {
  if (help === null) return `nc not found: ${NC_INSTALL}`;
  if (!/^\s*-N\b/m.test(help)) return `nc has no -N (not OpenBSD netcat): ${NC_INSTALL}`;
  return null;
}

/**
 * The two ends of the baseline, as `bash -c` commands with `pipefail` (a
 * failing `nc` or `tar` fails its end): the receiver listens on `port` and
 * unpacks into `target`; the sender packs the contents of `source`.
 * `nc -v` makes the receiver say `Listening on` once it accepts.
 */
export function tarNcCommands(
  port: number,
  options: { source: string; target: string },
): { receiver: string[]; sender: string[] } {
  const script = (pipeline: string) => `set -o pipefail; ${pipeline}`;
  return {
    receiver: [
      "bash",
      "-c",
      script(`nc -l -n -v ${LOOPBACK} "$1" | tar x -C "$2"`),
      "tar-nc-receiver",
      String(port),
      options.target,
    ],
    sender: [
      "bash",
      "-c",
      script(`tar c -C "$1" . | nc -N ${LOOPBACK} "$2"`),
      "tar-nc-sender",
      options.source,
      String(port),
    ],
  };
}
