import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { progressSnapshot } from "../peer/test_progress.ts";
import {
  barLine,
  downloadFigures,
  downloadSummary,
  etaSeconds,
  formatEta,
  percentDone,
  plainProgressLine,
  progressEvent,
  RateMeter,
  type TaskFigures,
} from "./progress.ts";

const MIB = 1024 * 1024;
const figures: TaskFigures = {
  kind: "download",
  label: "#1 big.iso",
  name: "big.iso",
  bytesDone: 10 * MIB,
  bytesTotal: 40 * MIB,
  rate: 5 * MIB,
  sources: 2,
  downloadId: 1,
  fileId: "ab",
};

Deno.test("RateMeter measures over its window", () => {
  const meter = new RateMeter(1000);
  assertEquals(meter.rate(), 0);
  meter.add(0, 0);
  meter.add(500, 500);
  assertEquals(meter.rate(), 1000);
  meter.add(3000, 500);
  meter.add(3500, 1500);
  assertEquals(meter.rate(), 2000);
});

Deno.test("etaSeconds and formatEta", () => {
  assertEquals(etaSeconds(100, 0), undefined);
  assertEquals(etaSeconds(0, 0), 0);
  assertEquals(etaSeconds(101, 10), 11);
  assertEquals(formatEta(undefined), "--");
  assertEquals(formatEta(7), "7s");
  assertEquals(formatEta(125), "2m05s");
  assertEquals(percentDone(1, 3), 33);
  assertEquals(percentDone(0, 0), 100);
});

Deno.test("plainProgressLine shows percent, bytes, rate, ETA and sources", () => {
  assertEquals(
    plainProgressLine(figures),
    "#1 big.iso: 25% 10.0 MiB/40.0 MiB, 5.0 MiB/s, ETA 6s, 2 sources",
  );
});

Deno.test("barLine draws a cli-progress bar with the same fields", () => {
  const line = barLine(figures);
  assert(line.startsWith("#1 big.iso \u2588\u2588\u2588\u2588\u2588\u2588\u2591"), line);
  assert(line.endsWith("25% | 10.0 MiB/40.0 MiB | 5.0 MiB/s | ETA 6s | 2 sources"), line);
});

Deno.test("progressEvent and downloadFigures", () => {
  assertEquals(progressEvent(figures), {
    event: "progress",
    task: "download",
    name: "big.iso",
    bytesDone: 10 * MIB,
    bytesTotal: 40 * MIB,
    rate: 5 * MIB,
    etaSeconds: 6,
    sources: 2,
    download: 1,
    fileId: "ab",
  });
  const progress = progressSnapshot({
    fileId: "ab",
    bytesDone: 10 * MIB,
    bytesTotal: 40 * MIB,
    sources: 2,
    elapsedMs: 10,
  });
  assertEquals(downloadFigures(progress, 5 * MIB), figures);
});

Deno.test("a folder's progress counts its whole files beside its bytes", () => {
  const folder = { ...figures, label: "#2 album", name: "album", files: { done: 3, total: 120 } };
  assertEquals(
    plainProgressLine(folder),
    "#2 album: 25% 10.0 MiB/40.0 MiB, 3/120 files, 5.0 MiB/s, ETA 6s, 2 sources",
  );
  assert(barLine(folder).includes("| 10.0 MiB/40.0 MiB, 3/120 files |"), barLine(folder));
  const event = progressEvent(folder) as Record<string, unknown>;
  assertEquals([event.filesDone, event.filesTotal], [3, 120]);
});

Deno.test("downloadSummary says size, time, rate, sources and verified", () => {
  assertEquals(
    downloadSummary({
      name: "big.iso",
      size: 40 * MIB,
      elapsedMs: 4000,
      sources: 2,
      alreadyPresent: false,
    }),
    "big.iso: 40.0 MiB in 4.0 s (10.0 MiB/s) from 2 sources, every chunk verified",
  );
});

Deno.test("a file name from the network is escaped in every progress line", () => {
  const evil = { ...figures, label: "#1 a\u001b[2J\nb\u202e" };
  for (const line of [plainProgressLine(evil), barLine(evil)]) {
    assert(line.startsWith("#1 a\\u001b[2J\\nb\\u202e"), line);
  }
});

Deno.test("sources that dialled this peer back are counted apart, in lines and in --json", () => {
  const reversed = { ...figures, reversed: 1 };
  assert(plainProgressLine(reversed).endsWith(", 2 sources (1 reversed)"));
  assert(barLine(reversed).endsWith(" | 2 sources (1 reversed)"));
  assertEquals((progressEvent(reversed) as Record<string, unknown>).reversed, 1);
  assertEquals("reversed" in progressEvent(figures), false);
  const relayed = { ...figures, reversed: 1, relayed: 1 };
  assert(plainProgressLine(relayed).endsWith(", 2 sources (1 reversed, 1 relayed)"));
  assertEquals((progressEvent(relayed) as Record<string, unknown>).relayed, 1);
});

Deno.test("each source's address and way go into --json progress, from the download's snapshot", () => {
  const via = [
    { address: "10.213.0.2:8001", way: "relayed" as const },
    { address: "10.213.0.3:8001", way: "direct" as const },
  ];
  const figures = downloadFigures(progressSnapshot({ sources: 2, relayed: 1, via }), 0);
  assertEquals((progressEvent(figures) as Record<string, unknown>).via, via);
  assert(plainProgressLine(figures).endsWith(", 2 sources (1 relayed)"));
  assertEquals("via" in progressEvent({ ...figures, via: undefined }), false);
});
