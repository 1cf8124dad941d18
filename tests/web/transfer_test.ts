import assert from "node:assert/strict";
import { join } from "node:path";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";
import { freePort, startCluster } from "../helpers/cluster.ts";
import { waitUntil } from "../helpers/resume.ts";
import { jsonPost, readEvents, startWebPeer } from "./web_peer.ts";

const MIB = 1024 * 1024;

interface DownloadView {
  id: number;
  fileId: string;
  state: string;
  done: number;
  size: number;
  rate: number;
  sources: { address: string; way: string }[];
  path: string | null;
}

Deno.test("a download started from the page streams its progress to done over SSE", async () => {
  await using cluster = await startCluster("p2pft-web-download-");
  const path = await cluster.file("movie.bin", { size: 24 * MIB, seed: 11 });
  const { peer: seeder, ids: [id] } = await cluster.share([path]);
  const page = await startWebPeer(cluster, "web");

  const { files } = await page.json<{ files: { id: string; name: string }[] }>("/api/files?q=mov");
  assert.deepEqual(files.map((file) => [file.id, file.name]), [[id, "movie.bin"]]);
  assert.deepEqual((await page.json("/api/files?q=nothing-like-it")).files, []);
  assert.equal(
    (await page.json<{ files: unknown[] }>(`/api/files?q=${id.slice(0, 6)}`)).files.length,
    1,
  );

  const started = await page.json<DownloadView>("/api/downloads", {
    ...jsonPost({ id: id.slice(0, 10) }),
    status: 201,
  });
  assert.equal(started.fileId, id);
  const events = await readEvents(page, (event) =>
    event.event === "downloads" &&
    (event.data as { downloads: DownloadView[] }).downloads.some((d) => d.state === "done"));
  const views = events.filter((event) => event.event === "downloads")
    .flatMap((event) => (event.data as { downloads: DownloadView[] }).downloads);
  const last = views.at(-1)!;
  assert.equal(last.done, 24 * MIB);
  assert.equal(last.path, join(page.out, "movie.bin"));
  assert.deepEqual(await Deno.readFile(last.path!), await Deno.readFile(path));
  const seen = events.map((event) => event.event);
  assert.ok(seen.includes("shared") && seen.includes("files"), seen.join(", "));
  const { peers } = await page.json<{ peers: { address: string; self: boolean }[] }>("/api/peers");
  assert.ok(peers.some((p) => p.address === seeder.address && !p.self));
});

Deno.test("a download stopped from the page keeps its part and resumes under its number", async () => {
  await using cluster = await startCluster("p2pft-web-stop-");
  // Six chunks (of the chunk size of files under 256 MiB), one each 300 ms.
  const path = await cluster.file("slow.bin", { size: 6 * MIN_CHUNK_SIZE, seed: 12 });
  const { id } = await cluster.rogue(path, "slow:300");
  const page = await startWebPeer(cluster, "web");
  const started = await page.json<DownloadView>("/api/downloads", {
    ...jsonPost({ id }),
    status: 201,
  });
  const n = started.id;
  await waitUntil(async () => {
    const { downloads } = await page.json<{ downloads: DownloadView[] }>("/api/downloads");
    return downloads[0].done > 0;
  }, "a first chunk");
  const stopped = await page.json<DownloadView>(`/api/downloads/${n}`, { method: "DELETE" });
  assert.equal(stopped.state, "cancelled");
  const part = join(page.out, "slow.bin.part");
  assert.ok((await Deno.stat(part)).isFile, "its .part file is kept");
  const again = await page.json(`/api/downloads/${n}`, { method: "DELETE", status: 400 });
  assert.match(String(again.error), /already cancelled/);

  const resumed = await page.json<DownloadView>(`/api/downloads/${n}/resume`, { method: "POST" });
  assert.equal(resumed.id, n);
  assert.equal(resumed.state, "running");
  const events = await readEvents(
    page,
    (event) =>
      event.event === "downloads" &&
      (event.data as { downloads: DownloadView[] }).downloads.some((d) => d.state === "done"),
    60_000,
  );
  const { downloads } = events.at(-1)!.data as { downloads: DownloadView[] };
  assert.deepEqual(downloads.map((d) => [d.id, d.state]), [[n, "done"]]);
  const running = events.filter((event) => event.event === "downloads")
    .flatMap((event) => (event.data as { downloads: DownloadView[] }).downloads)
    .filter((d) => d.state === "running");
  assert.ok(running.length >= 2, "progress comes at least twice a second while it runs");
  assert.ok(running.some((d) => d.rate > 0), "with its rate");
  assert.ok(running.every((d) => d.sources.every((source) => source.way === "direct")));
  assert.ok(running.some((d) => d.sources.length === 1), "and its source");
  assert.deepEqual(await Deno.readFile(join(page.out, "slow.bin")), await Deno.readFile(path));
  assert.equal(
    (await page.json(`/api/downloads/99/resume`, { method: "POST", status: 404 })).error,
    "no download number 99; GET /api/downloads lists them",
  );
});

Deno.test("a file streams to the browser from the swarm with its bytes verified, and by range", async () => {
  await using cluster = await startCluster("p2pft-web-files-");
  const path = await cluster.file("big file é.bin", { size: 100 * MIB, seed: 13 });
  const { ids: [id] } = await cluster.share([path]);
  const page = await startWebPeer(cluster, "web");
  const expected = await Deno.readFile(path);

  const response = await page.fetch(`/files/${id}/ignored-name`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), String(100 * MIB));
  assert.equal(response.headers.get("accept-ranges"), "bytes");
  assert.equal(
    response.headers.get("content-disposition"),
    `attachment; filename="big file _.bin"; filename*=UTF-8''big%20file%20%C3%A9.bin`,
  );
  const got = new Uint8Array(await response.arrayBuffer());
  assert.equal(got.length, expected.length);
  assert.ok(got.every((byte, i) => byte === expected[i]), "the same bytes");
  const { downloads } = await page.json<{ downloads: DownloadView[] }>("/api/downloads");
  assert.deepEqual(downloads.map((d) => d.fileId), [id], "fetched through an ordinary download");

  const start = 7 * MIB + 5;
  const ranged = await page.fetch(`/files/${id.slice(0, 12)}/x`, {
    headers: { range: `bytes=${start}-` },
  });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get("content-range"), `bytes ${start}-${100 * MIB - 1}/${100 * MIB}`);
  const tail = new Uint8Array(await ranged.arrayBuffer());
  assert.equal(tail.length, 100 * MIB - start);
  assert.ok(tail.every((byte, i) => byte === expected[start + i]), "the same bytes from the range");
  const past = await page.fetch(`/files/${id}/x`, { headers: { range: `bytes=${100 * MIB}-` } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get("content-range"), `bytes */${100 * MIB}`);
  await past.body?.cancel();
  const unknown = await page.json(`/files/${"ab".repeat(32)}/x`, { status: 404 });
  assert.match(String(unknown.error), /ab/);
});

Deno.test("a file streams to the browser as its chunks arrive, in order", async () => {
  await using cluster = await startCluster("p2pft-web-stream-");
  // Eight chunks (of the chunk size of files under 256 MiB), one each 300 ms.
  const path = await cluster.file("slow.bin", { size: 8 * MIN_CHUNK_SIZE, seed: 16 });
  const { id } = await cluster.rogue(path, "slow:300");
  const page = await startWebPeer(cluster, "web");
  const response = await page.fetch(`/files/${id}/slow.bin`);
  const reader = response.body!.getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.length > 0);
  const { downloads } = await page.json<{ downloads: DownloadView[] }>("/api/downloads");
  assert.equal(downloads[0].state, "running", "bytes come before the download is done");
  assert.ok(
    downloads[0].done <= 2 * MIN_CHUNK_SIZE,
    `chunks come in order: ${downloads[0].done} bytes done`,
  );
  const rest = new Uint8Array(await new Response(streamRest(reader)).arrayBuffer());
  const got = new Uint8Array(first.value.length + rest.length);
  got.set(first.value);
  got.set(rest, first.value.length);
  assert.deepEqual(got, await Deno.readFile(path));
});

/** The rest of what `reader` reads, as a stream. */
function streamRest(reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

Deno.test("a folder comes as a zip, a file of it alone by ID:path", async () => {
  await using cluster = await startCluster("p2pft-web-zip-");
  const folder = join(cluster.dir, "album");
  await cluster.file("album/a.bin", { size: 5 * MIB, seed: 14 });
  await cluster.file("album/sub/b.txt", { size: 100, seed: 15 });
  const { ids: [id] } = await cluster.share([folder]);
  const page = await startWebPeer(cluster, "web");
  const one = await page.fetch(`/files/${id}${encodeURIComponent(":sub/b.txt")}/b.txt`);
  assert.equal(one.status, 200);
  assert.deepEqual(
    new Uint8Array(await one.arrayBuffer()),
    await Deno.readFile(join(folder, "sub/b.txt")),
  );
  const zip = await page.fetch(`/files/${id}/album.zip`);
  assert.equal(zip.headers.get("content-type"), "application/zip");
  const bytes = new Uint8Array(await zip.arrayBuffer());
  assert.equal(bytes.length, Number(zip.headers.get("content-length")));
  const file = join(cluster.dir, "album.zip");
  await Deno.writeFile(file, bytes);
  const python = await new Deno.Command("python3", {
    args: [
      "-c",
      "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(sorted(z.namelist()))",
      file,
    ],
  }).output().catch(() => undefined);
  const again = await page.fetch(`/files/${id}/album.zip`);
  assert.deepEqual(
    new Uint8Array(await again.arrayBuffer()),
    bytes,
    "the same zip from the folder now held here",
  );
  if (python) {
    assert.equal(
      new TextDecoder().decode(python.stdout).trim(),
      "['album/', 'album/a.bin', 'album/sub/b.txt']",
      new TextDecoder().decode(python.stderr),
    );
  }
});

Deno.test("without its server the page answers 503, saying why", async () => {
  await using cluster = await startCluster("p2pft-web-noserver-");
  const page = await startWebPeer(cluster, "web", {
    args: ["--server", `127.0.0.1:${freePort()}`],
  });
  const files = await page.json("/api/files", { status: 503 });
  assert.match(String(files.error), /127\.0\.0\.1/);
  const state = await page.json<{ server: { connected: boolean } }>("/api/state");
  assert.equal(state.server.connected, false);
});
