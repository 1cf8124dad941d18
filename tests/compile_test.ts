import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { probeCompile } from "../scripts/compile.ts";
import {
  baseRuntimeMessage,
  firstErrorLine,
  isBaseRuntimeFailure,
} from "../scripts/compile_failures.ts";
import {
  compileArgs,
  findWorkerModules,
  outputName,
  REPO_ROOT,
  resolveTargets,
  TARGETS,
} from "../scripts/compile_targets.ts";
import { PROGRAM_VERSION } from "../src/constants.ts";

const COMPILE_SCRIPT = join(REPO_ROOT, "scripts", "compile.ts");

// deno compile needs its base runtime (denort), downloaded once per version and
// target from dl.deno.land. Find out, within 20 s, whether this machine has it.
const probe = await probeCompile(20_000);
const skipReason = !probe.ok && probe.baseRuntimeMissing
  ? `deno compile cannot download its base runtime here (${probe.reason})`
  : undefined;
if (skipReason !== undefined) console.log(`compile test skipped: ${skipReason}`);

Deno.test({
  name: "the host executable is built and prints the program version",
  ignore: skipReason !== undefined,
  async fn() {
    // A probe that failed for any reason but the missing runtime fails here.
    if (!probe.ok) {
      throw new Error(`deno compile does not work here: ${probe.reason}\n${probe.output}`);
    }
    const dir = await Deno.makeTempDir({ prefix: "p2pft_compile_test_" });
    try {
      const build = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", COMPILE_SCRIPT, "--target", "host", "--out", dir],
        cwd: REPO_ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(300_000),
      }).output();
      const decoder = new TextDecoder();
      const buildOutput = decoder.decode(build.stdout) + decoder.decode(build.stderr);
      assert(build.success, `compile.ts --target host failed:\n${buildOutput}`);
      const host = resolveTargets(["host"])[0];
      const run = await new Deno.Command(join(dir, outputName(host)), {
        args: ["--version"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const stderr = decoder.decode(run.stderr);
      assertEquals({ code: run.code, stdout: decoder.decode(run.stdout).trim(), stderr }, {
        code: 0,
        stdout: `p2pft ${PROGRAM_VERSION}`,
        stderr: "",
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("every target has its own output name", () => {
  assertEquals(TARGETS.map(outputName), [
    "p2pft-linux-x64",
    "p2pft-linux-arm64",
    "p2pft-darwin-x64",
    "p2pft-darwin-arm64",
    "p2pft-windows-x64.exe",
  ]);
});

Deno.test("resolveTargets understands all, host, triples and short names", () => {
  assertEquals(resolveTargets([]), [...TARGETS]);
  assertEquals(resolveTargets(["all"]), [...TARGETS]);
  assertEquals(
    resolveTargets(["x86_64-pc-windows-msvc,linux-arm64", "windows-x64"]).map((t) => t.triple),
    ["x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu"],
  );
  if (TARGETS.some((t) => t.triple === Deno.build.target)) {
    assertEquals(resolveTargets(["host"]).map((t) => t.triple), [Deno.build.target]);
  }
  let error: unknown;
  try {
    resolveTargets(["sparc-sun-solaris"]);
  } catch (caught) {
    error = caught;
  }
  assert(error instanceof Error && error.message.includes('unknown target "sparc-sun-solaris"'));
});

Deno.test("compileArgs bakes in the needed permissions and the worker", () => {
  assertEquals(
    compileArgs(TARGETS[4], "/out/p2pft-windows-x64.exe", {
      includes: ["src/storage/hash_worker.ts"],
    }),
    [
      "compile",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--include",
      "src/storage/hash_worker.ts",
      "--target",
      "x86_64-pc-windows-msvc",
      "--output",
      "/out/p2pft-windows-x64.exe",
      "main.ts",
    ],
  );
});

Deno.test("a failed runtime download is recognised and described in one line", () => {
  const output = [
    "Check main.ts",
    "Compile main.ts to dist/p2pft-linux-x64",
    "Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip",
    "error: Writing deno compile executable to temporary file 'dist/p2pft-linux-x64.tmp-1'",
    "",
    "Caused by:",
    "    0: Setting up base binary.",
    "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-" +
    "unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address",
    "    2: client error (Connect)",
  ].join("\n");
  assert(isBaseRuntimeFailure(output));
  const line = firstErrorLine(output);
  assert(line.startsWith("error sending request for url (https://dl.deno.land/"), line);
  const message = baseRuntimeMessage(TARGETS[0], line);
  assert(
    message.startsWith(
      "could not download the deno runtime base for x86_64-unknown-linux-gnu: no internet access?",
    ),
  );
  assert(!message.includes("\n"));

  const stalled = "Compile main.ts\nDownload https://dl.deno.land/release/v2.9.6/denort-x.zip\n";
  assert(!isBaseRuntimeFailure(stalled.replace("denort-x.zip", "other")));
  assert(isBaseRuntimeFailure(stalled.replace("denort-x.zip", "other"), true));

  const typeError = "Check main.ts\nTS2322 [ERROR]: Type 'string' is not assignable\n" +
    "error: Type checking failed.\n";
  assert(!isBaseRuntimeFailure(typeError));
  assertEquals(firstErrorLine(typeError), "error: Type checking failed.");
});

Deno.test("findWorkerModules finds the workers started by the program, not by tests", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft_compile_workers_" });
  try {
    await Deno.mkdir(join(dir, "src", "a"), { recursive: true });
    await Deno.writeTextFile(join(dir, "main.ts"), 'import "./src/a/mod.ts";\n');
    await Deno.writeTextFile(
      join(dir, "src", "a", "mod.ts"),
      'new Worker(new URL("./w.ts", import.meta.url), { type: "module" });\n' +
        "new Worker(\n  new URL('../b_worker.ts', import.meta.url),\n);\n" +
        'new Worker(new URL("./missing.ts", import.meta.url));\n',
    );
    await Deno.writeTextFile(join(dir, "src", "a", "w.ts"), "self.close();\n");
    await Deno.writeTextFile(join(dir, "src", "b_worker.ts"), "self.close();\n");
    await Deno.writeTextFile(
      join(dir, "src", "a", "mod_test.ts"),
      'new Worker(new URL("../test_only.ts", import.meta.url));\n',
    );
    await Deno.writeTextFile(join(dir, "src", "test_only.ts"), "self.close();\n");
    assertEquals(await findWorkerModules(dir), ["src/a/w.ts", "src/b_worker.ts"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
