import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  aria2Args,
  downloaderHosts,
  formatAnnounce,
  formatCpuRun,
  formatCpuRuns,
  formatLinkRate,
  groupFigures,
  type GroupRun,
  hostCount,
  HUB_HOST,
  parseAnnounce,
  parseRate,
  parseTrackerListening,
  parseTxBytes,
  SEEDER_HOST,
  tbfQdisc,
  type ToolRound,
  transferMs,
  wallMs,
  wireFloorMs,
} from "./bench_shaped_plan.ts";

Deno.test("parseRate reads tc's decimal rate units and refuses the rest", () => {
  assertEquals(parseRate("200mbit"), 200e6);
  assertEquals(parseRate("1Gbit"), 1e9);
  assertEquals(parseRate("1.5mbit"), 1.5e6);
  assertEquals(parseRate("2000000bit"), 2e6);
  throws(() => parseRate("200"), /use e\.g\. 200mbit/);
  throws(() => parseRate("200MB"), /use e\.g\. 200mbit/);
  throws(() => parseRate("500kbit"), /below 1mbit/);
});

Deno.test("formatLinkRate picks the largest whole unit", () => {
  assertEquals(formatLinkRate(200e6), "200 Mbit/s");
  assertEquals(formatLinkRate(1e9), "1 Gbit/s");
  assertEquals(formatLinkRate(1.5e6), "1500 kbit/s");
  assertEquals(formatLinkRate(1_500_001), "1500001 bit/s");
});

Deno.test("tbfQdisc caps at the rate with a 5 ms bucket of at least 32 KiB", () => {
  assertEquals(tbfQdisc(200e6), [
    "tbf",
    "rate",
    "200000000bit",
    "burst",
    "125000",
    "latency",
    "20ms",
  ]);
  assertEquals(tbfQdisc(10e6)[4], String(32 * 1024));
});

Deno.test("wireFloorMs is the payload's time at the link rate", () => {
  assertEquals(wireFloorMs(25e6, 200e6), 1_000);
});

Deno.test("the hub, the seeder and the downloaders each have their own host", () => {
  assertEquals(hostCount(8), 10);
  assertEquals(downloaderHosts(3), [2, 3, 4]);
  assertEquals(new Set([HUB_HOST, SEEDER_HOST, ...downloaderHosts(8)]).size, hostCount(8));
});

Deno.test("parseTxBytes reads the transmit counter of `ip -j -s link show`", () => {
  const json = JSON.stringify([{
    ifname: "eth0",
    stats64: { rx: { bytes: 5, packets: 1 }, tx: { bytes: 1234, packets: 2 } },
  }]);
  assertEquals(parseTxBytes(json), 1234);
  throws(() => parseTxBytes("[]"), /no transmit counter/);
});

Deno.test("the tracker's lines round-trip through their parsers", () => {
  assertEquals(
    parseTrackerListening("tracker listening on http://10.213.77.1:4000/announce"),
    "http://10.213.77.1:4000/announce",
  );
  assertEquals(parseTrackerListening("tracker error: boom"), null);
  const announce = { address: "10.213.77.2:6881", event: "started", left: 0 };
  assertEquals(parseAnnounce(formatAnnounce(announce)), announce);
  assertEquals(parseAnnounce("announce 10.0.0.1:1 started left=x"), null);
});

Deno.test("aria2Args: a seeder serves unverified for ever, a downloader leaves when done", () => {
  const seeder = aria2Args("/t/a.torrent", { dir: "/src", seeder: true });
  const downloader = aria2Args("/t/a.torrent", { dir: "/dl", seeder: false });
  assertEquals(seeder.at(-1), "/t/a.torrent");
  assertEquals(seeder.includes("--seed-ratio=0.0"), true);
  assertEquals(seeder.includes("--bt-seed-unverified=true"), true);
  assertEquals(downloader.includes("--seed-time=0"), true);
  assertEquals(downloader.includes("--dir=/dl"), true);
  for (const args of [seeder, downloader]) {
    assertEquals(args.includes("--enable-dht=false"), true);
    assertEquals(args.includes("--enable-peer-exchange=false"), true);
  }
});

function run(spans: [number, number][], seederTx: number, downloaderTx: number[]): GroupRun {
  return {
    spans: spans.map(([started, ended]) => ({ started, ended, cpuMs: ended - started })),
    seederTx,
    downloaderTx,
  };
}

Deno.test("groupFigures: best wall against best alone, the worst seeder upload", () => {
  assertEquals(wallMs(run([[10, 50], [5, 40], [12, 70]], 0, []).spans), 65);
  const rounds: ToolRound[] = [
    { alone: run([[0, 100]], 10, [0]), groups: new Map([[4, run([[0, 130]], 12, [1, 2])]]) },
    { alone: run([[0, 90]], 10, [0]), groups: new Map([[4, run([[0, 150]], 15, [3, 4])]]) },
  ];
  assertEquals(groupFigures(rounds, { group: 4, size: 10 }), {
    wallMs: 130,
    aloneMs: 90,
    ratio: 130 / 90,
    transferRatio: undefined,
    cpuMs: 130,
    aloneCpuMs: 90,
    seederCopies: 1.5,
    downloaderTx: [1, 2],
  });
});

Deno.test("transfer times count from the first ready to the last done, when every span says", () => {
  const spans = [
    { started: 0, ended: 100, cpuMs: 1, transfer: { started: 20, ended: 90 } },
    { started: 5, ended: 110, cpuMs: 1, transfer: { started: 30, ended: 95 } },
  ];
  assertEquals(transferMs(spans), 75);
  assertEquals(transferMs([...spans, { started: 0, ended: 1, cpuMs: 1 }]), undefined);
  const alone: GroupRun = { spans: [spans[0]], seederTx: 0, downloaderTx: [0] };
  const group: GroupRun = { spans, seederTx: 0, downloaderTx: [0, 0] };
  const figures = groupFigures([{ alone, groups: new Map([[2, group]]) }], { group: 2, size: 1 });
  assertEquals(figures.transferRatio, 75 / 70);
});

Deno.test("CPU runs are shown per run and as means over the runs of a build", () => {
  const runs = [
    { wallMs: 9_000, cpuMs: [1_000, 1_200], seederCpuMs: 600 },
    { wallMs: 11_000, cpuMs: [1_300, 1_300], seederCpuMs: 700 },
  ];
  assertEquals(
    formatCpuRun(runs[0]),
    "wall 9.00 s, CPU per downloader 1.100 s (1.00 1.20), seeder 0.60 s",
  );
  assertEquals(
    formatCpuRuns(runs),
    "CPU per downloader mean 1.200 s (1.10 1.30), wall mean 10.00 s (9.00 11.00)",
  );
});
