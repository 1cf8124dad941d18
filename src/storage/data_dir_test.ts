import assert from "node:assert/strict";
import { join } from "node:path";
import { adoptLegacyPeerDataDir, defaultPeerDataDir, userDataRoot } from "./data_dir.ts";
import { DataDirInUseError, PeerState } from "./peer_state.ts";

const env = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("the data root follows each OS's convention", () => {
  assert.equal(
    userDataRoot({ os: "linux", env: env({ HOME: "/home/u" }) }),
    "/home/u/.local/share/p2pft",
  );
  assert.equal(
    userDataRoot({ os: "linux", env: env({ HOME: "/home/u", XDG_DATA_HOME: "/data" }) }),
    "/data/p2pft",
  );
  assert.equal(
    userDataRoot({ os: "linux", env: env({ HOME: "/home/u", XDG_DATA_HOME: "relative" }) }),
    "/home/u/.local/share/p2pft",
    "a relative XDG_DATA_HOME is ignored, as the spec says",
  );
  assert.equal(
    userDataRoot({ os: "darwin", env: env({ HOME: "/Users/u" }) }),
    "/Users/u/Library/Application Support/p2pft",
  );
  assert.match(
    userDataRoot({ os: "windows", env: env({ APPDATA: "C:\\Users\\u\\AppData\\Roaming" }) }),
    /AppData.Roaming.p2pft$/,
  );
});

Deno.test("each listen address gets its own folder; port 0 gets none", () => {
  const environment = { os: "linux" as const, env: env({ HOME: "/h" }) };
  assert.equal(
    defaultPeerDataDir({ host: "127.0.0.1", port: 8001 }, environment),
    "/h/.local/share/p2pft/peers/127.0.0.1-8001",
  );
  assert.equal(
    defaultPeerDataDir({ host: "::", port: 8002 }, environment),
    "/h/.local/share/p2pft/peers/__-8002",
  );
  assert.equal(defaultPeerDataDir({ host: "0.0.0.0", port: 0 }, environment), undefined);
});

/** A Linux environment whose data root is a fresh temporary folder. */
async function tempEnvironment() {
  const home = await Deno.makeTempDir({ prefix: "p2pft-data-dir-" });
  const environment = { os: "linux" as const, env: env({ HOME: home }) };
  const peers = join(home, ".local", "share", "p2pft", "peers");
  return {
    environment,
    legacy: join(peers, "127.0.0.1-8001"),
    current: join(peers, "0.0.0.0-8001"),
    [Symbol.asyncDispose]: () => Deno.remove(home, { recursive: true }),
  };
}

const everywhere = { host: "0.0.0.0", port: 8001 };

Deno.test("the state of the former default address 127.0.0.1 moves, once, to 0.0.0.0's folder", async () => {
  await using temp = await tempEnvironment();
  await Deno.mkdir(temp.legacy, { recursive: true });
  await Deno.writeTextFile(join(temp.legacy, "shared.json"), "[]");
  assert.equal(await adoptLegacyPeerDataDir(everywhere, temp.environment), temp.legacy);
  assert.equal(await Deno.readTextFile(join(temp.current, "shared.json")), "[]");
  await assert.rejects(Deno.stat(temp.legacy), Deno.errors.NotFound);
  assert.equal(await adoptLegacyPeerDataDir(everywhere, temp.environment), undefined);
});

Deno.test("nothing moves when the new folder exists, for other addresses, or with no old folder", async () => {
  await using temp = await tempEnvironment();
  assert.equal(await adoptLegacyPeerDataDir(everywhere, temp.environment), undefined);
  await Deno.mkdir(temp.legacy, { recursive: true });
  const elsewhere = [{ host: "127.0.0.1", port: 8001 }, { host: "10.0.0.2", port: 8001 }, {
    host: "0.0.0.0",
    port: 0,
  }, { host: "0.0.0.0", port: 8002 }];
  for (const listen of elsewhere) {
    assert.equal(await adoptLegacyPeerDataDir(listen, temp.environment), undefined);
  }
  await Deno.mkdir(temp.current, { recursive: true });
  assert.equal(await adoptLegacyPeerDataDir(everywhere, temp.environment), undefined);
  await Deno.stat(temp.legacy);
});

Deno.test("the old folder is left alone, with what to do, while a running peer holds it", async () => {
  await using temp = await tempEnvironment();
  const running = await PeerState.open(temp.legacy);
  try {
    await assert.rejects(
      adoptLegacyPeerDataDir(everywhere, temp.environment),
      (error) =>
        error instanceof DataDirInUseError && /stop that one, then start/.test(error.message),
    );
  } finally {
    await running.close();
  }
  await assert.rejects(Deno.stat(temp.current), Deno.errors.NotFound);
  assert.equal(await adoptLegacyPeerDataDir(everywhere, temp.environment), temp.legacy);
});
