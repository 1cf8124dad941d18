import assert from "node:assert/strict";
import { chromiumMissing, parseWebAddress } from "./browser.ts";

Deno.test("parseWebAddress reads the page address and its token from a line", () => {
  assert.deepEqual(parseWebAddress("web page: http://127.0.0.1:8123/?token=AbC-9_x"), {
    url: "http://127.0.0.1:8123/?token=AbC-9_x",
    origin: "http://127.0.0.1:8123",
    token: "AbC-9_x",
  });
  assert.equal(parseWebAddress("listening on 127.0.0.1:8123"), null);
  assert.equal(parseWebAddress("http://127.0.0.1:8123/"), null);
});

Deno.test("chromiumMissing says how to install chromium when it is absent", () => {
  const reason = chromiumMissing();
  if (reason !== null) assert.match(reason, /apt-get install chromium/);
});
