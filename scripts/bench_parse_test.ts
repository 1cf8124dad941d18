import assert from "node:assert/strict";
import {
  type CpuProfile,
  parseDownloaded,
  parseFileId,
  parseListening,
  parseMemTotal,
  parseProcStatCpuMs,
  parseProcStatus,
  parseTcpPort,
  parseTcpReceived,
  parseUploaded,
  topSelfTime,
} from "./bench_parse.ts";

const ID = "45186a094c0718b793d07d4080bbad64c759877f16315af0b35612dda4555721";

Deno.test("output lines of the CLI", () => {
  assert.equal(parseListening("p2pft server listening on 127.0.0.1:33949"), "127.0.0.1:33949");
  assert.equal(parseListening("p2pft peer listening on 127.0.0.1:4548"), "127.0.0.1:4548");
  assert.equal(parseListening("something else"), null);
  assert.equal(parseFileId(`File ID: ${ID}`), ID);
  assert.equal(parseFileId(`File ID: ${ID}  f.bin`), ID);
  assert.equal(parseFileId(`File ID: ${ID.slice(1)}`), null);
  assert.equal(parseDownloaded("Downloaded: /dev/shm/x/f.bin"), "/dev/shm/x/f.bin");
  assert.equal(parseDownloaded("f.bin: 256.0 MiB in 415 ms"), null);
});

Deno.test("lines of the TCP baseline", () => {
  assert.equal(parseTcpPort("port 41234"), 41234);
  assert.equal(parseTcpPort("received 1 bytes in 2 ms"), null);
  assert.deepEqual(parseTcpReceived("received 1073741824 bytes in 412.5 ms, VmHWM 43000 kB"), {
    bytes: 1073741824,
    ms: 412.5,
    hwm: 43000 * 1024,
  });
  assert.equal(parseTcpReceived("port 1"), null);
});

Deno.test("parseUploaded reads the seeder's log line", () => {
  assert.deepEqual(
    parseUploaded("19:11:43.530 INFO  [peer] uploaded 268435456 bytes (64 chunks) to other peers"),
    { bytes: 268435456, chunks: 64 },
  );
  assert.deepEqual(parseUploaded("uploaded 0 bytes (0 chunks) to other peers"), {
    bytes: 0,
    chunks: 0,
  });
  assert.deepEqual(
    parseUploaded("uploaded 5 bytes (1 chunk) to other peers; 1520 ms of CPU time in all"),
    { bytes: 5, chunks: 1, cpuMs: 1520 },
  );
  assert.equal(parseUploaded("shutting down"), null);
});

Deno.test("parseProcStatus and parseMemTotal read kB figures as bytes", () => {
  const status = "Name:\tdeno\nVmPeak:\t 100 kB\nVmHWM:\t   2048 kB\nVmRSS:\t    1024 kB\n";
  assert.deepEqual(parseProcStatus(status), { rss: 1024 * 1024, hwm: 2048 * 1024 });
  assert.equal(parseProcStatus("Name:\tzombie\n"), null);
  assert.equal(parseMemTotal("MemTotal:       24576000 kB\nMemFree: 1 kB\n"), 24576000 * 1024);
  assert.equal(parseMemTotal(""), null);
});

Deno.test("parseProcStatCpuMs adds user and system ticks, past a name with spaces", () => {
  const stat = "4712 (deno (x) y) S 3624 4712 3624 0 -1 4194560 1 2 3 4 250 75 0 0 20 0 9";
  assert.equal(parseProcStatCpuMs(stat), 3250);
  assert.equal(parseProcStatCpuMs("garbage"), null);
  assert.equal(parseProcStatCpuMs("1 (a) S 2"), null);
});

Deno.test("topSelfTime merges call sites and sorts by self samples", () => {
  const frame = (functionName: string, url = "", lineNumber = 0) => ({
    functionName,
    url,
    lineNumber,
  });
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 1,
    nodes: [
      { id: 1, callFrame: frame("(root)"), hitCount: 0 },
      { id: 2, callFrame: frame("hash", "file:///a/src/storage/hasher.ts", 9), hitCount: 5 },
      { id: 3, callFrame: frame("hash", "file:///a/src/storage/hasher.ts", 9), hitCount: 3 },
      { id: 4, callFrame: frame("(garbage collector)"), hitCount: 2 },
      { id: 5, callFrame: frame("", "file:///a/x.ts", 0), hitCount: 0 },
    ],
  };
  assert.deepEqual(topSelfTime(profile, 5), [
    { where: "hash storage/hasher.ts:10", samples: 8, share: 0.8 },
    { where: "(garbage collector)", samples: 2, share: 0.2 },
  ]);
  assert.equal(topSelfTime(profile, 1).length, 1);
});
