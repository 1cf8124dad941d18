import assert from "node:assert/strict";
import { dialAddress } from "./server.ts";

Deno.test("others dial a peer at its own host, or where the server saw it come from", () => {
  assert.equal(dialAddress("10.0.0.7", { listenPort: 8001 }), "10.0.0.7:8001");
  assert.equal(
    dialAddress("10.0.0.7", { listenHost: "0.0.0.0", listenPort: 8001 }),
    "10.0.0.7:8001",
  );
  assert.equal(dialAddress("10.0.0.7", { listenHost: "::", listenPort: 8001 }), "10.0.0.7:8001");
  assert.equal(
    dialAddress("10.0.0.7", { listenHost: "192.168.1.4", listenPort: 8001 }),
    "192.168.1.4:8001",
  );
  assert.equal(dialAddress("::1", { listenPort: 9 }), "[::1]:9");
});
