import assert from "node:assert/strict";
import { pageUrls } from "./web_server.ts";

Deno.test("pageUrls carries the token, brackets IPv6, and lists LAN addresses for a wildcard", () => {
  assert.deepEqual(pageUrls("127.0.0.1", 8080, "a+b"), ["http://127.0.0.1:8080/?token=a%2Bb"]);
  assert.deepEqual(pageUrls("::1", 9, "t"), ["http://[::1]:9/?token=t"]);
  const lan = pageUrls("0.0.0.0", 8080, "t");
  assert.equal(lan.at(-1), "http://127.0.0.1:8080/?token=t", "loopback last");
  assert.ok(lan.every((url) => /^http:\/\/\d+\.\d+\.\d+\.\d+:8080\/\?token=t$/.test(url)));
});
