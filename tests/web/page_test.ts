/**
 * The web page in a real browser (Debian's chromium through
 * playwright-core) against real processes on loopback: a server, a seeder,
 * a slow rogue source, and the peer that serves the page with `--web`. The
 * page is refused without the token; with it, it lists the network's
 * files, downloads one to 100 %, cancels and resumes another (the focus
 * moving from Cancel to Resume), uploads a file that another peer then
 * downloads from the network, shares a path and stops sharing it, saves a 100 MiB file to the browser's device
 * (bytes checked), works from the keyboard, and fits a phone's screen (the
 * screenshot is kept in `artifacts/web_phone.png`, which git ignores).
 *
 * Skipped, saying why, where chromium is not installed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Locator, Page } from "playwright-core";
import { chromiumMissing, launchBrowser, startWebPeer } from "../../scripts/browser.ts";
import { runPeer } from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { startCluster } from "../helpers/cluster.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";

const MIB = 1024 * 1024;

/** Where the phone-sized screenshot is kept after the test (gitignored). */
const PHONE_SHOT = fileURLToPath(new URL("../../artifacts/web_phone.png", import.meta.url));

/** A phone's viewport (an iPhone 12 to 15's CSS pixels). */
const PHONE = { width: 390, height: 844 };

/** The narrowest phone screen the page is made for. */
const SMALL_PHONE = { width: 360, height: 740 };

/** Delay of the rogue source before each chunk: slow enough to cancel mid-way. */
const SLOW_CHUNK_MS = 700;
/** Chunks of the slow file (of the chunk size of files under 256 MiB): about 4 s in all. */
const SLOW_CHUNKS = 6;

const missing = chromiumMissing();
if (missing !== null) console.warn(`tests/web/page_test.ts skipped: ${missing}`);

/** The row of the download named `name`, in state `state` when given. */
function downloadRow(page: Page, name: string, state?: string) {
  const selector = state
    ? `#downloads li.download[data-state="${state}"]`
    : "#downloads li.download";
  return page.locator(selector, { has: page.locator(".name", { hasText: name }) });
}

/** What the JavaScript `expression` gives in `page` (a string: the tests lack the DOM's types). */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** The accessible name of the focused element, or its text. */
function focusedName(page: Page): Promise<string> {
  return inPage(
    page,
    `document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent`,
  );
}

/** The value of the progress bar `bar` (0 to 100). */
function progressValue(bar: Locator): Promise<number> {
  return bar.evaluate((element) => (element as unknown as { value: number }).value);
}

Deno.test({
  name:
    "web page: token, files, download, cancel and resume, upload, share, save 100 MiB, keyboard, phone",
  ignore: missing !== null,
  // playwright-core keeps its own pipes and timers to the browser between calls.
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using cluster = await startCluster("p2pft-web-");
  const small = await cluster.file("seed/small.bin", { size: 6 * MIB, seed: 161 });
  const big = await cluster.file("seed/big.bin", { size: 100 * MIB, seed: 162 });
  const slow = await cluster.file("slow/slow.bin", {
    size: SLOW_CHUNKS * MIN_CHUNK_SIZE,
    seed: 163,
  });
  await cluster.share([small, big]);
  await cluster.rogue(slow, `slow:${SLOW_CHUNK_MS}`);
  const out = join(cluster.dir, "out");
  const web = await startWebPeer(cluster.server.address, { args: ["-o", out] });
  cluster.use(web.peer);
  await using browser = await launchBrowser({ downloadsPath: join(cluster.dir, "browser") });
  const page = await browser.context.newPage();
  const state = await (await fetch(`${web.origin}/api/state`, {
    headers: { authorization: `Bearer ${web.token}` },
  })).json();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));

  await t.step("without the token the page and the API answer 401", async () => {
    const response = await page.goto(`${web.origin}/`);
    assert.equal(response?.status(), 401);
    await page.getByRole("heading", { name: "Access token needed" }).waitFor();
    const api = await fetch(`${web.origin}/api/state`);
    assert.equal(api.status, 401);
    await api.body?.cancel();
    const bearer = await fetch(`${web.origin}/api/state`, {
      headers: { authorization: `Bearer ${web.token}` },
    });
    assert.equal(bearer.status, 200);
    await bearer.body?.cancel();
  });

  await t.step("with the token it shows the files, this peer and the server", async () => {
    await page.goto(web.url);
    assert.equal(new URL(page.url()).search, "", "the token leaves the address bar");
    for (const name of ["small.bin", "big.bin", "slow.bin"]) {
      await page.getByRole("button", { name: `Download ${name}` }).waitFor();
    }
    await page.locator('#this-peer [data-field="id"]', { hasText: state.peer.id }).waitFor();
    await page.locator('#this-peer [data-field="fingerprint"]', {
      hasText: state.peer.fingerprint,
    }).waitFor();
    await page.locator('#network [data-field="connected"]', { hasText: "connected" }).waitFor();
    await page.locator(".top .live", { hasText: "Live" }).waitFor();
    const qr = await page.getByRole("img", { name: "QR code of this page's address" })
      .evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth > 0);
    assert.ok(qr, "the QR code loads");
  });

  await t.step("a download started from the page reaches 100 %", async () => {
    await page.getByRole("button", { name: "Download small.bin" }).click();
    const done = downloadRow(page, "small.bin", "done");
    await done.waitFor();
    assert.match(await done.locator(".figures").innerText(), /^100% · 6\.0 MiB of 6\.0 MiB/);
    assert.equal(
      await progressValue(done.locator("progress")),
      100,
    );
    assert.equal(await sha256File(join(out, "small.bin")), await sha256File(small));
  });

  await t.step(
    "a slow download shows its source, is cancelled, then resumed to the end",
    async () => {
      await page.getByRole("button", { name: "Download slow.bin" }).click();
      const running = downloadRow(page, "slow.bin", "running");
      await running.locator(".sources li", { hasText: "direct" }).waitFor();
      await page.waitForFunction(`(() => {
        const bar = document.querySelector('#downloads li.download[data-state="running"] progress');
        return bar !== null && bar.value > 0 && bar.value < 100;
      })()`);
      await running.getByRole("button", { name: "Cancel slow.bin" }).click();
      const cancelled = downloadRow(page, "slow.bin", "cancelled");
      await cancelled.waitFor();
      assert.equal(await focusedName(page), "Resume slow.bin", "the focus moves to Resume");
      await page.keyboard.press("Enter");
      await downloadRow(page, "slow.bin", "done").waitFor({ timeout: 60_000 });
      assert.equal(await sha256File(join(out, "slow.bin")), await sha256File(slow));
    },
  );

  await t.step(
    "a file uploaded from the browser is found on the network by another peer",
    async () => {
      const photo = join(cluster.dir, "phone", "photo.jpg");
      await Deno.mkdir(join(cluster.dir, "phone"));
      await writeRandomFile(photo, 3 * MIB, { seed: 164 });
      await page.locator("#upload-input").setInputFiles(photo);
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await page.locator("#uploads li.upload[data-state=done]", { hasText: "100%" }).waitFor();
      await page.getByRole("button", { name: "Stop sharing photo.jpg" }).waitFor();
      const elsewhere = join(cluster.dir, "elsewhere");
      const got = await runPeer(cluster.server.address, {
        args: ["-d", "photo.jpg", "-o", elsewhere],
      });
      assert.equal(got.code, 0, got.stderr);
      assert.equal(await sha256File(join(elsewhere, "photo.jpg")), await sha256File(photo));
    },
  );

  await t.step("a path on the peer's disk is shared from the page, then no longer", async () => {
    const notes = join(cluster.dir, "notes.txt");
    await Deno.writeTextFile(notes, "shared from the page\n");
    await page.getByLabel("Share a file or folder on the peer's computer").fill(notes);
    await page.keyboard.press("Enter");
    const stop = page.getByRole("button", { name: "Stop sharing notes.txt" });
    await stop.click();
    await stop.waitFor({ state: "detached" });
    await page.getByRole("status").filter({ hasText: "Stopped sharing notes.txt" }).waitFor();
  });

  await t.step("a 100 MiB file saved to the browser's device is the same bytes", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Save to this device: big.bin" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "big.bin");
    assert.equal(await download.failure(), null);
    assert.equal(await sha256File(await download.path()), await sha256File(big));
  });

  await t.step("the keyboard reaches search and the buttons, with a visible focus", async () => {
    await page.getByRole("searchbox").focus();
    await page.keyboard.type("big");
    await page.keyboard.press("Enter");
    await page.locator("#files li", { hasText: "small.bin" }).waitFor({ state: "detached" });
    // The peer holds big.bin now (the browser's save fetched it): no Download button then.
    await page.locator("#files li", { hasText: "big.bin" }).filter({ hasText: "on this peer" })
      .waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await focusedName(page), "Search");
    await page.keyboard.press("Tab");
    assert.equal(
      await focusedName(page),
      "Save to this device: big.bin",
    );
    const outline = await inPage(page, "getComputedStyle(document.activeElement).outlineStyle");
    assert.notEqual(outline, "none", "the focused button shows it");
  });

  await t.step("it fits a phone's screen", async () => {
    const phone = await browser.context.newPage();
    await phone.setViewportSize(PHONE);
    await phone.goto(`${web.origin}/`);
    await phone.locator("#files").getByRole("link", { name: "Save to this device: big.bin" })
      .waitFor();
    await phone.locator('#this-peer [data-field="id"]', { hasText: state.peer.id }).waitFor();
    const width = await inPage<number>(phone, "document.documentElement.scrollWidth");
    assert.ok(width <= PHONE.width, `no sideways scrolling: the page is ${width} px wide`);
    await Deno.mkdir(join(PHONE_SHOT, ".."), { recursive: true });
    await phone.screenshot({ path: PHONE_SHOT, fullPage: true });
    await phone.setViewportSize(SMALL_PHONE);
    const narrow = await inPage<number>(phone, "document.documentElement.scrollWidth");
    assert.ok(narrow <= SMALL_PHONE.width, `none at 360 px either: the page is ${narrow} px wide`);
    await phone.close();
  });

  assert.deepEqual(errors, [], "no script errors on the page");
});
