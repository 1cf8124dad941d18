/**
 * `deno run --allow-all scripts/screenshot.ts`: takes the README's pictures
 * of the web page, `docs/web.png` (a desktop window) and
 * `docs/web_phone.png` (a phone's screen), from real processes on
 * loopback: a server, two peers sharing a few sample files, and the peer
 * that serves the page with `--web` after it downloaded two of them.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumMissing, launchBrowser, startWebPeer } from "./browser.ts";
import { startPeer, startServer } from "./process_harness.ts";
import { writeRandomFile } from "./sample_files.ts";

const MIB = 1024 * 1024;

const DOCS = fileURLToPath(new URL("../docs/", import.meta.url));

/** The sample files: who shares them, their names and sizes. */
const SAMPLES = [
  { owner: "laptop", name: "holiday-video.mp4", size: 96 * MIB },
  { owner: "laptop", name: "slides.pdf", size: 3 * MIB },
  { owner: "desktop", name: "podcast-episode-42.mp3", size: 48 * MIB },
  { owner: "desktop", name: "photos-2026.zip", size: 24 * MIB },
];

/** The desktop window and the phone's screen, in CSS pixels. */
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing !== null) throw new Error(missing);
  const dir = await Deno.makeTempDir({ prefix: "p2pft-screenshot-" });
  await using stack = new AsyncDisposableStack();
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const server = stack.use(await startServer());
  for (const owner of new Set(SAMPLES.map((sample) => sample.owner))) {
    const paths: string[] = [];
    for (const [index, sample] of SAMPLES.entries()) {
      if (sample.owner !== owner) continue;
      const path = join(dir, owner, sample.name);
      await Deno.mkdir(join(dir, owner), { recursive: true });
      await writeRandomFile(path, sample.size, { seed: index + 1 });
      paths.push(path);
    }
    stack.use(await startPeer(server.address, { args: paths.flatMap((path) => ["-r", path]) }));
  }
  const notes = join(dir, "notes.txt");
  await Deno.writeTextFile(notes, "shopping: bread, coffee, a new phone charger\n");
  const web = await startWebPeer(server.address, { args: ["-r", notes, "-o", join(dir, "out")] });
  stack.use(web.peer);
  await using browser = await launchBrowser({ viewport: DESKTOP });
  const page = await browser.context.newPage();
  await page.goto(web.url);
  for (const name of ["slides.pdf", "photos-2026.zip"]) {
    await page.getByRole("button", { name: `Download ${name}` }).click();
    await page.locator(`#downloads li[data-state="done"]`, { hasText: name }).waitFor();
  }
  await page.getByRole("img", { name: "QR code of this page's address" }).waitFor();
  await page.locator("#network li", { hasText: "this peer" }).waitFor();
  await page.locator("#notice").waitFor({ state: "hidden" });
  await page.screenshot({ path: join(DOCS, "web.png"), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(DOCS, "web_phone.png") });
  console.log(`wrote ${join(DOCS, "web.png")} and ${join(DOCS, "web_phone.png")}`);
}

if (import.meta.main) await main();
