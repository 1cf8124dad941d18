import assert from "node:assert/strict";
import { DataDirInUseError } from "../storage/peer_state.ts";
import { tempDir } from "../test_dir.ts";
import { openPeerState } from "./open_state.ts";

Deno.test("a data folder in use names the port when that is taken too, else the folder", async () => {
  await using dir = await tempDir();
  const state = await openPeerState(dir.path, { hostname: "127.0.0.1", port: 0 });
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      openPeerState(dir.path, { hostname: "127.0.0.1", port: 0 }),
      DataDirInUseError,
    );
    await assert.rejects(
      openPeerState(dir.path, { hostname: "127.0.0.1", port: taken.addr.port }),
      /is already in use: stop the other process, or pick another port with --addr/,
    );
    const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = free.addr.port;
    free.close();
    await assert.rejects(
      openPeerState(dir.path, { hostname: "127.0.0.1", port }),
      DataDirInUseError,
    );
  } finally {
    await state.close();
  }
  await (await openPeerState(dir.path, { hostname: "127.0.0.1", port: taken.addr.port })).close();
});
