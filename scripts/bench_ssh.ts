/**
 * Encrypted baselines for `deno task bench`: `scp` and `rsync -e ssh` over
 * OpenSSH on loopback, with the default ciphers, as users run them. The
 * bench starts its own `sshd` as a child process on 127.0.0.1 (a free port,
 * a temporary host key, a temporary client key as the only authorized key)
 * and stops it and deletes its folder when disposed. It installs nothing: a
 * missing program skips the copier, with the apt command that installs it,
 * in the summary line and the table ({@linkcode startSshBaselines},
 * {@linkcode sshReport}).
 *
 * @example Copy a file over the bench's own sshd
 * ```ts
 * await using sshd = await startSshd("/dev/shm/work");
 * const probe = await probeSsh(sshd);
 * const ms = await sshCopy(sshd, "scp", {
 *   source: "/dev/shm/a.bin",
 *   target: "/dev/shm/b.bin",
 *   bytes: 1024 ** 3,
 * });
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { Child, freePort, output } from "./process_harness.ts";
import {
  compareRow,
  formatRate,
  formatSeconds,
  formatSize,
  formatSpread,
  megabytesPerSecond,
  type Row,
  skippedRow,
  spread,
  summaryLine,
} from "./bench_report.ts";
import {
  copyArgs,
  copyTimeoutMs,
  LOOPBACK,
  missingReason,
  parseSshProbe,
  probeArgs,
  SSH_COPIERS,
  SSH_PACKAGES,
  type SshCopier,
  sshdConfig,
  sshdFiles,
  type SshProbe,
  type SshTarget,
} from "./bench_ssh_config.ts";

/** sshd's privilege separation folder; it refuses to start without it. */
const PRIVSEP_DIR = "/run/sshd";

/** Folders searched besides PATH: sshd usually lives in an sbin folder outside a user's PATH. */
const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

/** Longest sshd may take to print that it listens. */
const SSHD_START_TIMEOUT_MS = 10_000;

/** Longest the probe connection (`ssh -v ... true`) may take. */
const PROBE_TIMEOUT_MS = 20_000;

/** Full path of `program` in PATH or the sbin folders, or null. */
export async function findProgram(program: string): Promise<string | null> {
  const path = (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir);
  for (const dir of [...path, ...SBIN_DIRS]) {
    const candidate = join(dir, program);
    const info = await Deno.stat(candidate).catch(() => null);
    if (info?.isFile && (info.mode ?? 0) & 0o111) return candidate;
  }
  return null;
}

/** The programs among {@linkcode SSH_PACKAGES} that exist, with their paths. */
export async function findSshPrograms(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const program of Object.keys(SSH_PACKAGES)) {
    const path = await findProgram(program);
    if (path) found.set(program, path);
  }
  return found;
}

/** The bench's running sshd; disposing it stops it and deletes its folder. */
export interface Sshd extends SshTarget, AsyncDisposable {
  /** Its folder (config, keys, PID file). */
  dir: string;
  /** The sshd process (its stderr is its log). */
  child: Child;
}

/** Creates sshd's privilege separation folder if missing; resolves to whether it did. */
async function ensurePrivsepDir(): Promise<boolean> {
  if (await Deno.stat(PRIVSEP_DIR).then(() => true, () => false)) return false;
  try {
    await Deno.mkdir(PRIVSEP_DIR, { mode: 0o755 });
  } catch (error) {
    throw new Error(
      `cannot create ${PRIVSEP_DIR}, which sshd needs (${(error as Error).message}): ` +
        "run the bench as root or create it",
    );
  }
  return true;
}

/**
 * Starts `sshd` (the program at `sshdPath`) in a new folder inside `parent`
 * on a free loopback port, with new host and client keys; resolves once it
 * listens. On failure nothing is left running and the folder is gone.
 */
export async function startSshd(parent: string, sshdPath = "/usr/sbin/sshd"): Promise<Sshd> {
  const dir = await Deno.makeTempDir({ dir: parent, prefix: "sshd-" });
  const files = sshdFiles(dir);
  let child: Child | undefined;
  let madePrivsep = false;
  const dispose = async () => {
    await child?.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    if (madePrivsep) await Deno.remove(PRIVSEP_DIR).catch(() => {});
  };
  try {
    madePrivsep = await ensurePrivsepDir();
    for (const key of [files.hostKey, files.clientKey]) {
      await output("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "p2pft-bench", "-f", key]);
    }
    await Deno.copyFile(`${files.clientKey}.pub`, files.authorizedKeys);
    await Deno.writeTextFile(files.config, sshdConfig(files));
    const port = freePort();
    child = new Child([sshdPath, "-D", "-e", "-f", files.config, "-p", String(port)], {
      name: "sshd",
    });
    const listening = new RegExp(`^Server listening on ${LOOPBACK.replaceAll(".", "\\.")} port`);
    await child.stderr.waitFor(listening, SSHD_START_TIMEOUT_MS).catch(() => {
      throw new Error(`sshd did not start: ${child?.stderr.lines.at(-1) ?? "no output"}`);
    });
    const user = (await output("id", ["-un"])).trim();
    return { dir, child, port, user, clientKey: files.clientKey, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Runs `program args` to its end within `timeoutMs` (killed after); throws on failure. */
async function run(program: string, args: string[], timeoutMs: number): Promise<Child> {
  const child = new Child([program, ...args], { name: `${program} ${args.join(" ")}` });
  const exit = await child.exit(timeoutMs);
  if (exit.code !== 0) {
    const last = child.stderr.lines.filter((line) => line.trim()).at(-1) ?? "no output";
    throw new Error(`${program} failed (${exit.code}): ${last}\n${child.describe()}`);
  }
  return child;
}

/** One `ssh -v` login to the server: the negotiated cipher, and how long a login takes. */
export async function probeSsh(sshd: Sshd): Promise<SshProbe & { ms: number }> {
  const child = await run("ssh", probeArgs(sshd), PROBE_TIMEOUT_MS);
  const exit = await child.exited;
  return { ...parseSshProbe(child.stderr.text), ms: exit.at - child.started };
}

/**
 * Copies `source` (on this machine, pulled through the server) to `target`
 * with `copier`; resolves to the time from spawn to exit, in ms (login and
 * key exchange included). Killed after {@linkcode copyTimeoutMs} of `bytes`.
 */
export async function sshCopy(
  sshd: Sshd,
  copier: SshCopier,
  options: { source: string; target: string; bytes: number },
): Promise<number> {
  const child = await run(copier, copyArgs(copier, sshd, options), copyTimeoutMs(options.bytes));
  const exit = await child.exited;
  return exit.at - child.started;
}

/** The encrypted baselines of the single-source case, or why each was skipped. */
export interface SshBaselines {
  /** The bench's sshd (dispose of it when done); null when every copier is skipped. */
  sshd: Sshd | null;
  /** What the probe login said, and how long it took. */
  probe: (SshProbe & { ms: number }) | null;
  /** Spawn-to-exit times of each round, per copier. */
  times: Record<SshCopier, number[]>;
  /** Why a copier is not measured. */
  skipped: Partial<Record<SshCopier, string>>;
}

/**
 * Starts the bench's sshd in a folder inside `parent` and logs in once; a
 * copier whose programs are missing, or every copier when sshd or the login
 * fails, is skipped with the reason. Dispose of `sshd` when done.
 */
export async function startSshBaselines(parent: string): Promise<SshBaselines> {
  const programs = await findSshPrograms();
  const ssh: SshBaselines = { sshd: null, probe: null, times: { scp: [], rsync: [] }, skipped: {} };
  for (const copier of SSH_COPIERS) {
    const reason = missingReason(copier, new Set(programs.keys()));
    if (reason) ssh.skipped[copier] = reason;
  }
  const sshdPath = programs.get("sshd");
  if (!sshdPath || SSH_COPIERS.every((copier) => ssh.skipped[copier])) return ssh;
  try {
    ssh.sshd = await startSshd(parent, sshdPath);
    ssh.probe = await probeSsh(ssh.sshd);
  } catch (error) {
    await ssh.sshd?.[Symbol.asyncDispose]();
    ssh.sshd = null;
    const reason = (error as Error).message.split("\n")[0];
    console.log(`single: no encrypted baselines: ${(error as Error).message}`);
    for (const copier of SSH_COPIERS) ssh.skipped[copier] ??= reason;
  }
  return ssh;
}

/** Names of the copiers in the table. */
const COPIER_NAMES: Record<SshCopier, string> = { scp: "scp", rsync: "rsync -e ssh" };

/**
 * Prints the summary line of the encrypted baselines and returns their rows:
 * p2pft's best tmpfs rate against each copier's, `>= scpTarget` times scp's.
 */
export function sshReport(
  size: number,
  ssh: SshBaselines,
  options: { p2pftMbps: number; scpTarget: number },
): Row[] {
  const { p2pftMbps, scpTarget } = options;
  const label = formatSize(size);
  const { probe, sshd } = ssh;
  const facts = SSH_COPIERS.map((copier) => {
    const skipped = ssh.skipped[copier];
    if (skipped) return `${COPIER_NAMES[copier]} skipped (${skipped})`;
    const times = spread(ssh.times[copier]);
    return `${COPIER_NAMES[copier]} ${formatSpread(times, formatSeconds)}, best = ${
      formatRate(megabytesPerSecond(size, times.min))
    }`;
  });
  if (probe && sshd) {
    facts.push(
      `${probe.version ?? "OpenSSH"} on 127.0.0.1:${sshd.port}, default cipher ` +
        `(negotiated: ${probe.cipher ?? "not reported"}); one ssh login alone ` +
        `${formatSeconds(probe.ms)}`,
      "spawn to exit, login included; pulled into the tmpfs folder; bytes identical by cmp",
    );
  }
  console.log(summaryLine(`single: encrypted baselines, ${label} into tmpfs`, facts));
  return SSH_COPIERS.map((copier) => {
    const common = {
      scenario: `${label} 1 source -> tmpfs: rate`,
      value: p2pftMbps,
      format: formatRate,
      baselineName: COPIER_NAMES[copier],
      target: copier === "scp"
        ? { on: "ratio", comparison: ">=", limit: scpTarget } as const
        : undefined,
    };
    const skipped = ssh.skipped[copier];
    if (skipped) return skippedRow({ ...common, reason: skipped });
    const best = spread(ssh.times[copier]).min;
    return compareRow({ ...common, baselineValue: megabytesPerSecond(size, best) });
  });
}
