/**
 * Memory of a server under the large-frame attack: many member connections
 * each announce a 16 MiB control frame, send part of it and stall. The
 * server's memory must grow with what really arrived, not with what was
 * announced, and every such connection must be cut once it stalls.
 */

import assert from "node:assert/strict";
import { MAX_CONTROL_FRAME_BYTES } from "../../src/constants.ts";
import type { Connection } from "../../src/protocol/connection.ts";
import { dial } from "../../src/protocol/dial.ts";
import { FRAME_CONTROL, FRAME_HEADER_BYTES } from "../../src/protocol/frame.ts";
import { testCredentials } from "../../src/test_credentials.ts";
import { startServer } from "../../scripts/process_harness.ts";

const onLinux = Deno.build.os === "linux";
const CONNECTIONS = 64;
const SENT_BYTES = 64 * 1024;
/** Generous room for TLS buffers and per-connection state, far below 64 x 16 MiB. */
const MAX_GROWTH_BYTES = 150 * 1000 * 1000;

function rssOf(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

Deno.test({
  name: "connections that announce 16 MiB frames and stall cost what they sent, then are cut",
  ignore: !onLinux,
  async fn() {
    await using server = await startServer();
    const before = rssOf(server.pid);
    const attackers: Connection[] = [];
    const ended: Promise<void>[] = [];
    try {
      for (let i = 0; i < CONNECTIONS; i++) {
        const connection = await dial({ host: "127.0.0.1", port: server.port }, {
          role: "peer",
          accept: ["server"],
          credentials: await testCredentials(),
        });
        ended.push(connection.run(() => {}).catch(() => {}));
        // Registered first, so that only the frame watch can cut it.
        await connection.request({ t: "register", listenPort: 1 });
        const frame = new Uint8Array(FRAME_HEADER_BYTES + SENT_BYTES).fill(0x20);
        const view = new DataView(frame.buffer);
        view.setUint32(0, MAX_CONTROL_FRAME_BYTES);
        view.setUint8(4, FRAME_CONTROL);
        frame[FRAME_HEADER_BYTES] = "{".charCodeAt(0);
        await connection.sendRaw(frame);
        attackers.push(connection);
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const during = rssOf(server.pid);
      assert.ok(
        during - before < MAX_GROWTH_BYTES,
        `server grew by ${during - before} B for ${CONNECTIONS} stalled 16 MiB frames`,
      );
      // Every stalled frame is cut once it has been silent for the grace time.
      const all = Promise.all(ended);
      const cut = await Promise.race([
        all.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 13_000)),
      ]);
      assert.ok(cut, "the server closed every stalled connection");
      assert.ok(attackers.every((connection) => connection.closed));
    } finally {
      for (const connection of attackers) connection.close();
    }
  },
});
