import assert from "node:assert/strict";
import { connectedLine, loopbackWarning, unreachableMessage } from "./link_lines.ts";

Deno.test("an unreachable server is named with how to set it; several are named together", () => {
  assert.equal(
    unreachableMessage("10.0.0.1:7000", { reason: "connection refused", servers: 1 }),
    "cannot reach the server at 10.0.0.1:7000 (connection refused); is it running? " +
      "Set its address with --server HOST:PORT",
  );
  assert.match(
    unreachableMessage("10.0.0.1:7000,10.0.0.2:7000", { reason: "refused", servers: 2 }),
    /^cannot reach any of the servers 10\.0\.0\.1:7000,10\.0\.0\.2:7000 \(refused\); .*--server HOST:PORT,HOST:PORT$/,
  );
});

Deno.test("serving on loopback is warned about only when the server is reached over the network", () => {
  const loopback = { host: "127.0.0.1", port: 7001 };
  assert.match(
    loopbackWarning(loopback, "192.168.1.5")!,
    /127\.0\.0\.1:7001 only.*0\.0\.0\.0:7001/,
  );
  assert.equal(loopbackWarning(loopback, "127.0.0.1"), undefined, "the server is local too");
  assert.equal(loopbackWarning({ host: "0.0.0.0", port: 7001 }, "192.168.1.5"), undefined);
  assert.equal(loopbackWarning({ host: undefined, port: 7001 }, "192.168.1.5"), undefined);
});

Deno.test("a registration is info, or a warning saying what to open when not dialled back", () => {
  const registration = { server: "10.0.0.1:7000", dialAddress: "1.2.3.4:7001", sharing: "" };
  assert.deepEqual(connectedLine({ ...registration, reachable: true }), {
    level: "info",
    text: "connected to server 10.0.0.1:7000; reachable at 1.2.3.4:7001",
  });
  assert.equal(connectedLine({ ...registration, reachable: undefined }).level, "info");
  const warned = connectedLine({
    ...registration,
    reachable: false,
    sharing: ", sharing 2 file(s)",
  });
  assert.equal(warned.level, "warn");
  assert.match(
    warned.text,
    /^connected to server 10\.0\.0\.1:7000, sharing 2 file\(s\); not reachable/,
  );
  assert.match(warned.text, /forward that port/);
});
