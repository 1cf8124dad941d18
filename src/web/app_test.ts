import assert from "node:assert/strict";
import { sameOrigin } from "./app.ts";

Deno.test("sameOrigin refuses a request another site's page sent", () => {
  const request = (headers: Record<string, string>) =>
    new Request("http://127.0.0.1:8080/api/downloads", { method: "POST", headers });
  assert.ok(sameOrigin(request({ host: "127.0.0.1:8080" })), "no Origin: not a browser's");
  assert.ok(sameOrigin(request({ host: "127.0.0.1:8080", origin: "http://127.0.0.1:8080" })));
  assert.ok(!sameOrigin(request({ host: "127.0.0.1:8080", origin: "http://evil.example" })));
  assert.ok(!sameOrigin(request({ host: "127.0.0.1:8080", origin: "null" })));
});
