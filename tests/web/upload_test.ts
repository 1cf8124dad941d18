import assert from "node:assert/strict";
import { join } from "node:path";
import { runPeer } from "../../scripts/process_harness.ts";
import { randomBytes } from "../helpers/bytes.ts";
import { startCluster } from "../helpers/cluster.ts";
import { startWebPeer } from "./web_peer.ts";

interface SharedView {
  id: string;
  name: string;
  size: number;
  path: string;
  origin: string;
}

Deno.test("a file uploaded from the browser is shared, and another peer downloads it", async () => {
  await using cluster = await startCluster("p2pft-web-upload-");
  const page = await startWebPeer(cluster, "web");
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  const item = await page.json<SharedView>("/api/upload?name=holiday.jpg", {
    method: "POST",
    body: bytes.slice(),
    status: 201,
  });
  assert.equal(item.name, "holiday.jpg");
  assert.equal(item.size, bytes.length);
  assert.equal(item.path, join(page.out, "uploads", "holiday.jpg"));
  assert.equal(item.origin, "registered");
  const { shared } = await page.json<{ shared: SharedView[] }>("/api/shared");
  assert.deepEqual(shared.map((s) => s.id), [item.id]);

  const out = join(cluster.dir, "other");
  const other = await runPeer(cluster.server.address, {
    args: ["-d", "holiday.jpg", "-o", out, "--exit-when-done"],
  });
  assert.equal(other.code, 0, other.stderr);
  assert.deepEqual(await Deno.readFile(join(out, "holiday.jpg")), bytes);

  const removed = await page.json<SharedView>(`/api/shared/${item.id.slice(0, 8)}`, {
    method: "DELETE",
  });
  assert.equal(removed.id, item.id);
  assert.deepEqual((await page.json("/api/shared")).shared, []);
  const gone = await page.json(`/api/shared/${item.id.slice(0, 8)}`, {
    method: "DELETE",
    status: 404,
  });
  assert.match(String(gone.error), /this peer shares nothing named/);
});

Deno.test("hostile upload names land inside the upload folder, renamed as downloads are", async () => {
  await using cluster = await startCluster("p2pft-web-names-");
  const inbox = join(cluster.dir, "inbox");
  const page = await startWebPeer(cluster, "web", { args: ["--web-uploads", inbox] });
  const names = [
    "../../escape.txt",
    "..",
    "/etc/passwd",
    "a\u202Etxt.exe",
    "CON",
    ".hidden",
    "x/../../y",
  ];
  const landed: string[] = [];
  for (const [i, name] of names.entries()) {
    const item = await page.json<SharedView>(`/api/upload?name=${encodeURIComponent(name)}`, {
      method: "POST",
      body: `upload ${i}`,
      status: 201,
    });
    assert.equal(join(inbox, item.name), item.path, `${name} stays inside the upload folder`);
    landed.push(item.name);
  }
  assert.deepEqual(landed, [
    "escape.txt",
    "download",
    "passwd",
    "a_txt.exe",
    "_CON",
    "_hidden",
    "y",
  ]);
  const again = await page.json<SharedView>("/api/upload?name=escape.txt", {
    method: "POST",
    body: "again",
    status: 201,
  });
  assert.equal(again.name, "escape (1).txt");
  assert.equal(await Deno.readTextFile(join(inbox, "escape.txt")), "upload 0");
  const missing = await page.json("/api/upload", { method: "POST", body: "x", status: 400 });
  assert.match(String(missing.error), /give the file's name/);
});

Deno.test("an upload past the limit is refused with 413 and leaves nothing", async () => {
  await using cluster = await startCluster("p2pft-web-limit-");
  const page = await startWebPeer(cluster, "web", { args: ["--web-upload-limit", "1M"] });
  const uploads = join(page.out, "uploads");
  const declared = await page.json("/api/upload?name=big.bin", {
    method: "POST",
    body: new Uint8Array(1024 * 1024 + 1),
    status: 413,
  });
  assert.match(
    String(declared.error),
    /larger than this peer accepts \(1048576 bytes\).*--web-upload-limit/,
  );
  const chunks = [new Uint8Array(700 * 1024), new Uint8Array(700 * 1024)];
  const streamed = await page.json("/api/upload?name=big.bin", {
    method: "POST",
    body: ReadableStream.from(chunks),
    status: 413,
  });
  assert.match(String(streamed.error), /larger than this peer accepts/);
  const left = await Array.fromAsync(Deno.readDir(uploads)).catch(() => []);
  assert.deepEqual(left, [], "no partial file left");
  const ok = await page.json<SharedView>("/api/upload?name=fits.bin", {
    method: "POST",
    body: new Uint8Array(1024 * 1024),
    status: 201,
  });
  assert.equal(ok.size, 1024 * 1024);
});
