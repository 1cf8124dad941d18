import assert from "node:assert/strict";
import { dial } from "../protocol/dial.ts";
import { createIdentity } from "../security/identity.ts";
import { CentralServer } from "../server/server.ts";
import { testCredentials } from "../test_credentials.ts";
import { claimNameplate, resolveNameplate } from "./nameplate_client.ts";

async function withServer(fn: (server: CentralServer) => Promise<void>): Promise<void> {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
  });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test("a member claims a nameplate and a guest with no key resolves it, until it is released", async () => {
  await withServer(async (server) => {
    const address = { host: "127.0.0.1", port: server.port };
    const credentials = await testCredentials();
    const held = await claimNameplate(address, { credentials, port: 4321 });
    assert.equal(held.nameplate, 1);
    assert.deepEqual(await resolveNameplate(address, 1), {
      host: "127.0.0.1",
      port: 4321,
      peerId: credentials.identity.id,
    });
    await held.release();
    await assert.rejects(
      resolveNameplate(address, 1),
      /no transfer with code number 1 on this server/,
    );
  });
});

Deno.test("a sender without the network key cannot claim a nameplate", async () => {
  await withServer(async (server) => {
    const credentials = { identity: await createIdentity(), networkKey: undefined };
    await assert.rejects(
      claimNameplate({ host: "127.0.0.1", port: server.port }, { credentials, port: 1 }),
      /requires a network key/,
    );
  });
});

Deno.test("a guest may only resolve: anything else closes its connection", async () => {
  await withServer(async (server) => {
    const guest = await dial({ host: "127.0.0.1", port: server.port }, {
      role: "peer",
      accept: ["server"],
      credentials: { identity: await createIdentity(), networkKey: undefined },
      code: true,
    });
    const running = guest.run(() => {});
    for (const message of [{ t: "files" }, { t: "claim", port: 1 }]) {
      await assert.rejects(guest.request(message), /closed/);
    }
    await running.catch(() => {});
  });
});

Deno.test("an unreachable server is reported with what to do", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await assert.rejects(
    resolveNameplate({ host: "127.0.0.1", port }, 3),
    /cannot reach 127\.0\.0\.1:\d+.*Give its address with --server HOST:PORT/,
  );
});
