/**
 * Pure parts of the encrypted baselines of `deno task bench` (see
 * bench_ssh.ts): which programs each copier needs and how to install them,
 * the bench's `sshd_config`, the clients' arguments, and what `ssh -v` says
 * about the connection.
 *
 * @module
 */

import { join } from "node:path";

/** The programs the baselines run, and the Debian/Ubuntu package of each. */
export const SSH_PACKAGES: Readonly<Record<string, string>> = {
  sshd: "openssh-server",
  ssh: "openssh-client",
  "ssh-keygen": "openssh-client",
  scp: "openssh-client",
  rsync: "rsync",
};

/** The tools measured. */
export type SshCopier = "scp" | "rsync";

/** Every copier, in the order they run and are reported. */
export const SSH_COPIERS: readonly SshCopier[] = ["scp", "rsync"];

/** Programs each copier needs, server side included. */
const NEEDS: Record<SshCopier, string[]> = {
  scp: ["sshd", "ssh-keygen", "ssh", "scp"],
  rsync: ["sshd", "ssh-keygen", "ssh", "rsync"],
};

/** The only address the server listens on and the clients connect to. */
export const LOOPBACK = "127.0.0.1";

/** Fixed part of a copy's time limit: start-up, key exchange, a slow machine. */
const COPY_TIMEOUT_BASE_MS = 30_000;

/** Slowest rate a copy may run at before it is killed, in bytes per second. */
const COPY_TIMEOUT_FLOOR_BYTES_PER_SECOND = 10e6;

const MS_PER_SECOND = 1000;

/**
 * Why `copier` cannot run when only the programs in `found` exist, with the
 * apt command that installs the rest; null when it can run.
 */
export function missingReason(copier: SshCopier, found: ReadonlySet<string>): string | null {
  const missing = NEEDS[copier].filter((program) => !found.has(program));
  if (missing.length === 0) return null;
  const packages = [...new Set(missing.map((program) => SSH_PACKAGES[program]))];
  return `${missing.join(", ")} not found: apt-get install ${packages.join(" ")}`;
}

/** Paths of the files in the server's folder. */
export interface SshdFiles {
  /** The server's config. */
  config: string;
  /** The server's private host key. */
  hostKey: string;
  /** The client's private key; its `.pub` is the only authorized key. */
  clientKey: string;
  /** The file sshd reads authorized keys from. */
  authorizedKeys: string;
  /** The file sshd writes its process ID to. */
  pidFile: string;
}

/** Where the server's files live inside `dir`. */
export function sshdFiles(dir: string): SshdFiles {
  return {
    config: join(dir, "sshd_config"),
    hostKey: join(dir, "host_key"),
    clientKey: join(dir, "client_key"),
    authorizedKeys: join(dir, "authorized_keys"),
    pidFile: join(dir, "sshd.pid"),
  };
}

/**
 * The server's `sshd_config`: loopback only, public-key login with the
 * bench's client key only, no PAM, no checks of file modes (the files live in
 * a temporary folder), SFTP built in (what `scp` speaks since OpenSSH 9.0).
 * Ciphers are left at their defaults. The port is given with `-p`.
 */
export function sshdConfig(files: SshdFiles): string {
  return [
    `ListenAddress ${LOOPBACK}`,
    `HostKey ${files.hostKey}`,
    `AuthorizedKeysFile ${files.authorizedKeys}`,
    `PidFile ${files.pidFile}`,
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PrintMotd no",
    "Subsystem sftp internal-sftp",
    "",
  ].join("\n");
}

/** What a client needs to reach the bench's server. */
export interface SshTarget {
  /** Port the server listens on (127.0.0.1). */
  port: number;
  /** User to log in as: the one running the bench. */
  user: string;
  /** The client's private key. */
  clientKey: string;
}

/** Options of every client: the bench's key only, no prompts, no host key kept. */
export function sshClientOptions(clientKey: string): string[] {
  return [
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-i",
    clientKey,
  ];
}

/** `user@127.0.0.1:path`. */
function remote(target: SshTarget, path: string): string {
  return `${target.user}@${LOOPBACK}:${path}`;
}

/**
 * Arguments of the copier pulling `source` from the server into `target`,
 * as a download does. rsync gets no options of its own (no `-z`: the data is
 * random), so it sends the whole file as it does to an empty folder.
 */
export function copyArgs(
  copier: SshCopier,
  target: SshTarget,
  paths: { source: string; target: string },
): string[] {
  const client = sshClientOptions(target.clientKey);
  if (copier === "scp") {
    return ["-q", ...client, "-P", String(target.port), remote(target, paths.source), paths.target];
  }
  const shell = ["ssh", ...client, "-p", String(target.port)];
  if (shell.some((arg) => /[\s'"\\]/.test(arg))) {
    throw new Error(`rsync -e cannot carry ${shell.join(" ")}: use a folder without spaces`);
  }
  return ["-e", shell.join(" "), remote(target, paths.source), paths.target];
}

/** Arguments of the probe: one `ssh -v` login that runs `true`. */
export function probeArgs(target: SshTarget): string[] {
  return [
    "-v",
    ...sshClientOptions(target.clientKey),
    "-p",
    String(target.port),
    `${target.user}@${LOOPBACK}`,
    "true",
  ];
}

/** What `ssh -v` said about the connection. */
export interface SshProbe {
  /** `OpenSSH_9.2p1`, or null if it did not say. */
  version: string | null;
  /** Cipher negotiated from server to client (the direction a pull's bytes go), or null. */
  cipher: string | null;
}

/** The client's version and the negotiated cipher in `ssh -v` output. */
export function parseSshProbe(text: string): SshProbe {
  return {
    version: /^(?:debug1: )?(OpenSSH_\S+?),?\s/m.exec(text)?.[1] ?? null,
    cipher: /kex: server->client cipher: (\S+)/.exec(text)?.[1] ?? null,
  };
}

/** Longest a copy of `bytes` may take before it is killed. */
export function copyTimeoutMs(bytes: number): number {
  return Math.round(
    COPY_TIMEOUT_BASE_MS + bytes / COPY_TIMEOUT_FLOOR_BYTES_PER_SECOND * MS_PER_SECOND,
  );
}
