import assert from "node:assert/strict";
import { qrLines, qrSvg } from "./qr.ts";

Deno.test("qrSvg draws an SVG, qrLines a block of text lines", async () => {
  const svg = await qrSvg("http://192.168.1.2:8080/?token=abc");
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const lines = qrLines("http://192.168.1.2:8080/?token=abc");
  assert.ok(lines.length > 10);
  assert.ok(lines.every((line) => line.length === lines[0].length));
});
