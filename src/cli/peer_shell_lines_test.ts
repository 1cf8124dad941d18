import assert from "node:assert/strict";
import type { Download } from "../peer/download.ts";
import type { DownloadProgress } from "../peer/download_progress.ts";
import { progressSnapshot } from "../peer/test_progress.ts";
import { MAX_LISTING_PAGE, MAX_LISTING_PAGES } from "../constants.ts";
import {
  cutNote,
  downloadRows,
  fileRows,
  peerRows,
  reachabilityLine,
  serverLine,
  sourceLines,
  statusFields,
} from "./peer_shell_lines.ts";

Deno.test("the status names the server, or says the peer works in LAN mode", () => {
  assert.equal(
    serverLine({ server: "10.0.0.1:8000", connected: true, lan: false }),
    "10.0.0.1:8000 (connected)",
  );
  assert.equal(
    serverLine({ server: "10.0.0.1:8000", connected: false, lan: true }),
    "10.0.0.1:8000 (not connected, retrying), plus peers found on the LAN",
  );
  assert.equal(
    serverLine({ server: undefined, connected: false, lan: true }),
    "none (LAN mode: peers found over mDNS)",
  );
  assert.equal(
    serverLine({ server: "10.0.0.1:8000", connected: false, lan: false, refused: "wrong key" }),
    "10.0.0.1:8000 (refused: wrong key)",
    "a refusal that retrying cannot mend is not called retrying",
  );
});

Deno.test("the network's files are listed with a star on this peer's own", () => {
  const files = [
    { fileId: "a".repeat(64), name: "mine.bin", size: 2048, sources: 2, seeders: 1 },
    { fileId: "b".repeat(64), name: "theirs.bin", size: 10, sources: 1, seeders: 1 },
    { fileId: "c".repeat(64), name: "album", size: 10, sources: 1, seeders: 1, files: 1 },
  ];
  assert.deepEqual(fileRows(files, new Set(["a".repeat(64)])), [
    ["*", "a".repeat(12), "mine.bin", "2.0 KiB", "2"],
    ["", "b".repeat(12), "theirs.bin", "10 B", "1"],
    ["", "c".repeat(12), "album/ (1 file)", "10 B", "1"],
  ]);
});

Deno.test("the network's peers are listed with this peer marked", () => {
  const peers = [
    { peerId: "me-and-more", address: "10.0.0.1:1", files: 3, lastSeenMs: 0 },
    { peerId: "other-peer", address: "10.0.0.2:2", files: 0, lastSeenMs: 1500 },
  ];
  assert.deepEqual(peerRows(peers, "me-and-more"), [
    ["10.0.0.1:1", "me-and-m", "3", "0 ms ago", "(this peer)"],
    ["10.0.0.2:2", "other-pe", "0", "1.5 s ago", ""],
  ]);
});

Deno.test("downloads are listed with their state, rate and path or reason", () => {
  const download = (progress: Partial<DownloadProgress>) =>
    ({
      progress: () =>
        progressSnapshot({
          bytesDone: 512,
          bytesTotal: 1024,
          sources: 2,
          path: "/out/big.iso",
          elapsedMs: 1000,
          ...progress,
        }),
    }) as Download;
  const rows = downloadRows([
    download({}),
    download({ id: 2, state: "done", bytesDone: 1024 }),
    download({ id: 3, state: "waiting", message: "waiting for a peer that has this file" }),
  ], new Map([[2, 500]]));
  assert.deepEqual(rows[0], [
    "#1",
    "running",
    "50%",
    "1.0 KiB",
    "512 B/s",
    "2",
    "big.iso",
    "/out/big.iso",
  ]);
  assert.equal(rows[1][4], "2.0 KiB/s", "a finished download's rate uses the time it took");
  assert.equal(rows[2][7], "waiting for a peer that has this file");
});

Deno.test("a listing the server had more of ends with a line that says so and what to do", () => {
  const shown = MAX_LISTING_PAGE * MAX_LISTING_PAGES;
  assert.equal(
    cutNote(12, "files"),
    `... and 12 more files not listed (a listing stops at ${shown}); ` +
      "download by ID still finds any file",
  );
  assert.match(cutNote(3, "peers"), /^\.\.\. and 3 more peers not listed .*server shell/);
});

Deno.test("status says whether the server could dial this peer back, and where", () => {
  assert.equal(reachabilityLine({}), "unknown (not registered with a server)");
  assert.equal(
    reachabilityLine({ reachable: true, seenAt: "10.0.0.2:8001" }),
    "yes, at 10.0.0.2:8001",
  );
  assert.match(
    reachabilityLine({ reachable: false, seenAt: "10.0.0.2:8001" }),
    /^no: .*10\.0\.0\.2:8001/,
  );
});

Deno.test("status shows each running download's sources, with address and way", () => {
  const progress = progressSnapshot;
  assert.deepEqual(
    sourceLines([
      progress({
        sources: 2,
        via: [
          { address: "10.213.0.2:8001", way: "relayed" },
          { address: "10.213.0.3:8001", way: "direct" },
        ],
      }),
      progress({ id: 2 }),
      progress({ id: 3, state: "done", via: [{ address: "10.0.0.1:1", way: "direct" }] }),
    ]),
    [
      ["#1 sources", "10.213.0.2:8001 relayed, 10.213.0.3:8001 direct"],
      ["#2 sources", "none yet"],
    ],
  );
});

Deno.test("status lists the peer's fields, then the sources of its running downloads", () => {
  const status = {
    address: "0.0.0.0:8001",
    peerId: "p".repeat(52),
    server: undefined,
    lan: true,
    connected: false,
    shared: 3,
    downloadsRunning: 1,
    uploadedBytes: 2048,
  };
  const downloads = [progressSnapshot({ id: 4 }), progressSnapshot({ id: 5, state: "done" })];
  assert.deepEqual(statusFields(status, { peersKnown: "7", downloads }), [
    ["listening on", "0.0.0.0:8001"],
    ["peer ID", "p".repeat(52)],
    ["server", "none (LAN mode: peers found over mDNS)"],
    ["reachable", "unknown (not registered with a server)"],
    ["peers known", "7"],
    ["files shared", "3"],
    ["transfers", "1 running, 1 finished"],
    ["uploaded", "2.0 KiB"],
    ["#4 sources", "none yet"],
  ]);
});
