import assert from "node:assert/strict";
import type { Download } from "../peer/download.ts";
import type { DownloadProgress, DownloadResult } from "../peer/download_progress.ts";
import type { PeerNode } from "../peer/peer.ts";
import { progressSnapshot } from "../peer/test_progress.ts";
import type { Manifest } from "../protocol/messages.ts";
import { Reporter } from "./output.ts";
import { StatusLines } from "./progress_display.ts";
import { registerWithProgress, stoppedLine, watchDownload } from "./transfers.ts";

const manifest = { name: "big.iso", size: 100, chunkSize: 100, chunkHashes: ["d".repeat(64)] };

/** A download of `manifest` (default a file) that ends as `done` says, with `progress` as its last progress. */
function fakeDownload(
  done: Promise<DownloadResult>,
  progress: Partial<DownloadProgress>,
  options: { manifest?: Manifest } = {},
) {
  return {
    fileId: "f".repeat(64),
    manifest: options.manifest ?? manifest,
    done,
    progress: () =>
      progressSnapshot({
        id: 7,
        state: "done",
        bytesDone: 100,
        bytesTotal: 100,
        sources: 3,
        path: "/out/big.iso",
        elapsedMs: 5,
        ...progress,
      }),
  } as unknown as Download;
}

function context() {
  const out: string[] = [];
  const err: string[] = [];
  const console = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
  return { out, err, display: new StatusLines(), json: new Reporter("json", console) };
}

Deno.test("a watched download is reported once it ends, and leaves the display", async () => {
  const result: DownloadResult = {
    fileId: "f".repeat(64),
    path: "/out/big.iso",
    size: 100,
    elapsedMs: 5,
    bytesReceived: 100,
    alreadyPresent: false,
  };
  const { out, display, json } = context();
  assert.equal(
    await watchDownload(fakeDownload(Promise.resolve(result), {}), { display, reporter: json }),
    result,
  );
  assert.deepEqual(display.lines(), []);
  const event = JSON.parse(out[0]);
  assert.deepEqual(
    [event.event, event.download, event.path, event.alreadyPresent],
    ["downloaded", 7, "/out/big.iso", false],
  );
});

Deno.test("a downloaded folder reports a file event per file, then downloaded", async () => {
  const entries = [
    { path: "a/x.bin", kind: "file" as const, size: 60 },
    { path: "a/zero", kind: "file" as const, size: 0 },
    { path: "empty", kind: "folder" as const, size: 0 },
    { path: "run.sh", kind: "executable" as const, size: 40 },
  ];
  const result: DownloadResult = {
    fileId: "f".repeat(64),
    path: "/out/album",
    size: 100,
    elapsedMs: 5,
    bytesReceived: 100,
    alreadyPresent: false,
  };
  const { out, display, json } = context();
  const folder = fakeDownload(Promise.resolve(result), {}, {
    manifest: { ...manifest, name: "album", entries },
  });
  await watchDownload(folder, { display, reporter: json });
  const events = out.map((line) => JSON.parse(line));
  assert.deepEqual(events.slice(0, 3), [
    { event: "file", download: 7, fileId: "f".repeat(64), path: "/out/album/a/x.bin", size: 60 },
    { event: "file", download: 7, fileId: "f".repeat(64), path: "/out/album/a/zero", size: 0 },
    { event: "file", download: 7, fileId: "f".repeat(64), path: "/out/album/run.sh", size: 40 },
  ]);
  assert.deepEqual(events.slice(3).map((event) => event.event), ["downloaded"]);
});

Deno.test("a cancelled download is reported as such and its error passed on", async () => {
  const { out, display, json } = context();
  const failed = fakeDownload(Promise.reject(new Error("download cancelled")), {
    state: "cancelled",
  });
  await assert.rejects(watchDownload(failed, { display, reporter: json }), /download cancelled/);
  assert.equal(JSON.parse(out[0]).event, "cancelled");
});

Deno.test("registering shows the hashing, then reports the file ID", async () => {
  const { out, display, json } = context();
  const seen: string[][] = [];
  const peer = {
    register(
      path: string,
      options: { onProgress?: (p: { bytesDone: number; bytesTotal: number }) => void },
    ) {
      options.onProgress?.({ bytesDone: 50, bytesTotal: 100 });
      seen.push(display.lines());
      return Promise.resolve({ fileId: "a".repeat(64), manifest, path });
    },
  } as unknown as PeerNode;
  const registered = await registerWithProgress(peer, "/in/big.iso", { display, reporter: json });
  assert.equal(registered.fileId, "a".repeat(64));
  assert.match(seen[0][0], /hashing big\.iso/);
  assert.deepEqual(display.lines(), [], "the hashing display is gone");
  assert.deepEqual(JSON.parse(out[0]), {
    event: "registered",
    fileId: "a".repeat(64),
    name: "big.iso",
    size: 100,
    path: "/in/big.iso",
  });
});

Deno.test("a stopped download says where it stopped and whether the same command resumes it", () => {
  const four = { ...manifest, size: 400, chunkHashes: Array(4).fill("d".repeat(64)) };
  const stopped = {
    manifest: four,
    inside: undefined,
    verifiedChunks: () => [0, 2],
    progress: () => ({ name: "big.iso", bytesDone: 200, bytesTotal: 400, path: "/out/big.iso" }),
  } as unknown as Download;
  assert.equal(
    stoppedLine(stopped, "same-command"),
    "stopped big.iso at 50% (2 of 4 chunks verified, kept in /out/big.iso.part); " +
      "run the same command again to resume it",
  );
  assert.match(stoppedLine(stopped, "no-state"), /keeps no state .* give --data-dir/);
  const one = { ...stopped, inside: "a/b.txt", verifiedChunks: () => [] } as unknown as Download;
  assert.equal(
    stoppedLine(one, "one-file"),
    "stopped big.iso at 50%; one file of a folder is not resumed: it starts over",
  );
});
