import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../scripts/compile_targets.ts";
import { Child, type Launcher, p2pftEnv, peerArgs } from "../scripts/process_harness.ts";
import { sha256File } from "../scripts/sample_files.ts";
import { CALLER_FOLDER_VARIABLE } from "../src/cli/caller_folder.ts";
import { type Cluster, startCluster } from "./helpers/cluster.ts";

/** The longest a command here may run. */
const RUN_TIMEOUT_MS = 120_000;

/**
 * Starts a command as from a user's shell: without the `INIT_CWD` that the
 * `deno task test` running this test leaves behind (a task started from
 * here would keep it instead of setting its own).
 */
const asUser: Launcher = (cmd, options) => {
  const env: Record<string, string> = { ...Deno.env.toObject(), ...p2pftEnv(), ...options.env };
  delete env.INIT_CWD;
  delete env[CALLER_FOLDER_VARIABLE];
  return new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: options.cwd,
    env,
    clearEnv: true,
    stdin: options.stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
};

/** Runs `cmd` in `cwd` to its end. */
async function run(cmd: string[], cwd: string): Promise<{ code: number; output: string }> {
  const child = new Child(cmd, { cwd, launch: asUser });
  const { code } = await child.exit(RUN_TIMEOUT_MS);
  return { code, output: `${child.stdout.text}\n${child.stderr.text}` };
}

/**
 * Shares `alice/hello.txt` with `p2pft` (the command `p2pft` stands for) run
 * in `alice/` as `-r hello.txt`, and fetches it with one run in `bob/` as
 * `-o got`: both paths relative to the folder the command is typed in.
 */
async function shareAndFetch(cluster: Cluster, p2pft: string[]): Promise<void> {
  const source = await cluster.file("alice/hello.txt", { size: 70_000, seed: 41 });
  const bob = join(cluster.dir, "bob");
  await Deno.mkdir(bob);
  const server = cluster.server.address;
  const sharer = cluster.use(
    new Child([...p2pft, ...peerArgs(server, ["--no-mdns", "-r", "hello.txt"])], {
      cwd: join(cluster.dir, "alice"),
      launch: asUser,
    }),
  );
  const [, id] = await sharer.stdout.waitFor(/^File ID: ([0-9a-f]{64})/, 60_000);
  const fetched = await run(
    [...p2pft, ...peerArgs(server, ["--no-mdns", "-d", id, "-o", "got", "--exit-when-done"])],
    bob,
  );
  assert.equal(fetched.code, 0, fetched.output);
  assert.equal(await sha256File(join(bob, "got", "hello.txt")), await sha256File(source));
}

Deno.test({
  name: "deno task install puts a working p2pft in <root>/bin; relative paths are the caller's",
  ignore: Deno.build.os === "windows",
}, async () => {
  await using cluster = await startCluster("p2pft-install-");
  const installed = await run(
    [
      Deno.execPath(),
      "task",
      "--config",
      join(REPO_ROOT, "deno.json"),
      "install",
      "--root",
      "root",
    ],
    cluster.dir,
  );
  assert.equal(installed.code, 0, installed.output);
  const p2pft = join(cluster.dir, "root", "bin", "p2pft");
  const help = await run([p2pft, "--help"], Deno.cwd());
  assert.equal(help.code, 0, help.output);
  assert.match(help.output, /^Usage: p2pft \[options\] \[command\]$/m);
  await shareAndFetch(cluster, [p2pft]);
});

Deno.test({
  name: "deno task p2pft run from another folder resolves -r and -o against that folder",
  ignore: Deno.build.os === "windows",
}, async () => {
  await using cluster = await startCluster("p2pft-task-");
  await shareAndFetch(cluster, [
    Deno.execPath(),
    "task",
    "--config",
    join(REPO_ROOT, "deno.json"),
    "p2pft",
  ]);
});
