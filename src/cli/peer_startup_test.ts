import assert from "node:assert/strict";
import { createLogger, type LogLevel } from "../log.ts";
import type { Download } from "../peer/download.ts";
import { progressSnapshot } from "../peer/test_progress.ts";
import { Reporter } from "./output.ts";
import { reportStopped, startupWork } from "./peer_startup.ts";
import { NullDisplay } from "./progress_display.ts";

/** A logger keeping its lines' levels and messages, and a json reporter keeping its lines. */
function recorders() {
  const logged: string[] = [];
  const reported: string[] = [];
  const log = createLogger("peer", {
    sink: (line: string, level: LogLevel) => logged.push(`${level} ${line.split("] ")[1]}`),
  });
  const reporter = new Reporter("json", { out: (line) => reported.push(line), err: () => {} });
  return { logged, reported, log, reporter, display: new NullDisplay() };
}

/** A download stopped halfway, of a whole item or (with `inside`) of one file of a folder. */
function stoppedDownload(id: number, inside?: string): Download {
  return {
    fileId: "f".repeat(64),
    inside,
    manifest: { chunkHashes: ["a", "b"] },
    progress: () => progressSnapshot({ id, name: `item${id}`, path: `/out/item${id}` }),
    verifiedChunks: () => [0],
  } as unknown as Download;
}

Deno.test("start-up work logs and reports each failure, goes on, and says it failed", async () => {
  const { logged, reported, ...context } = recorders();
  const asked: string[] = [];
  const peer = {
    unshare: (item: string) => Promise.reject(new Error(`nothing shared matches ${item}`)),
    waitConnected: () => Promise.resolve(),
    register: () => Promise.reject(new Error("unused")),
    downloads: () => [],
    download: (query: string) => {
      asked.push(query);
      return Promise.reject(new Error(`no file named ${query} is shared on the network`));
    },
  };
  const ok = await startupWork(peer, {
    ...context,
    unshare: ["old"],
    register: [],
    download: ["a.bin", "b.bin"],
    out: ".",
  });
  assert.equal(ok, false);
  assert.deepEqual(asked, ["a.bin", "b.bin"], "a failed unshare does not stop the downloads");
  assert.deepEqual(logged, [
    "error unshare old: nothing shared matches old",
    "error download a.bin: no file named a.bin is shared on the network",
    "error download b.bin: no file named b.bin is shared on the network",
  ]);
  assert.equal(reported.length, 3, "each failure is an error event too");
});

Deno.test("start-up work resumes the unfinished downloads; one failure anywhere fails it", async () => {
  const finished = {
    ...stoppedDownload(3, "docs/a.txt"),
    done: Promise.resolve({ path: "/out/a.txt", size: 4, elapsedMs: 1, alreadyPresent: false }),
  } as unknown as Download;
  for (const unshare of [[], ["old"]]) {
    const { reported, ...context } = recorders();
    const peer = {
      unshare: () => Promise.reject(new Error("nothing shared matches old")),
      waitConnected: () => Promise.resolve(),
      register: () => Promise.reject(new Error("unused")),
      downloads: () => [finished],
      download: () => Promise.reject(new Error("unused")),
    };
    const ok = await startupWork(peer, {
      ...context,
      unshare,
      register: [],
      download: [],
      out: ".",
    });
    assert.equal(ok, unshare.length === 0, `unshare ${unshare}`);
    assert.match(reported.at(-1)!, /"event":"downloaded"/);
  }
});

Deno.test("start-up work with nothing to do succeeds without waiting for the server", async () => {
  const context = recorders();
  const peer = {
    unshare: () => Promise.reject(new Error("unused")),
    waitConnected: () => Promise.reject(new Error("the server was waited for")),
    register: () => Promise.reject(new Error("unused")),
    downloads: () => [],
    download: () => Promise.reject(new Error("unused")),
  };
  const ok = await startupWork(peer, {
    ...context,
    unshare: [],
    register: [],
    download: [],
    out: ".",
  });
  assert.equal(ok, true);
  assert.deepEqual(context.logged, []);
});

Deno.test("a stop names each running download and whether the same command resumes it", () => {
  const { logged, log } = recorders();
  const downloads = [stoppedDownload(1), stoppedDownload(2, "docs/a.txt")];
  assert.equal(reportStopped({ downloads: () => downloads, dataDir: "/state" }, log), 2);
  assert.match(logged[0], /^warn .*item1.*run the same command again to resume it/);
  assert.match(logged[1], /^warn .*one file of a folder is not resumed/);
  logged.length = 0;
  assert.equal(reportStopped({ downloads: () => [downloads[0]], dataDir: undefined }, log), 1);
  assert.match(logged[0], /keeps no state/);
});
