/**
 * Throw-away LANs made of Linux network namespaces, so that tests and
 * `deno task bench` can send real multicast (mDNS) and TCP traffic between
 * "hosts" without a single packet reaching the machine's real interfaces.
 * It lives in `scripts/` so that imports run one way: the tests and the
 * bench import it, and it imports nothing from `tests/`.
 *
 * A LAN of N hosts is N+1 namespaces: one "switch" namespace holding a bridge,
 * and one namespace per host whose `eth0` is one end of a veth pair, the other
 * end being plugged into the bridge. Every link is created directly inside the
 * namespaces (never in the root namespace), each host gets an address in
 * `10.213.<subnet>.0/24` and a route for `224.0.0.0/4` through its `eth0`.
 *
 * A LAN may also shape its links: {@linkcode CreateLanOptions.qdisc} puts the
 * same root queueing discipline (a `tc tbf` rate cap, say) on both ends of
 * every host's link, so that each host's upload and download are capped as on
 * a real network.
 *
 * Needs root (or CAP_NET_ADMIN + CAP_SYS_ADMIN) and the `ip` command from
 * iproute2 (and its `tc` for a qdisc). Namespace names embed the creating process's PID, so a later run
 * can delete what a crashed run left behind without touching the namespaces of
 * a test run that is still alive (tests may run in parallel).
 *
 * @example Two hosts, one command in each
 * ```ts
 * await using lan = await createLan(2);
 * const out = await lan.output(0, ["ping", "-c", "1", lan.hosts[1].ip]);
 * ```
 *
 * @module
 */

/** Prefix of every namespace created by this helper. */
export const NETNS_PREFIX = "p2pft-t-";

/** Name of the host side of each veth pair, inside a host namespace. */
export const HOST_INTERFACE = "eth0";

/** First two octets of every LAN's addresses (a /24 is taken per LAN). */
const LAN_NETWORK_PREFIX = "10.213";

/** Length of a LAN's network prefix in bits. */
const LAN_PREFIX_LENGTH = 24;

/** Last octet of the first host's address; host i gets this plus i. */
const FIRST_HOST_OCTET = 1;

/** Largest number of hosts one LAN can have (addresses .1 to .250). */
export const MAX_LAN_HOSTS = 250;

/** Multicast range routed through each host's interface. */
const MULTICAST_ROUTE = "224.0.0.0/4";

/** Random characters in a LAN id. */
const LAN_ID_LENGTH = 6;

/** Time given to a process to exit after SIGTERM before it gets SIGKILL. */
const KILL_GRACE_MS = 2_000;

/** One host of a {@linkcode Lan}. */
export interface LanHost {
  /** Position of the host in {@linkcode Lan.hosts}. */
  index: number;
  /** Name of the host's network namespace (for `ip netns exec`). */
  ns: string;
  /** The host's IPv4 address on the LAN. */
  ip: string;
  /** Name of the host's LAN interface inside its namespace. */
  iface: string;
}

/** Options of {@linkcode Lan.exec} and {@linkcode Lan.output}. */
export interface LanExecOptions {
  /** Working directory of the command; default the current one. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** What to do with stdin; default `null`. */
  stdin?: "piped" | "inherit" | "null";
  /** What to do with stdout; default `piped`. */
  stdout?: "piped" | "inherit" | "null";
  /** What to do with stderr; default `piped`. */
  stderr?: "piped" | "inherit" | "null";
  /** Kills the command when aborted. */
  signal?: AbortSignal;
}

/** A LAN of hosts, each in its own network namespace. Close it when done. */
export interface Lan extends AsyncDisposable {
  /** Unique id of this LAN, part of every namespace name. */
  id: string;
  /** The hosts, in creation order. */
  hosts: LanHost[];
  /** Name of the namespace holding the bridge. */
  switchNs: string;
  /**
   * Starts `cmd` inside host `hostIndex`'s namespace. The process is killed by
   * {@linkcode Lan.close} if it is still running then; the caller must still
   * consume or cancel its piped streams.
   */
  exec(hostIndex: number, cmd: string[], options?: LanExecOptions): Deno.ChildProcess;
  /** Runs `cmd` inside host `hostIndex`'s namespace and returns its output. */
  output(hostIndex: number, cmd: string[], options?: LanExecOptions): Promise<Deno.CommandOutput>;
  /** Kills the processes still running and deletes every namespace. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@linkcode createLan}. */
export interface CreateLanOptions {
  /**
   * Third octet of the LAN's addresses (`10.213.<subnet>.0/24`); default 0.
   * Every LAN is isolated, so LANs may share a subnet.
   */
  subnet?: number;
  /**
   * A root queueing discipline for both ends of every host's link, as `tc`
   * arguments after `root` (e.g. `["tbf", "rate", "200mbit", "burst",
   * "64kb", "latency", "20ms"]`): the host end caps what the host sends,
   * the bridge end what it receives. Default none (links run at memory speed).
   */
  qdisc?: string[];
}

/** Runs `ip` (or `tc`) with `args`; throws with its stderr if it fails. */
export async function ip(args: string[], command = "ip"): Promise<string> {
  const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  const decoder = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `"${command} ${args.join(" ")}" failed (exit ${out.code}): ` +
        `${decoder.decode(out.stderr).trim()}. Network namespaces need root and iproute2.`,
    );
  }
  return decoder.decode(out.stdout);
}

/**
 * Creates a veth pair: `port` in namespace `ns`, its other end in namespace
 * `into` as {@linkcode HOST_INTERFACE}.
 */
export async function addVeth(ns: string, port: string, into: string): Promise<void> {
  await ip([
    "-n",
    ns,
    "link",
    "add",
    port,
    "type",
    "veth",
    "peer",
    "name",
    HOST_INTERFACE,
    "netns",
    into,
  ]);
}

/** Sets `qdisc` as the root queueing discipline of `dev` in namespace `ns`. */
async function shape(ns: string, dev: string, qdisc: string[]): Promise<void> {
  await ip(["-n", ns, "qdisc", "replace", "dev", dev, "root", ...qdisc], "tc");
}

/** Names of every network namespace on the machine. */
export async function listNamespaces(): Promise<string[]> {
  const text = await ip(["netns", "list"]);
  return text.split("\n").map((line) => line.trim().split(/\s+/)[0]).filter((name) => name !== "");
}

/** Whether a process with this PID is alive. */
function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes the namespaces left by runs of this helper whose process is gone
 * (their names carry the PID that made them). Returns the names deleted.
 */
export async function cleanStaleNamespaces(): Promise<string[]> {
  const deleted: string[] = [];
  for (const name of await listNamespaces()) {
    if (!name.startsWith(NETNS_PREFIX)) continue;
    const pid = Number(name.slice(NETNS_PREFIX.length).split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
    await ip(["netns", "delete", name]).catch(() => undefined);
    deleted.push(name);
  }
  return deleted;
}

/**
 * Deletes the namespaces this process made, for a caller that must exit
 * before its LANs are disposed (on Ctrl-C, say); kill their processes
 * first. Returns the names deleted.
 */
export async function deleteOwnNamespaces(): Promise<string[]> {
  const own = (await listNamespaces()).filter((name) =>
    name.startsWith(`${NETNS_PREFIX}${Deno.pid}-`)
  );
  for (const name of own) await ip(["netns", "delete", name]).catch(() => undefined);
  return own;
}

/** A short random id of lowercase letters and digits. */
function randomId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(LAN_ID_LENGTH));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** Waits for `child` to exit, killing it (SIGTERM, then SIGKILL) first. */
async function stopChild(child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  const status = child.status.then(() => {
    exited = true;
  });
  try {
    child.kill("SIGTERM");
  } catch {
    // Already exited.
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    status,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, KILL_GRACE_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!exited) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited in between.
    }
    await status;
  }
}

/**
 * Creates a LAN of `hostCount` hosts joined by a bridge, every host in its own
 * network namespace with `lo` up, an address in `10.213.<subnet>.0/24` and a
 * multicast route. Deletes first the namespaces that dead earlier runs left.
 * On failure, whatever was created is deleted before the error is thrown.
 */
export async function createLan(hostCount: number, options: CreateLanOptions = {}): Promise<Lan> {
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > MAX_LAN_HOSTS) {
    throw new RangeError(`A LAN has 1 to ${MAX_LAN_HOSTS} hosts, not ${hostCount}.`);
  }
  const subnet = options.subnet ?? 0;
  await cleanStaleNamespaces();
  const id = `${Deno.pid}-${randomId()}`;
  const switchNs = `${NETNS_PREFIX}${id}-sw`;
  const hosts: LanHost[] = [];
  const created: string[] = [];
  const children = new Set<Deno.ChildProcess>();
  let closed = false;

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await Promise.all([...children].map(stopChild));
    children.clear();
    for (const ns of created.reverse()) {
      await ip(["netns", "delete", ns]).catch(() => undefined);
    }
  }

  try {
    await ip(["netns", "add", switchNs]);
    created.push(switchNs);
    await ip(["-n", switchNs, "link", "set", "lo", "up"]);
    await ip(["-n", switchNs, "link", "add", "br0", "type", "bridge"]);
    await ip(["-n", switchNs, "link", "set", "br0", "up"]);
    for (let index = 0; index < hostCount; index++) {
      const ns = `${NETNS_PREFIX}${id}-h${index}`;
      const hostIp = `${LAN_NETWORK_PREFIX}.${subnet}.${FIRST_HOST_OCTET + index}`;
      const port = `p${index}`;
      await ip(["netns", "add", ns]);
      created.push(ns);
      await addVeth(switchNs, port, ns);
      await ip(["-n", switchNs, "link", "set", port, "master", "br0"]);
      await ip(["-n", switchNs, "link", "set", port, "up"]);
      await ip(["-n", ns, "link", "set", "lo", "up"]);
      await ip(["-n", ns, "addr", "add", `${hostIp}/${LAN_PREFIX_LENGTH}`, "dev", HOST_INTERFACE]);
      await ip(["-n", ns, "link", "set", HOST_INTERFACE, "up"]);
      await ip(["-n", ns, "route", "add", MULTICAST_ROUTE, "dev", HOST_INTERFACE]);
      if (options.qdisc) {
        await shape(ns, HOST_INTERFACE, options.qdisc);
        await shape(switchNs, port, options.qdisc);
      }
      hosts.push({ index, ns, ip: hostIp, iface: HOST_INTERFACE });
    }
  } catch (error) {
    await close();
    throw error;
  }

  function command(hostIndex: number, cmd: string[], options: LanExecOptions): Deno.Command {
    const host = hosts[hostIndex];
    if (host === undefined) {
      throw new RangeError(`This LAN has hosts 0 to ${hosts.length - 1}, not ${hostIndex}.`);
    }
    if (closed) throw new Error("This LAN is closed: create a new one to run commands.");
    return new Deno.Command("ip", {
      args: ["netns", "exec", host.ns, ...cmd],
      cwd: options.cwd,
      env: options.env,
      stdin: options.stdin ?? "null",
      stdout: options.stdout ?? "piped",
      stderr: options.stderr ?? "piped",
      signal: options.signal,
    });
  }

  return {
    id,
    hosts,
    switchNs,
    exec(hostIndex, cmd, options = {}) {
      const child = command(hostIndex, cmd, options).spawn();
      children.add(child);
      child.status.then(() => children.delete(child), () => children.delete(child));
      return child;
    },
    output(hostIndex, cmd, options = {}) {
      return command(hostIndex, cmd, options).output();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
